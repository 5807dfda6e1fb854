#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agent/clock.h"
#include "candor/v1/events.pb.h"
#include "collectors/collector.h"
#include "config/policy.h"

namespace candor::agent {

// Turns a collector's result into a wire event (without seq; the spool assigns it).
// Text that is not valid UTF-8 is repaired (U+FFFD) and long text is cut, so whatever a
// host file contains, the event is one the server accepts.
v1::Event BuildEvent(absl::string_view collector_id, absl::string_view check_id,
                     const collectors::CheckResult& result, Clock::TimePoint observed_at,
                     uint64_t policy_version);

// BuildEvent for a policy check: also carries the check's severity and interval, which the
// server's compliance reports need.
v1::Event BuildCheckEvent(const config::CheckSpec& check, const collectors::CheckResult& result,
                          Clock::TimePoint observed_at, uint64_t policy_version);

// The event the agent sends when a policy file is refused: collector "agent", check
// "policy_rejected", status ERROR, the first error as the reason and up to 20 errors as the
// fact "errors". `version_in_force` is the policy that stays applied (0: none).
v1::Event PolicyRejectedEvent(absl::string_view file, const absl::Status& errors,
                              Clock::TimePoint now, uint64_t version_in_force);

// `text` as valid UTF-8 of at most `max_bytes`, invalid bytes replaced by U+FFFD.
std::string SanitizeText(absl::string_view text, size_t max_bytes);

}  // namespace candor::agent
