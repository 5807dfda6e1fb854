#include "agent/ledger_line.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "config/json_text.h"
#include "config/time_text.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace candor::agent {
namespace {

void AppendKey(std::string& out, absl::string_view key) {
  config::AppendJsonString(out, key);
  out.push_back(':');
}

// A double as the JSON mapping writes it: the shortest text that reads back the same;
// NaN and the infinities as strings.
void AppendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
  } else if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out.append(buffer, result.ptr);
  }
}

template <typename Enum>
void AppendEnum(std::string& out, int value, bool (*is_valid)(int),
                const std::string& (*name)(Enum)) {
  if (is_valid(value)) {
    config::AppendJsonString(out, name(static_cast<Enum>(value)));
  } else {
    absl::StrAppend(&out, value);  // a value this build does not know, as the mapping does
  }
}

void AppendFact(std::string& out, const v1::FactValue& value) {
  out.push_back('{');
  switch (value.kind_case()) {
    case v1::FactValue::kText:
      AppendKey(out, "text");
      config::AppendJsonString(out, value.text());
      break;
    case v1::FactValue::kInteger:
      absl::StrAppend(&out, "\"integer\":\"", value.integer(), "\"");
      break;
    case v1::FactValue::kFlag:
      absl::StrAppend(&out, "\"flag\":", value.flag() ? "true" : "false");
      break;
    case v1::FactValue::kNumber:
      AppendKey(out, "number");
      AppendDouble(out, value.number());
      break;
    case v1::FactValue::kList: {
      out += "\"list\":{\"values\":[";
      bool first = true;
      for (const std::string& item : value.list().values()) {
        if (!first) out.push_back(',');
        first = false;
        config::AppendJsonString(out, item);
      }
      out += "]}";
      break;
    }
    case v1::FactValue::KIND_NOT_SET:
      break;
  }
  out.push_back('}');
}

// RFC 3339 with 0, 3, 6 or 9 fractional digits, as the mapping writes a Timestamp.
void AppendTimestamp(std::string& out, const google::protobuf::Timestamp& t) {
  const absl::Time time = absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  const char* format = t.nanos() == 0               ? "%Y-%m-%dT%H:%M:%SZ"
                       : t.nanos() % 1'000'000 == 0 ? "%Y-%m-%dT%H:%M:%E3SZ"
                       : t.nanos() % 1'000 == 0     ? "%Y-%m-%dT%H:%M:%E6SZ"
                                                    : "%Y-%m-%dT%H:%M:%E9SZ";
  out.push_back('"');
  out += absl::FormatTime(format, time, absl::UTCTimeZone());
  out.push_back('"');
}

}  // namespace

std::string LedgerLine(const v1::Event& e, int64_t acked_at_ms) {
  std::string out;
  out.reserve(256 + e.ByteSizeLong() * 2);
  out += "{\"acked_at\":";
  config::AppendJsonString(out, config::Rfc3339(acked_at_ms));
  absl::StrAppend(&out, ",\"event\":{\"seq\":\"", e.seq(), "\",");
  AppendKey(out, "collector");
  config::AppendJsonString(out, e.collector());
  out.push_back(',');
  AppendKey(out, "check_id");
  config::AppendJsonString(out, e.check_id());
  out.push_back(',');
  AppendKey(out, "status");
  AppendEnum(out, e.status(), v1::CheckStatus_IsValid, v1::CheckStatus_Name<v1::CheckStatus>);
  out.push_back(',');
  AppendKey(out, "reason");
  config::AppendJsonString(out, e.reason());
  out += ",\"facts\":{";
  bool first = true;
  for (const auto& [name, value] : e.facts()) {
    if (!first) out.push_back(',');
    first = false;
    AppendKey(out, name);
    AppendFact(out, value);
  }
  out.push_back('}');
  if (e.has_observed_at()) {
    out += ",\"observed_at\":";
    AppendTimestamp(out, e.observed_at());
  }
  absl::StrAppend(&out, ",\"policy_version\":\"", e.policy_version(), "\",");
  AppendKey(out, "severity");
  AppendEnum(out, e.severity(), v1::Severity_IsValid, v1::Severity_Name<v1::Severity>);
  absl::StrAppend(&out, ",\"interval_seconds\":", e.interval_seconds(), "}}");
  return out;
}

absl::StatusOr<LedgerEntry> ParseLedgerLine(absl::string_view line) {
  const nlohmann::json doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("acked_at") || !doc["acked_at"].is_string() ||
      !doc.contains("event") || !doc["event"].is_object()) {
    return absl::InvalidArgumentError("not a ledger entry");
  }
  absl::Time acked;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, doc["acked_at"].get<std::string>(), &acked, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("acked_at: ", error));
  }
  LedgerEntry entry{.acked_at_ms = absl::ToUnixMillis(acked)};
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // written by a newer agent
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(doc["event"].dump(), &entry.event, options);
  if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat("event: ", parsed.ToString()));
  return entry;
}

}  // namespace candor::agent
