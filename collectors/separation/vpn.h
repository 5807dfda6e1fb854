#pragma once

#include "collectors/collector.h"

namespace candor::collectors::separation {

// vpn_configured: a VPN is set up for work: NetworkManager connections of type vpn (with
// their plugin: OpenVPN, WireGuard, IPsec, ...) or wireguard, WireGuard interfaces for
// wg-quick (/etc/wireguard/*.conf) and enabled wg-quick@ units, OpenVPN client
// configurations (/etc/openvpn/client/*.conf, /etc/openvpn/*.conf). Reports the types and
// how many, never a connection's name, endpoint, addresses or keys.
class VpnConfigured final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::separation
