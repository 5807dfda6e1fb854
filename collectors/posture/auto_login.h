#pragma once

#include "collectors/collector.h"

namespace candor::collectors::posture {

// auto_login: no display manager logs a user in without a password. Checks GDM
// (AutomaticLoginEnable, TimedLoginEnable), LightDM (autologin-user) and SDDM
// ([Autologin] User), including drop-in files. PASS when none does; FAIL naming the display
// manager (never the account). Facts: autologin, display_managers.
class AutoLogin final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
