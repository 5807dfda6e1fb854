#pragma once

#include "absl/strings/string_view.h"
#include "agent/clock.h"
#include "candor/v1/events.pb.h"
#include "collectors/collector.h"

namespace candor::agent {

// Turns a collector's result into a wire event (without seq; the spool assigns it).
// Text that is not valid UTF-8 is repaired (U+FFFD) and long text is cut, so whatever a
// host file contains, the event is one the server accepts.
v1::Event BuildEvent(absl::string_view collector_id, absl::string_view check_id,
                     const collectors::CheckResult& result, Clock::TimePoint observed_at,
                     uint64_t policy_version);

// `text` as valid UTF-8 of at most `max_bytes`, invalid bytes replaced by U+FFFD.
std::string SanitizeText(absl::string_view text, size_t max_bytes);

}  // namespace candor::agent
