#pragma once

#include "collectors/collector.h"

namespace candor::collectors {

// patch_level: is this machine patched? Answered from local data only, as the package
// manager itself would (apt_state.h): pending updates and which are security fixes, how
// long each security fix has been pending (first seen, remembered in the agent's state),
// how old the package metadata is, whether a reboot is needed, the last upgrade, whether
// updates install themselves.
//
// FAIL: a security update has been pending longer than max_security_age_days.
// ERROR: the package lists are older than max_metadata_age_days (or were never
//        downloaded), so "nothing pending" cannot be known.
// NOT_APPLICABLE: no dpkg database (Fedora/RHEL support: docs/policy.md).
class PatchLevel final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors
