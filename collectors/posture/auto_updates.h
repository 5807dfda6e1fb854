#pragma once

#include "collectors/collector.h"

namespace candor::collectors::posture {

// auto_updates: updates install themselves. Debian/Ubuntu: unattended-upgrades installed,
// APT::Periodic::Unattended-Upgrade on, apt-daily-upgrade.timer not masked. Fedora/RHEL:
// dnf-automatic with apply_updates on and its timer enabled. NOT_APPLICABLE with neither
// apt nor dnf. Facts: mechanism, enabled, interval_days (apt).
class AutoUpdates final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
