#pragma once

#include "collectors/collector.h"

namespace candor::collectors::posture {

// local_admins: who can become root. Members of sudo, admin and wheel (listed, or by
// primary group), accounts and groups that sudoers grants ALL, and any second UID 0
// account. root itself is not counted. Parameter allowed_admins lists the accounts that
// may; any other is a FAIL. Evidence is counts (never the names of unexpected accounts,
// which on a shared home PC are family members): admin_count, unexpected_count, and the
// allowed accounts found (names the policy already holds).
class LocalAdmins final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
