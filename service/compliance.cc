#include "service/compliance.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace candor::service {
namespace {

constexpr int64_t kDefaultIntervalSeconds = 86400;

int64_t ObservedAt(const LatestResult& r) { return std::min(r.observed_at_ms, r.received_at_ms); }

bool Passes(ResultState state) {
  return state == ResultState::kPass || state == ResultState::kNotApplicable;
}

v1::CheckStatus WireStatus(const std::string& text) {
  v1::CheckStatus status = v1::CHECK_STATUS_UNSPECIFIED;
  v1::CheckStatus_Parse(absl::StrCat("CHECK_STATUS_", text), &status);
  return status;
}

v1::Severity WireSeverity(int severity) {
  return v1::Severity_IsValid(severity) ? static_cast<v1::Severity>(severity)
                                        : v1::SEVERITY_UNSPECIFIED;
}

// Counts for one tenant, group or the whole report.
struct Tally {
  uint32_t devices = 0;
  uint32_t compliant = 0;
  uint32_t without_results = 0;
};

}  // namespace

ResultState Classify(const LatestResult& result, uint64_t device_policy_version, int64_t now_ms) {
  const int64_t interval =
      result.interval_seconds > 0 ? result.interval_seconds : kDefaultIntervalSeconds;
  if (now_ms - ObservedAt(result) > 2 * interval * 1000) {
    return result.policy_version < device_policy_version ? ResultState::kRetired
                                                         : ResultState::kStale;
  }
  if (result.status == "PASS") return ResultState::kPass;
  if (result.status == "FAIL") return ResultState::kFail;
  if (result.status == "NOT_APPLICABLE") return ResultState::kNotApplicable;
  return ResultState::kError;
}

DeviceVerdict JudgeDevice(absl::Span<const LatestResult> results, int64_t now_ms) {
  DeviceVerdict verdict;
  uint64_t policy_version = 0;
  for (const LatestResult& r : results) policy_version = std::max(policy_version, r.policy_version);
  bool current = false;
  bool all_pass = true;
  for (const LatestResult& r : results) {
    const ResultState state = Classify(r, policy_version, now_ms);
    verdict.states.push_back(state);
    if (state == ResultState::kRetired) continue;
    current = true;
    verdict.last_result_ms = std::max(verdict.last_result_ms, ObservedAt(r));
    if (r.severity >= v1::SEVERITY_HIGH && !Passes(state)) {
      all_pass = false;
      verdict.not_passing.push_back(r.check_id);
    }
  }
  verdict.compliant = current && all_pass;
  return verdict;
}

absl::StatusOr<v1::ComplianceReport> BuildComplianceReport(
    RegistryStore& registry, EventStore& events, const v1::ComplianceReportRequest& request,
    int64_t now_ms) {
  absl::StatusOr<std::vector<DeviceRecord>> devices = registry.Devices(request.tenant());
  if (!devices.ok()) return devices.status();
  // The devices the report covers; results of any other (revoked meanwhile, another group)
  // are skipped.
  absl::flat_hash_map<std::string, const DeviceRecord*> covered;
  for (const DeviceRecord& d : *devices) {
    if (d.revoked_at_ms || (!request.group().empty() && d.group != request.group())) continue;
    covered.emplace(d.device_id, &d);
  }
  std::map<std::string, v1::CheckCompliance> checks;
  std::map<std::string, Tally> tenants;
  absl::flat_hash_map<std::string, DeviceVerdict> verdicts;

  // Results arrive grouped by device; judge each device when its last result has come.
  std::vector<LatestResult> rows;
  size_t used = 0;
  auto judge = [&] {
    if (used == 0) return;
    const absl::Span<const LatestResult> results(rows.data(), used);
    DeviceVerdict verdict = JudgeDevice(results, now_ms);
    for (size_t i = 0; i < used; ++i) {
      const LatestResult& r = rows[i];
      if (verdict.states[i] == ResultState::kRetired) continue;
      v1::CheckCompliance& check = checks[r.check_id];
      check.set_severity(std::max(check.severity(), WireSeverity(r.severity)));
      switch (verdict.states[i]) {
        case ResultState::kPass:
          check.set_pass(check.pass() + 1);
          break;
        case ResultState::kFail:
          check.set_fail(check.fail() + 1);
          break;
        case ResultState::kNotApplicable:
          check.set_not_applicable(check.not_applicable() + 1);
          break;
        case ResultState::kError:
          check.set_error(check.error() + 1);
          break;
        case ResultState::kStale:
          check.set_stale(check.stale() + 1);
          break;
        case ResultState::kRetired:
          break;
      }
    }
    verdict.states.clear();
    verdicts.emplace(rows[0].device_id, std::move(verdict));
    used = 0;
  };
  const ResultFilter filter{.tenant = request.tenant()};
  absl::Status read = events.ForEachLatestResult(filter, [&](const LatestResult& r) {
    if (used > 0 && r.device_id != rows[0].device_id) judge();
    if (!covered.contains(r.device_id)) return;
    if (used == rows.size()) rows.emplace_back();
    rows[used++] = r;
  });
  if (!read.ok()) return read;
  judge();

  v1::ComplianceReport report;
  report.set_tenant(request.tenant());
  report.set_group(request.group());
  report.set_generated_at_ms(now_ms);
  Tally total;
  for (const DeviceRecord& d : *devices) {
    if (!covered.contains(d.device_id)) continue;
    const auto it = verdicts.find(d.device_id);
    const bool has_results = it != verdicts.end();
    const bool compliant = has_results && it->second.compliant;
    for (Tally* tally : {&total, &tenants[d.tenant]}) {
      ++tally->devices;
      if (compliant) ++tally->compliant;
      if (!has_results) ++tally->without_results;
    }
    if (request.devices()) {
      v1::DeviceCompliance* detail = report.add_device_detail();
      detail->set_device_id(d.device_id);
      detail->set_tenant(d.tenant);
      detail->set_group(d.group);
      detail->set_compliant(compliant);
      if (has_results) {
        for (std::string& id : it->second.not_passing) detail->add_not_passing(std::move(id));
        detail->set_last_result_ms(it->second.last_result_ms);
      }
    }
  }
  report.set_devices(total.devices);
  report.set_compliant(total.compliant);
  report.set_without_results(total.without_results);
  for (auto& [id, check] : checks) {
    check.set_check(id);
    *report.add_checks() = std::move(check);
  }
  for (const auto& [name, tally] : tenants) {
    v1::TenantCompliance* tenant = report.add_tenants();
    tenant->set_tenant(name);
    tenant->set_devices(tally.devices);
    tenant->set_compliant(tally.compliant);
    tenant->set_without_results(tally.without_results);
  }
  return report;
}

absl::StatusOr<v1::DeviceReport> BuildDeviceReport(EventStore& events, const DeviceRecord& device,
                                                   int64_t now_ms) {
  std::vector<LatestResult> results;
  const ResultFilter filter{.tenant = device.tenant, .device_id = device.device_id};
  if (absl::Status s =
          events.ForEachLatestResult(filter, [&](const LatestResult& r) { results.push_back(r); });
      !s.ok()) {
    return s;
  }
  const DeviceVerdict verdict = JudgeDevice(results, now_ms);
  v1::DeviceReport report;
  report.set_compliant(verdict.compliant);
  report.set_generated_at_ms(now_ms);
  for (size_t i = 0; i < results.size(); ++i) {
    const LatestResult& r = results[i];
    if (verdict.states[i] == ResultState::kRetired) continue;
    v1::CheckResultInfo* info = report.add_checks();
    info->set_check(r.check_id);
    info->set_collector(r.collector);
    info->set_status(WireStatus(r.status));
    info->set_severity(WireSeverity(r.severity));
    info->set_stale(verdict.states[i] == ResultState::kStale);
    info->set_reason(r.reason);
    info->set_observed_at_ms(r.observed_at_ms);
    info->set_received_at_ms(r.received_at_ms);
    info->set_policy_version(r.policy_version);
    info->set_interval_seconds(static_cast<uint32_t>(r.interval_seconds));
  }
  return report;
}

}  // namespace candor::service
