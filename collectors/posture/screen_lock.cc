#include "collectors/posture/screen_lock.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "collectors/accounts.h"
#include "collectors/gvdb.h"
#include "collectors/ini.h"

namespace candor::collectors::posture {
namespace {

constexpr const char* kLockEnabled = "/org/gnome/desktop/screensaver/lock-enabled";
constexpr const char* kLockDelay = "/org/gnome/desktop/screensaver/lock-delay";
constexpr const char* kIdleDelay = "/org/gnome/desktop/session/idle-delay";

// How long until the screen locks, or why it never does.
struct Outcome {
  std::optional<int64_t> seconds;  // nullopt: it never locks
  std::string why_not;
};

using Settings = std::map<std::string, GvdbValue>;

Settings ReadDb(const HostView& host, const std::string& path) {
  absl::StatusOr<std::string> data = host.ReadFile(path, 16 << 20);
  if (!data.ok()) return {};
  absl::StatusOr<Settings> settings = ReadGvdb(*data);
  return settings.ok() ? *settings : Settings{};
}

// The system-wide side of GNOME's settings: the dconf profile's system databases and the
// keys their administrators locked.
struct GnomeSystem {
  std::vector<Settings> databases;
  std::set<std::string> locked;
};

GnomeSystem ReadGnomeSystem(const HostView& host) {
  GnomeSystem system;
  absl::StatusOr<std::string> profile = host.ReadFile("/etc/dconf/profile/user", 64 * 1024);
  if (!profile.ok()) return system;
  for (absl::string_view line : absl::StrSplit(*profile, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "system-db:")) continue;
    const std::string name(line);
    if (name.empty() || name.find('/') != std::string::npos) continue;
    system.databases.push_back(ReadDb(host, "/etc/dconf/db/" + name));
    const std::string locks = "/etc/dconf/db/" + name + ".d/locks";
    if (auto files = host.ListDir(locks); files.ok()) {
      for (const std::string& file : *files) {
        auto text = host.ReadFile(locks + "/" + file, 64 * 1024);
        if (!text.ok()) continue;
        for (absl::string_view key : absl::StrSplit(*text, '\n')) {
          key = absl::StripAsciiWhitespace(key);
          if (absl::StartsWith(key, "/")) system.locked.insert(std::string(key));
        }
      }
    }
  }
  return system;
}

GvdbValue Resolve(const std::string& key, const Settings& user, const GnomeSystem& system,
                  GvdbValue fallback) {
  const bool locked = system.locked.count(key) != 0;
  if (!locked) {
    if (auto it = user.find(key); it != user.end()) return it->second;
  }
  for (const Settings& db : system.databases) {
    if (auto it = db.find(key); it != db.end()) return it->second;
  }
  return fallback;
}

Outcome Gnome(const HostView& host, const GnomeSystem& system, const Account& account) {
  const Settings user = ReadDb(host, account.home + "/.config/dconf/user");
  const GvdbValue enabled = Resolve(kLockEnabled, user, system, true);
  const GvdbValue idle = Resolve(kIdleDelay, user, system, int64_t{300});
  const GvdbValue delay = Resolve(kLockDelay, user, system, int64_t{0});
  if (!std::holds_alternative<bool>(enabled) || !std::get<bool>(enabled)) {
    return {std::nullopt, "locking is off (GNOME)"};
  }
  const int64_t idle_s = std::holds_alternative<int64_t>(idle) ? std::get<int64_t>(idle) : 300;
  if (idle_s == 0) return {std::nullopt, "the screen never blanks (GNOME idle-delay 0)"};
  const int64_t delay_s = std::holds_alternative<int64_t>(delay) ? std::get<int64_t>(delay) : 0;
  return {idle_s + delay_s, ""};
}

Outcome Kde(const HostView& host, const Account& account) {
  IniFile ini;
  for (const std::string& path :
       {std::string("/etc/xdg/kscreenlockerrc"), account.home + "/.config/kscreenlockerrc"}) {
    if (auto text = host.ReadFile(path, 64 * 1024); text.ok()) MergeIni(ini, ParseIni(*text));
  }
  const auto& daemon = ini["Daemon"];
  auto value = [&](const char* key) -> std::string {
    auto it = daemon.find(key);
    return it == daemon.end() ? "" : it->second;
  };
  if (!value("Autolock").empty() && !IniTrue(value("Autolock"))) {
    return {std::nullopt, "locking is off (KDE)"};
  }
  int64_t minutes = 5, grace = 5;
  (void)absl::SimpleAtoi(value("Timeout"), &minutes);
  (void)absl::SimpleAtoi(value("LockGrace"), &grace);
  if (minutes <= 0) return {std::nullopt, "the screen never locks (KDE Timeout 0)"};
  return {minutes * 60 + grace, ""};
}

bool Interactive(const HostView& host, const Account& a) {
  return a.uid >= 1000 && a.uid < 65534 && !absl::EndsWith(a.shell, "nologin") &&
         !absl::EndsWith(a.shell, "/false") && !a.home.empty() && host.Exists(a.home);
}

}  // namespace

const config::CollectorSpec& ScreenLock::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "screen_lock",
      .description = "Whether each account's screen locks after a short time of inactivity.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"screen lock settings", "number of user accounts"},
      .params = {{.name = "max_idle_minutes",
                  .type = config::ParamType::kInteger,
                  .description = "Longest allowed time from the last input to the lock.",
                  .default_value = int64_t{15},
                  .min = 1,
                  .max = 240},
                 {.name = "accounts",
                  .type = config::ParamType::kStringList,
                  .description = "Only these accounts (names or UIDs), e.g. the work account "
                                 "on a shared PC; empty: every interactive account.",
                  .default_value = std::vector<std::string>{},
                  .min = 0,
                  .max = 16}},
  };
  return kSpec;
}

CheckResult ScreenLock::Collect(const HostView& host, const config::Params& params) const {
  CheckResult result;
  const bool gnome = host.Exists("/usr/bin/gnome-shell");
  const bool kde = host.Exists("/usr/bin/plasmashell");
  std::vector<std::string> desktops;
  if (gnome) desktops.push_back("GNOME");
  if (kde) desktops.push_back("KDE");
  result.facts["desktops"] = desktops;
  if (desktops.empty()) {
    result.status = CheckStatus::kNotApplicable;
    result.reason = "no desktop with a screen locker (GNOME, KDE) is installed";
    return result;
  }
  const int64_t limit = std::get<int64_t>(params.at("max_idle_minutes")) * 60;
  const GnomeSystem system = gnome ? ReadGnomeSystem(host) : GnomeSystem{};
  int64_t checked = 0;
  std::map<std::string, int64_t> failures;  // reason -> accounts
  std::vector<std::string> only;
  if (auto it = params.find("accounts"); it != params.end()) {
    only = std::get<std::vector<std::string>>(it->second);
  }
  for (const Account& account : ReadAccounts(host)) {
    if (!Interactive(host, account)) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), account.name) == only.end() &&
        std::find(only.begin(), only.end(), std::to_string(account.uid)) == only.end()) {
      continue;
    }
    ++checked;
    std::vector<Outcome> outcomes;
    if (gnome) outcomes.push_back(Gnome(host, system, account));
    if (kde) outcomes.push_back(Kde(host, account));
    for (const Outcome& outcome : outcomes) {
      if (!outcome.seconds) {
        ++failures[outcome.why_not];
        break;
      }
      if (*outcome.seconds > limit) {
        ++failures[absl::StrCat("locks after more than ", limit / 60, " minutes")];
        break;
      }
    }
  }
  int64_t failing = 0;
  std::vector<std::string> parts;
  for (const auto& [why, count] : failures) {
    failing += count;
    parts.push_back(absl::StrCat(count, ": ", why));
  }
  result.facts["users_checked"] = checked;
  result.facts["users_failing"] = failing;
  if (checked == 0) {
    result.status = CheckStatus::kNotApplicable;
    result.reason = "no interactive user accounts";
  } else if (failing == 0) {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat(
        checked == 1 ? "the 1 account locks" : absl::StrCat("all ", checked, " accounts lock"),
        " within ", limit / 60, " minutes of inactivity");
  } else {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat(failing, " of ", checked, " accounts do not lock within ",
                                 limit / 60, " minutes (", absl::StrJoin(parts, "; "), ")");
  }
  return result;
}

}  // namespace candor::collectors::posture
