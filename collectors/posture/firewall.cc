#include "collectors/posture/firewall.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "collectors/firewall_rules.h"
#include "collectors/ini.h"
#include "collectors/processes.h"

namespace candor::collectors::posture {
namespace {

constexpr const char* kNft = "/usr/sbin/nft";
constexpr const char* kIptablesSave = "/usr/sbin/iptables-save";
constexpr const char* kIp6tablesSave = "/usr/sbin/ip6tables-save";

// The value of KEY=value in a shell-style settings file, unquoted.
std::string ShellSetting(const HostView& host, const std::string& path, const std::string& key) {
  absl::StatusOr<std::string> text = host.ReadFile(path, 64 * 1024);
  if (!text.ok()) return "";
  const IniFile ini = ParseIni(*text);
  auto section = ini.find("");
  if (section == ini.end()) return "";
  auto it = section->second.find(key);
  if (it == section->second.end()) return "";
  std::string value(absl::StripAsciiWhitespace(it->second));
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
    value = value.substr(1, value.size() - 2);
  }
  return value;
}

CheckResult Firewalld(const HostView& host) {
  CheckResult result;
  result.facts["manager"] = std::string("firewalld");
  std::string zone = ShellSetting(host, "/etc/firewalld/firewalld.conf", "DefaultZone");
  if (zone.empty()) zone = "public";
  result.facts["default_zone"] = zone;
  const bool open = zone == "trusted";
  result.facts["ipv4_default_deny"] = !open;
  result.facts["ipv6_default_deny"] = !open;
  result.status = open ? CheckStatus::kFail : CheckStatus::kPass;
  result.reason = open ? "firewalld's default zone is \"trusted\": all inbound traffic is accepted"
                       : absl::StrCat("firewalld is running (default zone ", zone, ")");
  return result;
}

// Reads the kernel's ruleset; ERROR results carry the reason.
absl::StatusOr<InboundPolicy> KernelPolicy(const HostView& host, std::string& manager) {
  absl::StatusOr<ProgramOutput> nft = host.RunProgram(kNft, {"-j", "list", "ruleset"});
  if (nft.ok()) {
    manager = "nftables";
    if (nft->exit_code != 0) {
      return absl::PermissionDeniedError("nft could not read the ruleset (reading it needs root)");
    }
    return InboundPolicyFromNftJson(nft->out);
  }
  if (!absl::IsNotFound(nft.status())) return nft.status();
  absl::StatusOr<ProgramOutput> v4 = host.RunProgram(kIptablesSave, {});
  if (!v4.ok()) return v4.status();
  manager = "iptables";
  if (v4->exit_code != 0) {
    return absl::PermissionDeniedError(
        "iptables-save could not read the rules (reading them needs root)");
  }
  InboundPolicy policy = InboundPolicyFromIptablesSave(v4->out, false);
  absl::StatusOr<ProgramOutput> v6 = host.RunProgram(kIp6tablesSave, {});
  if (v6.ok() && v6->exit_code == 0) {
    policy.ipv6_default_deny = InboundPolicyFromIptablesSave(v6->out, true).ipv6_default_deny;
  }
  return policy;
}

}  // namespace

const config::CollectorSpec& Firewall::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "firewall",
      .description = "Whether a host firewall denies inbound connections by default.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"firewall state"},
      .params = {},
  };
  return kSpec;
}

CheckResult Firewall::Collect(const HostView& host, const config::Params&) const {
  if (RunningProcessNames(host).count("firewalld") != 0) return Firewalld(host);

  CheckResult result;
  const bool ufw_enabled =
      absl::AsciiStrToLower(ShellSetting(host, "/etc/ufw/ufw.conf", "ENABLED")) == "yes";
  std::string manager;
  absl::StatusOr<InboundPolicy> policy = KernelPolicy(host, manager);
  if (!policy.ok()) {
    if (absl::IsNotFound(policy.status())) {
      result.status = CheckStatus::kFail;
      result.reason = "no firewall: neither firewalld, nftables nor iptables is installed";
      return result;
    }
    result.status = CheckStatus::kError;
    result.reason = absl::StrCat("cannot read the firewall rules: ", policy.status().message());
    return result;
  }
  if (ufw_enabled) manager = "ufw";
  result.facts["manager"] = manager;
  result.facts["ipv4_default_deny"] = policy->ipv4_default_deny;
  result.facts["ipv6_default_deny"] = policy->ipv6_default_deny;
  const std::string by = ufw_enabled ? "ufw" : policy->where;
  if (policy->ipv4_default_deny && policy->ipv6_default_deny) {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat("inbound traffic is denied by default (", by, ")");
  } else if (policy->ipv4_default_deny) {
    result.status = CheckStatus::kFail;
    result.reason =
        absl::StrCat("IPv4 inbound is denied by default (", by, ") but IPv6 inbound is not");
  } else {
    result.status = CheckStatus::kFail;
    result.reason = ufw_enabled ? "ufw is enabled in its settings but no default-deny rules "
                                  "are loaded"
                                : "no firewall rule denies inbound traffic by default";
  }
  return result;
}

}  // namespace candor::collectors::posture
