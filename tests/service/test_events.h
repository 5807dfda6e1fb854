#pragma once

// Builders for well-formed events and batches, shared by the service tests.

#include <cstdint>
#include <string>

#include "candor/v1/events.pb.h"

namespace candor::service::testing {

inline v1::Event MakeEvent(uint64_t seq, const std::string& check = "os") {
  v1::Event event;
  event.set_seq(seq);
  event.set_collector("os_info");
  event.set_check_id(check);
  event.set_status(v1::CHECK_STATUS_PASS);
  event.set_reason("Debian GNU/Linux 12 (bookworm)");
  (*event.mutable_facts())["os_id"].set_text("debian");
  (*event.mutable_facts())["cores"].set_integer(8);
  event.mutable_observed_at()->set_seconds(1'790'000'000 + static_cast<int64_t>(seq));
  event.set_policy_version(3);
  return event;
}

inline v1::EventBatch MakeBatch(uint64_t first, uint64_t last) {
  v1::EventBatch batch;
  batch.set_first_seq(first);
  batch.set_last_seq(last);
  for (uint64_t seq = first; seq <= last; ++seq) *batch.add_events() = MakeEvent(seq);
  return batch;
}

}  // namespace candor::service::testing
