#pragma once

#include "collectors/collector.h"

namespace candor::collectors::posture {

// time_sync: an NTP client keeps the clock right (certificates, logs and the schedule
// depend on it). PASS when systemd-timesyncd, chronyd or ntpd runs; FAIL otherwise.
// Facts: client, synchronized (systemd-timesyncd only).
class TimeSync final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
