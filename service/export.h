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

}  // namespace candor::service
