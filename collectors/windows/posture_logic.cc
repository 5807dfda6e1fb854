#include "collectors/windows/posture_logic.h"

#include <algorithm>
#include <vector>

namespace candor::collectors::windows {
namespace {

using Status = Verdict::Status;

constexpr const char* kCurrentVersion = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
constexpr const char* kFirewallPolicy = "SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\";
constexpr const char* kFirewallLocal =
    "SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\";

struct ProfileNames {
  FirewallProfile profile;
  const char* name;        // for people
  const char* policy_key;  // under kFirewallPolicy
  const char* local_key;   // under kFirewallLocal (the private profile is "Standard")
};

constexpr ProfileNames kProfiles[] = {
    {FirewallProfile::kDomain, "domain", "DomainProfile", "DomainProfile"},
    {FirewallProfile::kPrivate, "private", "PrivateProfile", "StandardProfile"},
    {FirewallProfile::kPublic, "public", "PublicProfile", "PublicProfile"},
};

std::string Join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

std::optional<int64_t> ToInt(const std::optional<std::string>& text) {
  if (!text || text->empty() || text->size() > 9) return std::nullopt;
  int64_t value = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The registry's view of one profile: group policy over local settings over defaults.
FirewallProfileState FromRegistry(const RegistryView& registry, const ProfileNames& names) {
  auto setting = [&](const char* value, uint32_t fallback) {
    const std::string policy = std::string(kFirewallPolicy) + names.policy_key;
    const std::string local = std::string(kFirewallLocal) + names.local_key;
    if (auto v = registry.Dword(Hive::kLocalMachine, policy, value)) return *v;
    if (auto v = registry.Dword(Hive::kLocalMachine, local, value)) return *v;
    return fallback;
  };
  FirewallProfileState state;
  state.enabled = setting("EnableFirewall", 1) != 0;
  state.inbound_blocked = setting("DefaultInboundAction", 1) == 1;
  return state;
}

}  // namespace

std::string AsciiLower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::string AccountPart(const std::string& member) {
  const size_t slash = member.rfind('\\');
  return AsciiLower(slash == std::string::npos ? member : member.substr(slash + 1));
}

Verdict OsInfo(const RegistryView& registry) {
  Verdict v;
  const auto product = registry.String(Hive::kLocalMachine, kCurrentVersion, "ProductName");
  const auto build = registry.String(Hive::kLocalMachine, kCurrentVersion, "CurrentBuild");
  const auto display = registry.String(Hive::kLocalMachine, kCurrentVersion, "DisplayVersion");
  const auto ubr = registry.Dword(Hive::kLocalMachine, kCurrentVersion, "UBR");
  if (!product || !build) {
    v.status = Status::kError;
    v.reason = "cannot read the Windows version from the registry";
    return v;
  }
  std::string name = *product;
  const std::optional<int64_t> build_number = ToInt(build);
  if (build_number && *build_number >= 22000) {
    const size_t at = name.find("Windows 10");
    if (at != std::string::npos) name.replace(at, 10, "Windows 11");
  }
  const std::string full_build = *build + (ubr ? "." + std::to_string(*ubr) : "");
  v.facts["os_name"] = name;
  v.facts["os_build"] = full_build;
  if (display) v.facts["os_version_id"] = *display;
  v.status = Status::kPass;
  v.reason = name + (display ? " " + *display : "") + ", build " + full_build;
  return v;
}

Verdict Firewall(const RegistryView& registry, const SecurityView& security) {
  Verdict v;
  std::vector<std::string> off, open;
  bool from_service = true;
  for (const ProfileNames& names : kProfiles) {
    std::optional<FirewallProfileState> state = security.Firewall(names.profile);
    if (!state) {
      from_service = false;
      state = FromRegistry(registry, names);
    }
    v.facts[std::string(names.name) + "_enabled"] = state->enabled;
    if (!state->enabled) {
      off.push_back(names.name);
    } else if (!state->inbound_blocked) {
      open.push_back(names.name);
    }
  }
  v.facts["source"] = std::string(from_service ? "firewall service" : "registry");
  if (off.empty() && open.empty()) {
    v.status = Status::kPass;
    v.reason = "Windows Firewall is on and blocks inbound connections in every profile";
    return v;
  }
  v.status = Status::kFail;
  std::vector<std::string> parts;
  if (!off.empty()) parts.push_back("off for the " + Join(off, ", ") + " profile");
  if (!open.empty())
    parts.push_back("set to allow inbound connections in the " + Join(open, ", ") + " profile");
  v.reason = "Windows Firewall is " + Join(parts, " and ");
  return v;
}

Verdict SecureBoot(const RegistryView& registry) {
  Verdict v;
  const std::string key = "SYSTEM\\CurrentControlSet\\Control\\SecureBoot\\State";
  if (!registry.KeyExists(Hive::kLocalMachine, key)) {
    v.status = Status::kNotApplicable;
    v.reason = "legacy BIOS boot: Secure Boot does not apply";
    v.facts["uefi"] = false;
    return v;
  }
  v.facts["uefi"] = true;
  const bool enabled =
      registry.Dword(Hive::kLocalMachine, key, "UEFISecureBootEnabled").value_or(0) == 1;
  v.facts["secure_boot"] = enabled;
  v.status = enabled ? Status::kPass : Status::kFail;
  v.reason = enabled ? "Secure Boot is enabled" : "Secure Boot is disabled in the firmware";
  return v;
}

Verdict DiskEncryption(const SecurityView& security) {
  Verdict v;
  const auto volumes = security.BitLockerVolumes();
  if (!volumes) {
    v.status = Status::kError;
    v.reason = "cannot query BitLocker (root\\CIMV2\\Security\\MicrosoftVolumeEncryption)";
    return v;
  }
  for (const BitLockerVolume& volume : *volumes) {
    if (!volume.os_volume) continue;
    v.facts["drive"] = volume.drive;
    v.facts["protection_status"] = static_cast<int64_t>(volume.protection_status);
    if (volume.protection_status == 1) {
      v.status = Status::kPass;
      v.reason = "BitLocker protects the system drive " + volume.drive;
    } else if (volume.protection_status == 0) {
      v.status = Status::kFail;
      v.reason =
          "BitLocker does not protect the system drive " + volume.drive + " (off or suspended)";
    } else {
      v.status = Status::kError;
      v.reason = "BitLocker state of " + volume.drive + " is unknown (the volume is locked)";
    }
    return v;
  }
  v.status = Status::kFail;
  v.reason = "no operating-system volume is known to BitLocker";
  return v;
}

Verdict Antivirus(const SecurityView& security) {
  Verdict v;
  const auto products = security.AntivirusProducts();
  if (!products) {
    v.status = Status::kError;
    v.reason = "cannot ask Windows Security Center (root\\SecurityCenter2)";
    return v;
  }
  std::vector<std::string> stale, off;
  for (const AntivirusProduct& product : *products) {
    const bool realtime = ((product.product_state >> 8) & 0x10) != 0;
    const bool current = (product.product_state & 0x10) == 0;
    if (realtime && current) {
      v.status = Status::kPass;
      v.facts["engine"] = product.name;
      v.reason = product.name + " is on with current signatures";
      return v;
    }
    (realtime ? stale : off).push_back(product.name);
  }
  v.status = Status::kFail;
  if (!stale.empty()) {
    v.reason = Join(stale, ", ") + " is on but its signatures are out of date";
  } else if (!off.empty()) {
    v.reason = "real-time protection is off (" + Join(off, ", ") + ")";
  } else {
    v.reason = "no antivirus is registered with Windows Security Center";
  }
  return v;
}

Verdict LocalAdmins(const SecurityView& security, const std::vector<std::string>& allowed) {
  Verdict v;
  const auto members = security.LocalAdministrators();
  if (!members) {
    v.status = Status::kError;
    v.reason = "cannot list the members of the Administrators group (S-1-5-32-544)";
    return v;
  }
  auto lower = AsciiLower;
  auto account = AccountPart;
  int64_t counted = 0, unexpected = 0;
  std::vector<std::string> allowed_found;
  for (const std::string& member : *members) {
    const std::string name = account(member);
    // Always members by design; what matters is who else is.
    if (name == "administrator" || name == "domain admins") continue;
    ++counted;
    bool is_allowed = false;
    for (const std::string& entry : allowed) {
      is_allowed = is_allowed || lower(entry) == lower(member) || account(entry) == name;
    }
    if (is_allowed) {
      allowed_found.push_back(member);
    } else {
      ++unexpected;
    }
  }
  v.facts["admin_count"] = counted;
  v.facts["unexpected_count"] = unexpected;
  const std::string accounts = std::to_string(counted) + (counted == 1 ? " account" : " accounts");
  if (unexpected == 0) {
    v.status = Status::kPass;
    v.reason = counted == 0 ? "no account besides the built-in Administrator is an administrator"
                            : accounts + " can administer this computer, all of them allowed";
  } else {
    v.status = Status::kFail;
    v.reason = accounts + " can administer this computer; " + std::to_string(unexpected) +
               (unexpected == 1 ? " is" : " are") + " not in allowed_admins";
  }
  return v;
}

Verdict AutoLogin(const RegistryView& registry, const std::vector<std::string>& accounts) {
  Verdict v;
  constexpr const char* kWinlogon = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";
  const auto value = registry.String(Hive::kLocalMachine, kWinlogon, "AutoAdminLogon");
  bool on = value && *value == "1";
  if (on && !accounts.empty()) {
    // Only a logon into one of `accounts` counts; whose it is otherwise is not reported.
    const std::string user =
        AsciiLower(registry.String(Hive::kLocalMachine, kWinlogon, "DefaultUserName").value_or(""));
    on = false;
    for (const std::string& account : accounts) on = on || AsciiLower(account) == user;
  }
  v.facts["autologin"] = on;
  v.status = on ? Status::kFail : Status::kPass;
  v.reason =
      on ? "automatic logon is enabled (Winlogon AutoAdminLogon)"
         : (accounts.empty() ? "no automatic logon" : "no automatic logon into the work account");
  return v;
}

Verdict ScreenLock(const RegistryView& registry, int64_t max_idle_minutes,
                   const std::vector<std::string>& sids) {
  Verdict v;
  const int64_t limit = max_idle_minutes * 60;
  const auto machine = registry.Dword(
      Hive::kLocalMachine, "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
      "InactivityTimeoutSecs");
  if (machine && *machine > 0 && *machine <= limit) {
    v.status = Status::kPass;
    v.reason = "the machine locks every session after " + std::to_string(*machine) +
               " seconds of inactivity";
    v.facts["machine_timeout_seconds"] = static_cast<int64_t>(*machine);
    return v;
  }
  int64_t checked = 0, failing = 0;
  for (const std::string& sid : registry.SubKeys(Hive::kUsers, "")) {
    // Interactive accounts: S-1-5-21-... (local and domain users), not their _Classes keys.
    if (sid.rfind("S-1-5-21-", 0) != 0 || sid.find("_Classes") != std::string::npos) continue;
    if (!sids.empty() && std::find(sids.begin(), sids.end(), sid) == sids.end()) continue;
    ++checked;
    auto setting = [&](const char* value) {
      const std::string policy =
          sid + "\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop";
      if (auto s = registry.String(Hive::kUsers, policy, value)) return s;
      return registry.String(Hive::kUsers, sid + "\\Control Panel\\Desktop", value);
    };
    const bool active = setting("ScreenSaveActive").value_or("0") == "1";
    const bool secure = setting("ScreenSaverIsSecure").value_or("0") == "1";
    const std::optional<int64_t> timeout = ToInt(setting("ScreenSaveTimeOut"));
    if (!active || !secure || !timeout || *timeout <= 0 || *timeout > limit) ++failing;
  }
  v.facts["users_checked"] = checked;
  v.facts["users_failing"] = failing;
  if (checked == 0) {
    v.status = Status::kNotApplicable;
    v.reason = "no user profile is loaded";
  } else if (failing == 0) {
    v.status = Status::kPass;
    v.reason =
        "every account's screen locks within " + std::to_string(max_idle_minutes) + " minutes";
  } else {
    v.status = Status::kFail;
    v.reason = std::to_string(failing) + " of " + std::to_string(checked) +
               " accounts do not lock within " + std::to_string(max_idle_minutes) + " minutes";
  }
  return v;
}

}  // namespace candor::collectors::windows
