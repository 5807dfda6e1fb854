#include "collectors/windows/separation_logic.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace candor::collectors::windows {
namespace {

using Status = Verdict::Status;

constexpr const char* kProfileList = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList";
constexpr const char* kUninstall = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
constexpr const char* kUninstall32 =
    "SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
constexpr const char* kUserUninstall = "\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
constexpr size_t kMaxPhonebookBytes = 1 << 20;

// Well-known SIDs allowed to read a profile: the system and the administrators (whom the
// not_admin checks judge), and CREATOR OWNER (the owner of each file inside).
const std::set<std::string> kTrusted = {"S-1-5-18", "S-1-5-32-544", "S-1-3-0"};
// Well-known groups that are nobody's personal data, named when they can read a profile.
const std::map<std::string, std::string> kBroadGroups = {
    {"S-1-1-0", "Everyone"},        {"S-1-5-11", "Authenticated Users"},
    {"S-1-5-32-545", "Users"},      {"S-1-5-4", "Interactive"},
    {"S-1-5-32-546", "Guests"},     {"S-1-5-32-547", "Power Users"},
    {"S-1-5-7", "Anonymous Logon"}, {"S-1-5-32-555", "Remote Desktop Users"}};

std::string Join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

bool Names(const std::string& wanted, const LocalUser& user) {
  return AsciiLower(wanted) == AsciiLower(user.name) || wanted == user.sid;
}

bool IsWork(const Household& household, const std::string& name) {
  return std::any_of(household.work.begin(), household.work.end(),
                     [&](const LocalUser& u) { return AsciiLower(u.name) == name; });
}

// The verdict when the check cannot judge (ERROR), or FAIL when `need_work` and no named
// work account exists; nullopt when it can go on.
std::optional<Verdict> Unusable(const Household& household,
                                const std::vector<std::string>& work_accounts, bool need_work) {
  Verdict v;
  v.status = Status::kError;
  if (work_accounts.empty()) {
    v.reason = "the policy names no work account (params.work_accounts)";
    return v;
  }
  if (!household.readable) {
    v.reason = "cannot list the local accounts";
    return v;
  }
  if (need_work && household.work.empty()) {
    v.status = Status::kFail;
    v.reason = "the work account does not exist on this device";
    return v;
  }
  return std::nullopt;
}

Verdict CannotListAdministrators() {
  Verdict v;
  v.status = Status::kError;
  v.reason = "cannot list the members of the Administrators group (S-1-5-32-544)";
  return v;
}

std::optional<std::string> ProfilePath(const RegistryView& registry, const LocalUser& user) {
  return registry.String(Hive::kLocalMachine, std::string(kProfileList) + "\\" + user.sid,
                         "ProfileImagePath");
}

// "rustdesk" starts "RustDesk 1.3.2" but not "RustDesktop": case ignored, followed by
// anything but a letter or digit.
bool StartsAsWord(const std::string& text, const std::string& prefix) {
  const std::string a = AsciiLower(text);
  const std::string b = AsciiLower(prefix);
  if (b.empty() || a.compare(0, b.size(), b) != 0) return false;
  if (a.size() == b.size()) return true;
  const char next = a[b.size()];
  return !((next >= 'a' && next <= 'z') || (next >= '0' && next <= '9'));
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         AsciiLower(text.substr(text.size() - suffix.size())) == AsciiLower(suffix);
}

// Windows' VPN type from a phonebook entry's VpnStrategy.
std::string VpnStrategyName(const std::string& strategy) {
  if (strategy == "1" || strategy == "2") return "pptp";
  if (strategy == "3" || strategy == "4") return "l2tp";
  if (strategy == "5" || strategy == "6") return "sstp";
  if (strategy == "7" || strategy == "8") return "ikev2";
  return "windows-automatic";
}

// The VPN entries of a rasphone.pbk: sections with Type=2, by their VpnStrategy.
std::vector<std::string> PhonebookVpns(const std::string& text) {
  std::vector<std::string> types;
  bool in_entry = false, vpn = false;
  std::string strategy;
  auto finish = [&] {
    if (in_entry && vpn) types.push_back(VpnStrategyName(strategy));
    vpn = false;
    strategy.clear();
  };
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (line.front() == '[' && line.back() == ']') {
      finish();
      in_entry = true;
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "Type") vpn = value == "2";
    if (key == "VpnStrategy") strategy = value;
  }
  finish();
  return types;
}

}  // namespace

Household ReadHousehold(const AccountsView& accounts,
                        const std::vector<std::string>& work_accounts) {
  Household household;
  const auto users = accounts.LocalUsers();
  if (!users) {
    household.readable = false;
    return household;
  }
  for (const std::string& wanted : work_accounts) {
    if (std::none_of(users->begin(), users->end(),
                     [&](const LocalUser& u) { return Names(wanted, u); })) {
      household.missing.push_back(wanted);
    }
  }
  for (const LocalUser& user : *users) {
    if (std::any_of(work_accounts.begin(), work_accounts.end(),
                    [&](const std::string& wanted) { return Names(wanted, user); })) {
      household.work.push_back(user);
    } else if (!user.disabled && !user.built_in) {
      household.personal.push_back(user);
    }
  }
  return household;
}

std::vector<std::string> WorkSids(const AccountsView& accounts,
                                  const std::vector<std::string>& work_accounts) {
  std::vector<std::string> sids;
  for (const LocalUser& user : ReadHousehold(accounts, work_accounts).work) {
    sids.push_back(user.sid);
  }
  return sids;
}

Verdict WorkAccount(const AccountsView& accounts, const std::vector<std::string>& work_accounts) {
  const Household household = ReadHousehold(accounts, work_accounts);
  if (auto unusable = Unusable(household, work_accounts, false)) return *unusable;
  Verdict v;
  std::vector<std::string> found, abnormal;
  for (const LocalUser& user : household.work) {
    found.push_back(user.name);
    if (user.disabled || user.built_in) abnormal.push_back(user.name);
  }
  v.facts["work_accounts_found"] = Join(found, ",");
  v.facts["missing"] = static_cast<int64_t>(household.missing.size());
  v.facts["not_normal"] = static_cast<int64_t>(abnormal.size());
  v.facts["personal_accounts"] = static_cast<int64_t>(household.personal.size());
  if (!household.missing.empty()) {
    v.status = Status::kFail;
    v.reason = "no work account " + Join(household.missing, ", ") + " on this device";
  } else if (!abnormal.empty()) {
    v.status = Status::kFail;
    v.reason = Join(abnormal, ", ") +
               " is not a normal user account (disabled, or one Windows "
               "created itself)";
  } else {
    v.status = Status::kPass;
    v.reason = "work account " + Join(found, ", ") + " is a normal account; " +
               std::to_string(household.personal.size()) + " other account(s)";
  }
  return v;
}

Verdict WorkAccountNotAdmin(const AccountsView& accounts, const SecurityView& security,
                            const std::vector<std::string>& work_accounts) {
  const Household household = ReadHousehold(accounts, work_accounts);
  if (auto unusable = Unusable(household, work_accounts, true)) return *unusable;
  const auto members = security.LocalAdministrators();
  if (!members) return CannotListAdministrators();
  Verdict v;
  std::vector<std::string> admins;
  for (const std::string& member : *members) {
    if (IsWork(household, AccountPart(member))) admins.push_back(AccountPart(member));
  }
  v.facts["work_admins"] = Join(admins, ",");
  v.status = admins.empty() ? Status::kPass : Status::kFail;
  v.reason = admins.empty() ? "the work account is not an administrator"
                            : Join(admins, ", ") + " is a member of Administrators";
  return v;
}

Verdict PersonalAccountsNotAdmin(const AccountsView& accounts, const SecurityView& security,
                                 const std::vector<std::string>& work_accounts,
                                 const Pseudonymizer& pseudonym) {
  const Household household = ReadHousehold(accounts, work_accounts);
  if (auto unusable = Unusable(household, work_accounts, false)) return *unusable;
  const auto members = security.LocalAdministrators();
  if (!members) return CannotListAdministrators();
  Verdict v;
  const auto users = accounts.LocalUsers();
  int64_t personal = 0, other = 0;
  std::vector<std::string> pseudonyms;
  for (const std::string& member : *members) {
    const std::string name = AccountPart(member);
    if (IsWork(household, name) || name == "domain admins") continue;
    // The built-in Administrator (RID 500), whatever it has been renamed to.
    const bool built_in =
        users && std::any_of(users->begin(), users->end(), [&](const LocalUser& u) {
          return u.built_in && AsciiLower(u.name) == name;
        });
    if (built_in) continue;
    const bool is_personal =
        std::any_of(household.personal.begin(), household.personal.end(),
                    [&](const LocalUser& u) { return AsciiLower(u.name) == name; });
    (is_personal ? personal : other) += 1;
    pseudonyms.push_back(pseudonym(AsciiLower(member)));
  }
  v.facts["personal_admins"] = personal;
  v.facts["other_admins"] = other;
  v.facts["admin_pseudonyms"] = Join(pseudonyms, ",");
  if (personal + other == 0) {
    v.status = Status::kPass;
    v.reason =
        "no account besides the work account and the built-in Administrator is an "
        "administrator";
  } else {
    v.status = Status::kFail;
    v.reason = std::to_string(personal) + " personal and " + std::to_string(other) +
               " other account(s) or group(s) are administrators, and so can read the work "
               "profile";
  }
  return v;
}

Verdict WorkHomePrivate(const RegistryView& registry, const AccountsView& accounts,
                        const std::vector<std::string>& work_accounts) {
  const Household household = ReadHousehold(accounts, work_accounts);
  if (auto unusable = Unusable(household, work_accounts, true)) return *unusable;
  Verdict v;
  int64_t checked = 0, exposed = 0, other_readers = 0;
  std::set<std::string> broad;
  std::vector<std::string> problems, not_signed_in;
  for (const LocalUser& user : household.work) {
    const auto path = ProfilePath(registry, user);
    if (!path) {
      not_signed_in.push_back(user.name);
      continue;
    }
    const auto entries = accounts.DirectoryAccess(*path);
    if (!entries) {
      problems.push_back("cannot read the access list of " + *path);
      continue;
    }
    ++checked;
    bool open = false;
    for (const AccessEntry& e : *entries) {
      if (!e.allow || !e.grants_read || e.sid == user.sid || kTrusted.count(e.sid) != 0) continue;
      open = true;
      if (auto group = kBroadGroups.find(e.sid); group != kBroadGroups.end()) {
        broad.insert(group->second);
      } else {
        ++other_readers;
      }
    }
    if (open) ++exposed;
  }
  v.facts["homes_checked"] = checked;
  v.facts["homes_exposed"] = exposed;
  v.facts["readable_by_groups"] = Join({broad.begin(), broad.end()}, ",");
  v.facts["other_readers"] = other_readers;
  if (exposed > 0) {
    v.status = Status::kFail;
    std::vector<std::string> who(broad.begin(), broad.end());
    if (other_readers > 0)
      who.push_back(std::to_string(other_readers) + " other account(s) or group(s)");
    v.reason = "the work profile can be read by " + Join(who, ", ");
  } else if (!problems.empty()) {
    v.status = Status::kError;
    v.reason = Join(problems, "; ");
  } else if (checked == 0) {
    v.status = Status::kNotApplicable;
    v.reason = Join(not_signed_in, ", ") + " has not signed in yet, so has no profile folder";
  } else {
    v.status = Status::kPass;
    v.reason = "only the work account, SYSTEM and Administrators can read the work profile";
  }
  return v;
}

Verdict WorkHomeEncrypted(const RegistryView& registry, const SecurityView& security,
                          const AccountsView& accounts,
                          const std::vector<std::string>& work_accounts) {
  const Household household = ReadHousehold(accounts, work_accounts);
  if (auto unusable = Unusable(household, work_accounts, true)) return *unusable;
  Verdict v;
  const auto volumes = security.BitLockerVolumes();
  if (!volumes) {
    v.status = Status::kError;
    v.reason = "cannot ask BitLocker (WMI Win32_EncryptableVolume)";
    return v;
  }
  std::vector<std::string> encrypted, unencrypted, unknown;
  for (const LocalUser& user : household.work) {
    const auto path = ProfilePath(registry, user);
    if (!path || path->size() < 2 || (*path)[1] != ':') {
      unknown.push_back(user.name);
      continue;
    }
    const std::string drive = AsciiLower(path->substr(0, 2));
    const auto volume =
        std::find_if(volumes->begin(), volumes->end(),
                     [&](const BitLockerVolume& b) { return AsciiLower(b.drive) == drive; });
    (volume != volumes->end() && volume->protection_status == 1 ? encrypted : unencrypted)
        .push_back(path->substr(0, 2));
  }
  v.facts["encrypted"] = static_cast<int64_t>(encrypted.size());
  v.facts["unencrypted"] = static_cast<int64_t>(unencrypted.size());
  if (!unencrypted.empty()) {
    v.status = Status::kFail;
    v.reason =
        "the work profile's volume " + Join(unencrypted, ", ") + " is not protected by BitLocker";
  } else if (!unknown.empty()) {
    v.status = Status::kError;
    v.reason = "no local profile folder for " + Join(unknown, ", ") +
               " (not signed in yet, or a network profile)";
  } else {
    v.status = Status::kPass;
    v.reason = "the work profile's volume " + Join(encrypted, ", ") + " is BitLocker-protected";
  }
  return v;
}

Verdict NoPersonalSoftware(const RegistryView& registry, const AccountsView& accounts,
                           const std::vector<config::SoftwareEntry>& entries,
                           const std::vector<std::string>& work_accounts) {
  const Household household = ReadHousehold(accounts, work_accounts);
  if (auto unusable = Unusable(household, work_accounts, true)) return *unusable;
  std::map<std::string, std::set<std::string>> found;  // id -> where
  auto programs = [&](Hive hive, const std::string& key, const std::string& where) {
    for (const std::string& sub : registry.SubKeys(hive, key)) {
      const auto name = registry.String(hive, key + "\\" + sub, "DisplayName");
      if (!name) continue;
      for (const config::SoftwareEntry& e : entries) {
        for (const std::string& prefix : e.windows_programs) {
          if (StartsAsWord(*name, prefix)) found[e.id].insert(where);
        }
      }
    }
  };
  programs(Hive::kLocalMachine, kUninstall, "program");
  programs(Hive::kLocalMachine, kUninstall32, "program");
  bool hives_loaded = true, processes_listed = true;
  for (const LocalUser& user : household.work) {
    // A user's own installs are in their hive, which is loaded while they are signed in.
    if (registry.KeyExists(Hive::kUsers, user.sid)) {
      programs(Hive::kUsers, user.sid + kUserUninstall, "work account program");
    } else {
      hives_loaded = false;
    }
    const auto running = accounts.ProcessesOf(user.sid);
    if (!running) {
      processes_listed = false;
      continue;
    }
    for (const std::string& exe : *running) {
      for (const config::SoftwareEntry& e : entries) {
        for (const std::string& name : e.windows_processes) {
          if (AsciiLower(exe) == AsciiLower(name)) found[e.id].insert("running");
        }
      }
    }
  }
  std::vector<std::string> ids, system, work, running, described;
  for (const auto& [id, where] : found) {
    ids.push_back(id);
    described.push_back(id + " (" + Join({where.begin(), where.end()}, ", ") + ")");
    if (where.count("program")) system.push_back(id);
    if (where.count("work account program")) work.push_back(id);
    if (where.count("running")) running.push_back(id);
  }
  Verdict v;
  v.facts["found"] = Join(ids, ",");
  v.facts["system_wide"] = Join(system, ",");
  v.facts["in_work_account"] = Join(work, ",");
  v.facts["running"] = Join(running, ",");
  v.facts["entries_checked"] = static_cast<int64_t>(entries.size());
  v.facts["work_profile_loaded"] = hives_loaded;
  if (!ids.empty()) {
    v.status = Status::kFail;
    v.reason = "personal software found: " + Join(described, "; ");
  } else if (!processes_listed) {
    v.status = Status::kError;
    v.reason = "could not look everywhere (the processes cannot be listed)";
  } else {
    v.status = Status::kPass;
    v.reason = "none of " + std::to_string(entries.size()) +
               " personal-software entries is installed or running as the work account";
    if (!hives_loaded) {
      v.reason += " (its own installs are seen only while it is signed in)";
    }
  }
  return v;
}

Verdict VpnConfigured(const RegistryView& registry, const AccountsView& accounts,
                      const std::vector<std::string>& work_accounts) {
  // The work account's own connections count too; no other account's are looked at.
  const Household household = ReadHousehold(accounts, work_accounts);
  std::vector<std::string> profiles;
  for (const LocalUser& user : household.work) {
    if (auto path = ProfilePath(registry, user)) profiles.push_back(*path);
  }
  std::vector<std::string> types;
  auto phonebook = [&](const std::string& path) {
    if (auto text = accounts.ReadTextFile(path, kMaxPhonebookBytes)) {
      for (std::string& t : PhonebookVpns(*text)) types.push_back(std::move(t));
    }
  };
  const std::string program_data =
      registry.String(Hive::kLocalMachine, kProfileList, "ProgramData").value_or("C:\\ProgramData");
  phonebook(program_data + "\\Microsoft\\Network\\Connections\\Pbk\\rasphone.pbk");
  for (const std::string& profile : profiles) {
    phonebook(profile + "\\AppData\\Roaming\\Microsoft\\Network\\Connections\\Pbk\\rasphone.pbk");
  }
  // WireGuard for Windows: a service per installed tunnel, or its stored configurations.
  int64_t wireguard = 0;
  for (const std::string& service :
       registry.SubKeys(Hive::kLocalMachine, "SYSTEM\\CurrentControlSet\\Services")) {
    if (service.rfind("WireGuardTunnel$", 0) == 0) ++wireguard;
  }
  if (wireguard == 0) {
    const std::string program_files =
        registry
            .String(Hive::kLocalMachine, "SOFTWARE\\Microsoft\\Windows\\CurrentVersion",
                    "ProgramFilesDir")
            .value_or("C:\\Program Files");
    if (auto names = accounts.ListDirectory(program_files + "\\WireGuard\\Data\\Configurations")) {
      for (const std::string& name : *names) wireguard += EndsWith(name, ".conf.dpapi") ? 1 : 0;
    }
  }
  for (int64_t i = 0; i < wireguard; ++i) types.push_back("wireguard");
  // OpenVPN: the machine's config_dir and the OpenVPN GUI's folder in the work profile, with
  // one level of subfolders as the GUI reads them.
  std::vector<std::string> openvpn_dirs;
  if (auto dir = registry.String(Hive::kLocalMachine, "SOFTWARE\\OpenVPN", "config_dir")) {
    openvpn_dirs.push_back(*dir);
  }
  for (const std::string& profile : profiles) openvpn_dirs.push_back(profile + "\\OpenVPN\\config");
  for (const std::string& dir : openvpn_dirs) {
    const auto names = accounts.ListDirectory(dir);
    if (!names) continue;
    for (const std::string& name : *names) {
      if (EndsWith(name, ".ovpn")) {
        types.push_back("openvpn");
      } else if (name.find('.') == std::string::npos) {
        for (const std::string& inner :
             accounts.ListDirectory(dir + "\\" + name).value_or(std::vector<std::string>{})) {
          if (EndsWith(inner, ".ovpn")) types.push_back("openvpn");
        }
      }
    }
  }
  const std::set<std::string> kinds(types.begin(), types.end());
  Verdict v;
  v.facts["vpn_types"] = Join({kinds.begin(), kinds.end()}, ",");
  v.facts["connections"] = static_cast<int64_t>(types.size());
  if (types.empty()) {
    v.status = Status::kFail;
    v.reason = "no VPN connection is configured (Windows VPN, WireGuard or OpenVPN)";
  } else {
    v.status = Status::kPass;
    v.reason = std::to_string(types.size()) +
               " VPN connection(s) configured: " + Join({kinds.begin(), kinds.end()}, ", ");
  }
  return v;
}

}  // namespace candor::collectors::windows
