#pragma once

#include "collectors/collector.h"

namespace candor::collectors::posture {

// firewall: inbound traffic is denied unless allowed. firewalld running with a default
// zone other than "trusted" passes. Otherwise the kernel's ruleset decides, read with
// `nft -j list ruleset` (or iptables-save where nft is missing): both IPv4 and IPv6 need a
// filter chain on the input hook whose policy drops, or whose last rule drops or rejects
// everything. ufw and iptables-nft rules appear in that ruleset too; ufw's own setting is
// reported beside the verdict. Facts: manager, ipv4_default_deny, ipv6_default_deny.
class Firewall final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
