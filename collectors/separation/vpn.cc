#include "collectors/separation/vpn.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collectors/ini.h"

namespace candor::collectors::separation {
namespace {

constexpr const char* kNmConnections = "/etc/NetworkManager/system-connections";

// "org.freedesktop.NetworkManager.openvpn" -> "openvpn".
std::string PluginType(absl::string_view service) {
  const size_t dot = service.rfind('.');
  return std::string(dot == absl::string_view::npos ? service : service.substr(dot + 1));
}

std::vector<std::string> Names(const HostView& host, const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> names = host.ListDir(dir);
  return names.ok() ? *names : std::vector<std::string>{};
}

}  // namespace

const config::CollectorSpec& VpnConfigured::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "vpn_configured",
      .description = "Whether a VPN connection is configured (its type only).",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"kinds of VPN configured (never endpoints, names or keys)"},
      .params = {},
  };
  return kSpec;
}

CheckResult VpnConfigured::Collect(const HostView& host, const config::Params&) const {
  std::set<std::string> types;
  int64_t count = 0;
  for (const std::string& name : Names(host, kNmConnections)) {
    if (!absl::EndsWith(name, ".nmconnection")) continue;
    absl::StatusOr<std::string> text =
        host.ReadFile(absl::StrCat(kNmConnections, "/", name), 1 << 20);
    if (!text.ok()) continue;  // NetworkManager keeps these root-only; unreadable is not a VPN
    const IniFile ini = ParseIni(*text);
    auto connection = ini.find("connection");
    if (connection == ini.end()) continue;
    auto type = connection->second.find("type");
    if (type == connection->second.end()) continue;
    if (type->second == "wireguard") {
      types.insert("wireguard");
      ++count;
    } else if (type->second == "vpn") {
      std::string plugin = "vpn";
      if (auto vpn = ini.find("vpn"); vpn != ini.end()) {
        if (auto service = vpn->second.find("service-type"); service != vpn->second.end()) {
          plugin = PluginType(service->second);
        }
      }
      types.insert(plugin);
      ++count;
    }
  }
  for (const std::string& name : Names(host, "/etc/wireguard")) {
    if (absl::EndsWith(name, ".conf")) {
      types.insert("wireguard");
      ++count;
    }
  }
  for (const std::string& name : Names(host, "/etc/systemd/system/multi-user.target.wants")) {
    if (absl::StartsWith(name, "wg-quick@")) types.insert("wireguard");
  }
  for (const std::string dir : {"/etc/openvpn/client", "/etc/openvpn"}) {
    for (const std::string& name : Names(host, dir)) {
      if (absl::EndsWith(name, ".conf") || absl::EndsWith(name, ".ovpn")) {
        types.insert("openvpn");
        ++count;
      }
    }
  }
  CheckResult result;
  result.facts["vpn_types"] = std::vector<std::string>(types.begin(), types.end());
  result.facts["connections"] = count;
  if (types.empty()) {
    result.status = CheckStatus::kFail;
    result.reason = "no VPN is configured (NetworkManager, WireGuard or OpenVPN)";
  } else {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat("VPN configured: ", absl::StrJoin(types, ", "));
  }
  return result;
}

}  // namespace candor::collectors::separation
