#pragma once

#include "collectors/collector.h"

namespace candor::collectors::posture {

// ssh_server: whether an SSH server listens (sshd running, or its port in LISTEN state in
// /proc/net/tcp and tcp6, as with socket activation) and, if so, whether it lets root log
// in or accepts passwords. Reads sshd_config with its Include files the way sshd does
// (first value wins; settings inside Match blocks are not evaluated). Root login counts
// unless PermitRootLogin is "no", as the CIS benchmarks ask. Parameter allow_server: when
// false, any listening SSH server fails. Facts: listening, ports, root_login, password_login.
class SshServer final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
