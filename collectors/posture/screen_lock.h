#pragma once

#include "collectors/collector.h"

namespace candor::collectors::posture {

// screen_lock: every interactive account's screen locks after at most max_idle_minutes of
// inactivity. GNOME: org.gnome.desktop.screensaver lock-enabled and lock-delay and
// org.gnome.desktop.session idle-delay, resolved as dconf does (values locked by the
// administrator, then the user's database, then the system databases of the dconf
// profile, then GNOME's defaults). KDE: kscreenlockerrc Autolock, Timeout and LockGrace,
// the user's file over /etc/xdg. Every installed desktop must lock for every account.
// Accounts are counted, never named. NOT_APPLICABLE without GNOME or KDE.
// Facts: desktops, users_checked, users_failing.
class ScreenLock final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
