#include "collectors/posture/auto_login.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

bool GdmLogsIn(const HostView& host) {
  for (const char* path : {"/etc/gdm3/custom.conf", "/etc/gdm/custom.conf"}) {
    const IniFile ini = ReadLayered(host, {path});
    if (IniTrue(Get(ini, "daemon", "AutomaticLoginEnable")) ||
        IniTrue(Get(ini, "daemon", "TimedLoginEnable"))) {
      return true;
    }
  }
  return false;
}

bool LightDmLogsIn(const HostView& host) {
  const IniFile ini =
      ReadLayered(host, {"/usr/share/lightdm/lightdm.conf.d/", "/etc/lightdm/lightdm.conf.d/",
                         "/etc/lightdm/lightdm.conf"});
  for (const auto& [section, keys] : ini) {
    if (section != "SeatDefaults" && !absl::StartsWith(section, "Seat:")) continue;
    auto user = keys.find("autologin-user");
    if (user != keys.end() && !user->second.empty()) return true;
  }
  return false;
}

bool SddmLogsIn(const HostView& host) {
  const IniFile ini =
      ReadLayered(host, {"/usr/lib/sddm/sddm.conf.d/", "/etc/sddm.conf.d/", "/etc/sddm.conf"});
  return !Get(ini, "Autologin", "User").empty();
}

}  // namespace

const config::CollectorSpec& AutoLogin::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "auto_login",
      .description = "Whether the login screen lets anyone in without a password.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"login screen settings"},
      .params = {},
  };
  return kSpec;
}

CheckResult AutoLogin::Collect(const HostView& host, const config::Params&) const {
  std::vector<std::string> logging_in;
  if (GdmLogsIn(host)) logging_in.push_back("GDM");
  if (LightDmLogsIn(host)) logging_in.push_back("LightDM");
  if (SddmLogsIn(host)) logging_in.push_back("SDDM");
  CheckResult result;
  result.facts["autologin"] = !logging_in.empty();
  result.facts["display_managers"] = logging_in;
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
