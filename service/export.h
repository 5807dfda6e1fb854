#pragma once

// `candor-server export`: stored events as JSON lines (for scripts and SIEMs) or as a table
// for people. The JSON line format is documented in docs/operations.md.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/storage/event_store.h"

namespace candor::service {

enum class ExportFormat { kJsonLines, kTable };

// One JSON object, without a newline.
std::string EventToJsonLine(const StoredEvent& event);

// Writes every stored event to `out` in `format`, by tenant, device and seq; with
// `received_since_ms`, only those received at or after it, in the order received.
absl::Status ExportEvents(EventStore& store, ExportFormat format, std::ostream& out,
                          std::optional<int64_t> received_since_ms = std::nullopt);

// --since: an RFC 3339 time ("2026-11-22T08:00:00Z") or a duration before `now` ("15m",
// "24h", "7d"), as milliseconds since 1970.
absl::StatusOr<int64_t> ParseSince(const std::string& text, int64_t now_ms);

}  // namespace candor::service
