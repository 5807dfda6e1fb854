#pragma once

// Times as people and scripts write them on command lines and read them in output, shared
// by candor-server, candorctl and candor-agent.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace candor::config {

// --since: an RFC 3339 time ("2026-11-22T08:00:00Z") or a duration before `now` ("15m",
// "24h", "7d"), as milliseconds since 1970. kInvalidArgument naming --since otherwise.
absl::StatusOr<int64_t> ParseSince(absl::string_view text, int64_t now_ms);

// "2026-11-22T08:00:00.123Z": milliseconds since 1970 in UTC, RFC 3339.
std::string Rfc3339(int64_t ms);

}  // namespace candor::config
