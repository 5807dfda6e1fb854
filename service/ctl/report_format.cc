#include "service/ctl/report_format.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "config/time_text.h"
#include "config/utf8.h"
#include "nlohmann/json.hpp"

namespace candor::ctl {
namespace {

using Json = nlohmann::ordered_json;

using config::Rfc3339;

Json TimeOrNull(int64_t ms) { return ms > 0 ? Json(Rfc3339(ms)) : Json(nullptr); }

std::string SeverityName(v1::Severity severity) {
  if (severity == v1::SEVERITY_UNSPECIFIED) return "unknown";
  return absl::AsciiStrToLower(absl::StripPrefix(v1::Severity_Name(severity), "SEVERITY_"));
}

std::string StatusName(v1::CheckStatus status) {
  return std::string(absl::StripPrefix(v1::CheckStatus_Name(status), "CHECK_STATUS_"));
}

std::string Share(uint32_t part, uint32_t whole) {
  return whole == 0 ? "-" : absl::StrFormat("%.1f%%", 100.0 * part / whole);
}

double ShareValue(uint32_t part, uint32_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / whole;
}

std::string Where(const std::string& tenant, const std::string& group) {
  return group.empty() ? tenant : absl::StrCat(tenant, "/", group);
}

void ComplianceTable(const v1::ComplianceReport& r, std::ostream& out) {
  out << "Compliance of "
      << (r.tenant().empty() ? "every tenant" : absl::StrCat("tenant ", r.tenant()))
      << (r.group().empty() ? "" : absl::StrCat(", group ", r.group())) << ", "
      << UtcMinutes(r.generated_at_ms()) << " UTC\n";
  out << absl::StrFormat("Devices %u, compliant %u (%s), without results %u\n", r.devices(),
                         r.compliant(), Share(r.compliant(), r.devices()), r.without_results());
  if (r.tenants_size() > 1) {
    constexpr const char* kTenantRow = "%-32s %8s %10s %7s %16s\n";
    out << "\n"
        << absl::StrFormat(kTenantRow, "TENANT", "DEVICES", "COMPLIANT", "SHARE",
                           "WITHOUT RESULTS");
    for (const auto& t : r.tenants()) {
      out << absl::StrFormat(kTenantRow, config::ClipUtf8(t.tenant(), 32),
                             absl::StrCat(t.devices()), absl::StrCat(t.compliant()),
                             Share(t.compliant(), t.devices()), absl::StrCat(t.without_results()));
    }
  }
  constexpr const char* kCheckRow = "%-32s %-9s %7s %7s %7s %7s %7s\n";
  out << "\n"
      << absl::StrFormat(kCheckRow, "CHECK", "SEVERITY", "PASS", "FAIL", "N/A", "ERROR", "STALE");
  for (const auto& c : r.checks()) {
    out << absl::StrFormat(kCheckRow, config::ClipUtf8(c.check(), 32), SeverityName(c.severity()),
                           absl::StrCat(c.pass()), absl::StrCat(c.fail()),
                           absl::StrCat(c.not_applicable()), absl::StrCat(c.error()),
                           absl::StrCat(c.stale()));
  }
  if (r.device_detail_size() == 0) return;
  constexpr const char* kDeviceRow = "%-36s %-18s %-9s %-16s %s\n";
  out << "\n"
      << absl::StrFormat(kDeviceRow, "DEVICE", "TENANT/GROUP", "COMPLIANT", "LAST RESULT UTC",
                         "NOT PASSING");
  for (const auto& d : r.device_detail()) {
    out << absl::StrFormat(kDeviceRow, d.device_id(),
                           config::ClipUtf8(Where(d.tenant(), d.group()), 18),
                           d.compliant() ? "yes" : "no", UtcMinutes(d.last_result_ms()),
                           config::ClipUtf8(absl::StrJoin(d.not_passing(), ","), 16));
  }
}

Json ComplianceJson(const v1::ComplianceReport& r) {
  Json json;
  json["tenant"] = r.tenant();
  json["group"] = r.group();
  json["generated_at"] = Rfc3339(r.generated_at_ms());
  json["devices"] = r.devices();
  json["compliant"] = r.compliant();
  json["compliant_share"] = ShareValue(r.compliant(), r.devices());
  json["without_results"] = r.without_results();
  Json tenants = Json::array();
  for (const auto& t : r.tenants()) {
    tenants.push_back({{"tenant", t.tenant()},
                       {"devices", t.devices()},
                       {"compliant", t.compliant()},
                       {"compliant_share", ShareValue(t.compliant(), t.devices())},
                       {"without_results", t.without_results()}});
  }
  json["tenants"] = std::move(tenants);
  Json checks = Json::array();
  for (const auto& c : r.checks()) {
    checks.push_back({{"check", c.check()},
                      {"severity", SeverityName(c.severity())},
                      {"pass", c.pass()},
                      {"fail", c.fail()},
                      {"not_applicable", c.not_applicable()},
                      {"error", c.error()},
                      {"stale", c.stale()}});
  }
  json["checks"] = std::move(checks);
  if (r.device_detail_size() > 0) {
    Json devices = Json::array();
    for (const auto& d : r.device_detail()) {
      devices.push_back({{"device_id", d.device_id()},
                         {"tenant", d.tenant()},
                         {"group", d.group()},
                         {"compliant", d.compliant()},
                         {"not_passing", d.not_passing()},
                         {"last_result_at", TimeOrNull(d.last_result_ms())}});
    }
    json["device_detail"] = std::move(devices);
  }
  return json;
}

void CsvRow(std::ostream& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << CsvField(fields[i]);
  out << "\r\n";
}

void ComplianceCsv(const v1::ComplianceReport& r, std::ostream& out) {
  if (r.device_detail_size() > 0) {
    CsvRow(out, {"device_id", "tenant", "group", "compliant", "last_result_at", "not_passing"});
    for (const auto& d : r.device_detail()) {
      CsvRow(out, {d.device_id(), d.tenant(), d.group(), d.compliant() ? "true" : "false",
                   d.last_result_ms() > 0 ? Rfc3339(d.last_result_ms()) : "",
                   absl::StrJoin(d.not_passing(), ";")});
    }
    return;
  }
  CsvRow(out, {"tenant", "group", "check", "severity", "pass", "fail", "not_applicable", "error",
               "stale"});
  for (const auto& c : r.checks()) {
    CsvRow(out, {r.tenant(), r.group(), c.check(), SeverityName(c.severity()),
                 absl::StrCat(c.pass()), absl::StrCat(c.fail()), absl::StrCat(c.not_applicable()),
                 absl::StrCat(c.error()), absl::StrCat(c.stale())});
  }
}

void DeviceTable(const v1::DeviceReport& r, std::ostream& out) {
  const v1::DeviceInfo& d = r.device();
  std::vector<std::string> not_passing;
  for (const auto& c : r.checks()) {
    const bool passes =
        c.status() == v1::CHECK_STATUS_PASS || c.status() == v1::CHECK_STATUS_NOT_APPLICABLE;
    if (c.severity() >= v1::SEVERITY_HIGH && (c.stale() || !passes))
      not_passing.push_back(c.check());
  }
  out << "Device " << d.device_id() << " (" << Where(d.tenant(), d.group())
      << "): " << (r.compliant() ? "compliant" : "NOT compliant");
  if (!not_passing.empty()) out << " (" << absl::StrJoin(not_passing, ", ") << ")";
  if (!r.compliant() && r.checks_size() == 0) out << " (no results yet)";
  out << "\nagent " << (d.agent_version().empty() ? "?" : d.agent_version()) << ", policy "
      << d.policy_version() << ", last contact " << UtcMinutes(d.last_contact_ms()) << " UTC"
      << (d.revoked_at_ms() ? ", REVOKED" : "") << "\n\n";
  constexpr const char* kRow = "%-20s %-9s %-15s %-16s %s\n";
  out << absl::StrFormat(kRow, "CHECK", "SEVERITY", "STATUS", "OBSERVED UTC", "REASON");
  for (const auto& c : r.checks()) {
    const std::string status =
        c.stale() ? absl::StrCat(StatusName(c.status()), " stale") : StatusName(c.status());
    out << absl::StrFormat(kRow, config::ClipUtf8(c.check(), 20), SeverityName(c.severity()),
                           config::ClipUtf8(status, 15), UtcMinutes(c.observed_at_ms()),
                           config::ClipUtf8(c.reason(), 35));
  }
}

Json DeviceJson(const v1::DeviceReport& r) {
  const v1::DeviceInfo& d = r.device();
  Json json;
  json["device"] = {{"device_id", d.device_id()},
                    {"tenant", d.tenant()},
                    {"group", d.group()},
                    {"agent_version", d.agent_version()},
                    {"policy_version", d.policy_version()},
                    {"last_contact_at", TimeOrNull(d.last_contact_ms())},
                    {"revoked", d.revoked_at_ms() > 0}};
  json["compliant"] = r.compliant();
  json["generated_at"] = Rfc3339(r.generated_at_ms());
  Json checks = Json::array();
  for (const auto& c : r.checks()) {
    checks.push_back({{"check", c.check()},
                      {"collector", c.collector()},
                      {"status", StatusName(c.status())},
                      {"severity", SeverityName(c.severity())},
                      {"stale", c.stale()},
                      {"reason", c.reason()},
                      {"observed_at", Rfc3339(c.observed_at_ms())},
                      {"received_at", Rfc3339(c.received_at_ms())},
                      {"policy_version", c.policy_version()},
                      {"interval_seconds", c.interval_seconds()}});
  }
  json["checks"] = std::move(checks);
  return json;
}

void DeviceCsv(const v1::DeviceReport& r, std::ostream& out) {
  CsvRow(out, {"device_id", "check", "collector", "status", "severity", "stale", "observed_at",
               "received_at", "policy_version", "reason"});
  for (const auto& c : r.checks()) {
    CsvRow(out,
           {r.device().device_id(), c.check(), c.collector(), StatusName(c.status()),
            SeverityName(c.severity()), c.stale() ? "true" : "false", Rfc3339(c.observed_at_ms()),
            Rfc3339(c.received_at_ms()), absl::StrCat(c.policy_version()), c.reason()});
  }
}

std::string Dump(const Json& json) {
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string UtcMinutes(int64_t ms) {
  if (ms <= 0) return "never";
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

absl::StatusOr<ReportFormat> ParseReportFormat(const std::string& name) {
  if (name == "table") return ReportFormat::kTable;
  if (name == "json") return ReportFormat::kJson;
  if (name == "csv") return ReportFormat::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat("--format: expected table, json or csv, got \"", name, "\""));
}

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void PrintComplianceReport(const v1::ComplianceReport& report, ReportFormat format,
                           std::ostream& out) {
  switch (format) {
    case ReportFormat::kTable:
      return ComplianceTable(report, out);
    case ReportFormat::kJson:
      out << Dump(ComplianceJson(report)) << "\n";
      return;
    case ReportFormat::kCsv:
      return ComplianceCsv(report, out);
  }
}

void PrintDeviceReport(const v1::DeviceReport& report, ReportFormat format, std::ostream& out) {
  switch (format) {
    case ReportFormat::kTable:
      return DeviceTable(report, out);
    case ReportFormat::kJson:
      out << Dump(DeviceJson(report)) << "\n";
      return;
    case ReportFormat::kCsv:
      return DeviceCsv(report, out);
  }
}

}  // namespace candor::ctl
