#pragma once

// The event the benchmarks send, store and spool: an os_info result as the agent builds
// it (about 250 bytes encoded), under check id `check_id`, observed now.

#include <chrono>
#include <string>

#include "agent/event_builder.h"

namespace candor::bench {

inline v1::Event TypicalEvent(const std::string& check_id = "os") {
  collectors::CheckResult result;
  result.status = collectors::CheckStatus::kPass;
  result.reason = "Debian GNU/Linux 12 (bookworm), kernel 6.1.0-13-amd64";
  result.facts["os_id"] = std::string("debian");
  result.facts["os_version_id"] = std::string("12");
  result.facts["kernel_release"] = std::string("6.1.0-13-amd64");
  result.facts["architecture"] = std::string("x86_64");
  result.facts["pretty_name"] = std::string("Debian GNU/Linux 12 (bookworm)");
  return agent::BuildEvent("os_info", check_id, result, std::chrono::system_clock::now(), 7);
}

}  // namespace candor::bench
