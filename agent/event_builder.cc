#include "agent/event_builder.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "config/utf8.h"
#include "google/protobuf/util/time_util.h"

namespace candor::agent {
namespace {

// The server's limits (service/ingest.cc): text up to 1 KiB, lists up to 256 items.
constexpr size_t kMaxTextBytes = 1024;
constexpr size_t kMaxListItems = 256;

v1::CheckStatus ToWire(collectors::CheckStatus status) {
  switch (status) {
    case collectors::CheckStatus::kPass:
      return v1::CHECK_STATUS_PASS;
    case collectors::CheckStatus::kFail:
      return v1::CHECK_STATUS_FAIL;
    case collectors::CheckStatus::kNotApplicable:
      return v1::CHECK_STATUS_NOT_APPLICABLE;
    case collectors::CheckStatus::kError:
      return v1::CHECK_STATUS_ERROR;
  }
  return v1::CHECK_STATUS_ERROR;
}

v1::Severity ToWire(config::Severity severity) {
  switch (severity) {
    case config::Severity::kInfo:
      return v1::SEVERITY_INFO;
    case config::Severity::kLow:
      return v1::SEVERITY_LOW;
    case config::Severity::kMedium:
      return v1::SEVERITY_MEDIUM;
    case config::Severity::kHigh:
      return v1::SEVERITY_HIGH;
    case config::Severity::kCritical:
      return v1::SEVERITY_CRITICAL;
  }
  return v1::SEVERITY_UNSPECIFIED;
}

}  // namespace

std::string SanitizeText(absl::string_view text, size_t max_bytes) {
  std::string out;
  while (!text.empty()) {
    const size_t bad = config::FindInvalidUtf8(text);
    const absl::string_view good = text.substr(0, bad);
    out.append(good.data(), good.size());
    if (bad == absl::string_view::npos) break;
    out.append("\xEF\xBF\xBD");
    text.remove_prefix(bad + 1);
  }
  if (out.size() > max_bytes) {
    size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
    out.resize(end);
  }
  return out;
}

v1::Event BuildEvent(absl::string_view collector_id, absl::string_view check_id,
                     const collectors::CheckResult& result, Clock::TimePoint observed_at,
                     uint64_t policy_version) {
  v1::Event event;
  event.set_collector(std::string(collector_id));
  event.set_check_id(std::string(check_id));
  event.set_status(ToWire(result.status));
  event.set_reason(SanitizeText(result.reason, kMaxTextBytes));
  *event.mutable_observed_at() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::nanoseconds>(observed_at.time_since_epoch()).count());
  event.set_policy_version(policy_version);
  auto& facts = *event.mutable_facts();
  for (const auto& [key, value] : result.facts) {
    v1::FactValue& out = facts[key];
    std::visit(
        [&out](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out.set_text(SanitizeText(v, kMaxTextBytes));
          } else if constexpr (std::is_same_v<T, int64_t>) {
            out.set_integer(v);
          } else if constexpr (std::is_same_v<T, bool>) {
            out.set_flag(v);
          } else if constexpr (std::is_same_v<T, double>) {
            out.set_number(v);
          } else {
            auto* list = out.mutable_list();
            for (size_t i = 0; i < v.size() && i < kMaxListItems; ++i) {
              list->add_values(SanitizeText(v[i], kMaxTextBytes));
            }
          }
        },
        value);
  }
  return event;
}

v1::Event BuildCheckEvent(const config::CheckSpec& check, const collectors::CheckResult& result,
                          Clock::TimePoint observed_at, uint64_t policy_version) {
  v1::Event event = BuildEvent(check.collector, check.id, result, observed_at, policy_version);
  event.set_severity(ToWire(check.severity));
  event.set_interval_seconds(static_cast<uint32_t>(check.interval.count()));
  return event;
}

v1::Event PolicyRejectedEvent(absl::string_view file, const absl::Status& errors,
                              Clock::TimePoint now, uint64_t version_in_force) {
  constexpr size_t kMaxErrors = 20;
  const std::vector<std::string> lines = absl::StrSplit(errors.message(), '\n');
  collectors::CheckResult result;
  result.status = collectors::CheckStatus::kError;
  result.reason =
      absl::StrCat("policy ", file, " rejected: ", lines.front(),
                   lines.size() > 1 ? absl::StrCat(" (and ", lines.size() - 1, " more)") : "");
  result.facts["errors"] = std::vector<std::string>(
      lines.begin(), lines.begin() + static_cast<long>(std::min(lines.size(), kMaxErrors)));
  result.facts["error_count"] = static_cast<int64_t>(lines.size());
  return BuildEvent("agent", "policy_rejected", result, now, version_in_force);
}

}  // namespace candor::agent
