#include "collectors/posture/auto_login.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collectors/accounts.h"
#include "collectors/ini.h"

namespace candor::collectors::posture {
namespace {

// Reads the files in order (later ones override); directories contribute their *.conf
// files in name order.
IniFile ReadLayered(const HostView& host, const std::vector<std::string>& paths) {
  IniFile merged;
  for (const std::string& path : paths) {
    if (absl::EndsWith(path, "/")) {
      absl::StatusOr<std::vector<std::string>> names = host.ListDir(path);
      if (!names.ok()) continue;
      for (const std::string& name : *names) {
        if (!absl::EndsWith(name, ".conf")) continue;
        if (auto text = host.ReadFile(path + name, 256 * 1024); text.ok()) {
          MergeIni(merged, ParseIni(*text));
        }
      }
    } else if (auto text = host.ReadFile(path, 256 * 1024); text.ok()) {
      MergeIni(merged, ParseIni(*text));
    }
  }
  return merged;
}

std::string Get(const IniFile& ini, const std::string& section, const std::string& key) {
  auto s = ini.find(section);
  if (s == ini.end()) return "";
  auto k = s->second.find(key);
  return k == s->second.end() ? "" : k->second;
}

// Each returns whether it logs someone in, and adds the account(s) to `users`.
bool GdmLogsIn(const HostView& host, std::vector<std::string>& users) {
  bool logs_in = false;
  for (const char* path : {"/etc/gdm3/custom.conf", "/etc/gdm/custom.conf"}) {
    const IniFile ini = ReadLayered(host, {path});
    if (IniTrue(Get(ini, "daemon", "AutomaticLoginEnable"))) {
      logs_in = true;
      users.push_back(Get(ini, "daemon", "AutomaticLogin"));
    }
    if (IniTrue(Get(ini, "daemon", "TimedLoginEnable"))) {
      logs_in = true;
      users.push_back(Get(ini, "daemon", "TimedLogin"));
    }
  }
  return logs_in;
}

bool LightDmLogsIn(const HostView& host, std::vector<std::string>& users) {
  const IniFile ini =
      ReadLayered(host, {"/usr/share/lightdm/lightdm.conf.d/", "/etc/lightdm/lightdm.conf.d/",
                         "/etc/lightdm/lightdm.conf"});
  bool logs_in = false;
  for (const auto& [section, keys] : ini) {
    if (section != "SeatDefaults" && !absl::StartsWith(section, "Seat:")) continue;
    auto user = keys.find("autologin-user");
    if (user != keys.end() && !user->second.empty()) {
      logs_in = true;
      users.push_back(user->second);
    }
  }
  return logs_in;
}

bool SddmLogsIn(const HostView& host, std::vector<std::string>& users) {
  const IniFile ini =
      ReadLayered(host, {"/usr/lib/sddm/sddm.conf.d/", "/etc/sddm.conf.d/", "/etc/sddm.conf"});
  const std::string user = Get(ini, "Autologin", "User");
  if (user.empty()) return false;
  users.push_back(user);
  return true;
}

// Whether `name` is one of `accounts` (names or UIDs, as the policy lists them).
bool Named(const HostView& host, const std::string& name,
           const std::vector<std::string>& accounts) {
  if (std::find(accounts.begin(), accounts.end(), name) != accounts.end()) return true;
  for (const Account& a : ReadAccounts(host)) {
    if (a.name == name &&
        std::find(accounts.begin(), accounts.end(), std::to_string(a.uid)) != accounts.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace

const config::CollectorSpec& AutoLogin::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "auto_login",
      .description = "Whether the login screen lets anyone in without a password.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"login screen settings"},
      .params = {{.name = "accounts",
                  .type = config::ParamType::kStringList,
                  .description = "Only fail when one of these accounts (names or UIDs) is "
                                 "logged in automatically, e.g. the work account on a shared "
                                 "PC; empty: any automatic login fails.",
                  .default_value = std::vector<std::string>{},
                  .min = 0,
                  .max = 16}},
  };
  return kSpec;
}

CheckResult AutoLogin::Collect(const HostView& host, const config::Params& params) const {
  std::vector<std::string> logging_in;
  std::vector<std::string> users;  // never reported: on a shared PC they are family members
  if (GdmLogsIn(host, users)) logging_in.push_back("GDM");
  if (LightDmLogsIn(host, users)) logging_in.push_back("LightDM");
  if (SddmLogsIn(host, users)) logging_in.push_back("SDDM");
  CheckResult result;
  result.facts["autologin"] = !logging_in.empty();
  result.facts["display_managers"] = logging_in;
  auto accounts = params.find("accounts");
  if (accounts != params.end() && !std::get<std::vector<std::string>>(accounts->second).empty()) {
    const auto& named = std::get<std::vector<std::string>>(accounts->second);
    const bool named_in = std::any_of(users.begin(), users.end(),
                                      [&](const std::string& u) { return Named(host, u, named); });
    result.facts["named_account_autologin"] = named_in;
    result.status = named_in ? CheckStatus::kFail : CheckStatus::kPass;
    result.reason =
        named_in ? absl::StrCat("the login screen logs ", absl::StrJoin(named, ", "),
                                " in without a password (", absl::StrJoin(logging_in, " and "), ")")
        : logging_in.empty()
            ? "no automatic login (checked GDM, LightDM and SDDM)"
            : absl::StrCat("automatic login is enabled in ", absl::StrJoin(logging_in, " and "),
                           ", but not into the named account(s)");
    return result;
  }
  if (logging_in.empty()) {
    result.status = CheckStatus::kPass;
    result.reason = "no automatic login (checked GDM, LightDM and SDDM)";
  } else {
    result.status = CheckStatus::kFail;
    result.reason =
        absl::StrCat("automatic login is enabled in ", absl::StrJoin(logging_in, " and "));
  }
  return result;
}

}  // namespace candor::collectors::posture
