#pragma once

// The events the spool itself writes when it has to lose something, so the server knows
// exactly what is missing and why (collector "agent", status ERROR):
//   spool_dropped   the spool was full and its oldest unsent events were dropped, or the
//                   disk was full and events could not be spooled at all
//   spool_damaged   opening the spool found damaged records (which seqs are lost)
//   <check id>      an event too large for a batch, replaced by an ERROR saying so

#include <cstdint>
#include <utility>
#include <vector>

#include "agent/clock.h"
#include "candor/v1/events.pb.h"

namespace candor::agent {

// `count` unsent events, seqs `first_seq`..`last_seq`, dropped because the spool reached
// `max_bytes`.
v1::Event SpoolFullEvent(uint64_t count, uint64_t first_seq, uint64_t last_seq, uint64_t max_bytes,
                         Clock::TimePoint now);

// `count` events could not be spooled (no seq was given to them) between `since` and now
// because writing failed, e.g. the disk was full.
v1::Event SpoolWriteFailedEvent(uint64_t count, Clock::TimePoint since, Clock::TimePoint now);

// What opening the spool found: `regions` damaged runs of `bytes` bytes skipped, `cut_bytes`
// of torn tail, the seq ranges lost, whether the ack cursor was unreadable.
struct SpoolDamage {
  uint64_t regions = 0;
  uint64_t bytes = 0;
  uint64_t cut_bytes = 0;
  bool cursor_damaged = false;
  std::vector<std::pair<uint64_t, uint64_t>> lost_seqs;
  bool any() const { return regions > 0 || cut_bytes > 0 || cursor_damaged || !lost_seqs.empty(); }
};
v1::Event SpoolDamagedEvent(const SpoolDamage& damage, Clock::TimePoint now);

// Stands in for `original`, which encodes to `bytes` bytes, more than `limit`.
v1::Event OversizeEvent(const v1::Event& original, uint64_t bytes, uint64_t limit);

}  // namespace candor::agent
