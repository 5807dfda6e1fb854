#pragma once

// Compliance: from devices' latest results to the reports admins ask for (docs/reports.md).
//
// A latest result is *stale* when the device has not reported that check within two of its
// intervals (one day when the agent did not say), counted from when the device observed it
// (but never later than when the server received it, so a device clock running ahead
// cannot keep a result fresh). A stale result from an older policy version than the
// device's newest is *retired*: the check is no longer in the device's policy, and it is
// left out. A device is compliant when it has a current result and every current check of
// severity HIGH or above passes or does not apply to it.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "candor/v1/admin.pb.h"
#include "service/storage/event_store.h"
#include "service/storage/registry_store.h"

namespace candor::service {

enum class ResultState { kPass, kFail, kNotApplicable, kError, kStale, kRetired };

// How a device's latest result counts at `now_ms`; `device_policy_version` is the highest
// policy version among the device's results.
ResultState Classify(const LatestResult& result, uint64_t device_policy_version, int64_t now_ms);

struct DeviceVerdict {
  bool compliant = false;
  std::vector<std::string> not_passing;  // HIGH+ checks that fail, error or are stale
  int64_t last_result_ms = 0;            // the newest observation, 0: none
  std::vector<ResultState> states;       // one per result, in order
};

// Judges one device from all its latest results.
DeviceVerdict JudgeDevice(absl::Span<const LatestResult> results, int64_t now_ms);

// The report for `request` (tenant "" = every tenant, group, per-device detail).
absl::StatusOr<v1::ComplianceReport> BuildComplianceReport(
    RegistryStore& registry, EventStore& events, const v1::ComplianceReportRequest& request,
    int64_t now_ms);

// Every current latest result of `device`, with its verdict. The caller fills in
// report.device.
absl::StatusOr<v1::DeviceReport> BuildDeviceReport(EventStore& events, const DeviceRecord& device,
                                                   int64_t now_ms);

}  // namespace candor::service
