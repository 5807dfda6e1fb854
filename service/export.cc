#include "service/export.h"

#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/time_text.h"
#include "config/utf8.h"
#include "nlohmann/json.hpp"

namespace candor::service {
using config::Rfc3339;

std::string EventToJsonLine(const StoredEvent& event) {
  nlohmann::ordered_json line;
  line["device_id"] = event.device_id;
  line["tenant"] = event.tenant;
  line["seq"] = event.seq;
  line["collector"] = event.collector;
  line["check"] = event.check_id;
  line["status"] = event.status;
  line["reason"] = event.reason;
  line["facts"] = nlohmann::json::parse(event.facts_json, nullptr, /*allow_exceptions=*/false);
  line["observed_at"] = Rfc3339(event.observed_at_ms);
  line["received_at"] = Rfc3339(event.received_at_ms);
  line["policy_version"] = event.policy_version;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::Status ExportEvents(EventStore& store, ExportFormat format, std::ostream& out,
                          std::optional<int64_t> received_since_ms) {
  auto for_each = [&](const std::function<void(const StoredEvent&)>& visit) {
    return received_since_ms ? store.ForEachEventSince(*received_since_ms, visit)
                             : store.ForEachEvent(visit);
  };
  if (format == ExportFormat::kJsonLines) {
    // Written as read from the database; nothing is held in memory.
    return for_each([&out](const StoredEvent& event) { out << EventToJsonLine(event) << '\n'; });
  }
  // Fits a 100-column terminal: the device id is shortened, the reason clipped.
  constexpr const char* kRow = "%-8s %-8s %5s %-12s %-14s %-19s %s\n";
  out << absl::StrFormat(kRow, "TENANT", "DEVICE", "SEQ", "CHECK", "STATUS", "OBSERVED (UTC)",
                         "REASON");
  size_t rows = 0;
  absl::Status status = for_each([&](const StoredEvent& event) {
    ++rows;
    out << absl::StrFormat(
        kRow, config::ClipUtf8(event.tenant, 8), event.device_id.substr(0, 8),
        absl::StrCat(event.seq), config::ClipUtf8(event.check_id, 12), event.status,
        absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(event.observed_at_ms),
                         absl::UTCTimeZone()),
        config::ClipUtf8(event.reason, 28));
  });
  if (status.ok()) out << "(" << rows << " event" << (rows == 1 ? "" : "s") << ")\n";
  return status;
}

}  // namespace candor::service
