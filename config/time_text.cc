#include "config/time_text.h"

#include <chrono>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "config/map_reader.h"

namespace candor::config {

absl::StatusOr<int64_t> ParseSince(absl::string_view text, int64_t now_ms) {
  if (const std::optional<std::chrono::seconds> ago = ParseDuration(text)) {
    return now_ms - ago->count() * 1000;
  }
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return absl::ToUnixMillis(time);
  return absl::InvalidArgumentError(absl::StrCat(
      "--since: expected a time like 2026-11-22T08:00:00Z or a duration like 24h, got \"", text,
      "\""));
}

std::string Rfc3339(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

}  // namespace candor::config
