#include "collectors/patch/patch_level.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "collectors/packages.h"
#include "collectors/patch/apt_state.h"
#include "collectors/patch/deb_version.h"
#include "collectors/patch/package_file.h"
#include "collectors/patch/rpm_version.h"
#include "collectors/posture/auto_updates.h"

namespace candor::collectors {
namespace {

using Clock = std::chrono::system_clock;

constexpr absl::string_view kFirstSeenKey = "patch_level.first_seen";
constexpr size_t kMaxListed = 50;

int64_t DaysBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::hours>(to - from).count() / 24;
}

// "name:arch candidate" -> when first seen (seconds since the epoch).
std::map<std::string, int64_t> LoadFirstSeen(const StateStore* store) {
  std::map<std::string, int64_t> seen;
  if (store == nullptr) return seen;
  std::optional<std::string> text = store->Load(kFirstSeenKey);
  if (!text) return seen;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    const size_t tab = line.rfind('\t');
    int64_t when = 0;
    if (tab != absl::string_view::npos && absl::SimpleAtoi(line.substr(tab + 1), &when)) {
      seen[std::string(line.substr(0, tab))] = when;
    }
  }
  return seen;
}

std::string DumpFirstSeen(const std::map<std::string, int64_t>& seen) {
  std::string text;
  for (const auto& [key, when] : seen) absl::StrAppend(&text, key, "\t", when, "\n");
  return text;
}

struct Reboot {
  bool required = false;
  std::string reason;
};

Reboot RebootNeeded(const HostView& host, const AptState& state) {
  for (absl::string_view flag : {"/run/reboot-required", "/var/run/reboot-required"}) {
    if (host.Exists(flag)) return {true, "the package manager asks for a reboot (reboot-required)"};
  }
  // The running kernel's package, against the newest kernel package installed.
  absl::StatusOr<std::string> running = host.ReadLine("/proc/sys/kernel/osrelease");
  if (!running.ok()) return {};
  const auto current =
      state.installed.find(absl::StrCat("linux-image-", *running, ":", state.native_arch));
  if (current == state.installed.end()) return {};  // a kernel not from a package: no claim
  const InstalledPackage* newest = &current->second;
  for (const auto& [key, package] : state.installed) {
    if (!absl::StartsWith(package.name, "linux-image-") || package.name.size() <= 12 ||
        !absl::ascii_isdigit(static_cast<unsigned char>(package.name[12]))) {
      continue;
    }
    if (CompareDebianVersions(package.version, newest->version) > 0) newest = &package;
  }
  if (newest == &current->second) return {};
  return {true, absl::StrCat("a newer kernel is installed (", newest->name.substr(12),
                             ") than the one running (", *running, ")")};
}

// The end of the last apt run that upgraded something, from apt's history log (its
// entries are deb822 paragraphs: Start-Date, Commandline, Upgrade, End-Date), looking in
// last month's rotated log when this month's has no upgrade yet.
std::optional<std::string> LastUpgrade(const HostView& host) {
  for (absl::string_view log : {"/var/log/apt/history.log", "/var/log/apt/history.log.1.gz"}) {
    std::optional<std::string> last;
    ForEachParagraphInFile(host, log, [&](const Deb822Paragraph& p) {
      if (p.Field("Upgrade")) {
        if (auto end = p.Field("End-Date")) last = std::string(*end);
      }
      return true;
    }).IgnoreError();
    if (last) return last;
  }
  return std::nullopt;
}

// Days since a history.log time ("2026-11-22  06:20:41", the device's local time, read
// as UTC: within a day).
std::optional<int64_t> DaysSince(const std::string& when, Clock::time_point now) {
  absl::Time parsed;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%S",
                       absl::StrJoin(absl::StrSplit(when, ' ', absl::SkipEmpty()), " "), &parsed,
                       &error)) {
    return std::nullopt;
  }
  return DaysBetween(absl::ToChronoTime(parsed), now);
}

// Fedora and RHEL: the installed packages from rpm's database (through the allowlisted
// rpm command) and whether a newer kernel is installed than the one running. Pending
// updates need dnf's repository metadata (primary.xml or sqlite, zstd-compressed on current
// Fedora, plus modularity, excludes and updateinfo), which is not evaluated yet: the
// verdict is NOT_APPLICABLE with that reason rather than a guess.
CheckResult RpmLevel(const HostView& host) {
  CheckResult result;
  result.status = CheckStatus::kNotApplicable;
  result.facts["package_manager"] = std::string("rpm");
  absl::StatusOr<ProgramOutput> out = QueryRpmPackages(host);
  if (!out.ok() || out->exit_code != 0) {
    result.reason = absl::StrCat("rpm-based system; its package database could not be read (",
                                 out.ok() ? absl::StrCat("rpm exited ", out->exit_code)
                                          : std::string(out.status().message()),
                                 ")");
    return result;
  }
  int64_t installed = 0;
  std::optional<RpmEvr> newest_kernel;
  std::string newest_name;
  std::optional<RpmEvr> running_kernel;
  absl::StatusOr<std::string> running = host.ReadLine("/proc/sys/kernel/osrelease");
  for (absl::string_view line : absl::StrSplit(out->out, '\n', absl::SkipEmpty())) {
    const std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.size() != 5) continue;
    ++installed;
    if (f[0] != "kernel-core" && f[0] != "kernel") continue;
    RpmEvr evr{.version = std::string(f[2]), .release = std::string(f[3])};
    if (!absl::SimpleAtoi(f[1], &evr.epoch)) evr.epoch = 0;
    const std::string release = absl::StrCat(f[2], "-", f[3], ".", f[4]);
    if (running.ok() && release == *running) running_kernel = evr;
    if (!newest_kernel || CompareRpmEvr(evr, *newest_kernel) > 0) {
      newest_kernel = evr;
      newest_name = release;
    }
  }
  result.facts["installed_packages"] = installed;
  const bool reboot =
      running_kernel && newest_kernel && CompareRpmEvr(*newest_kernel, *running_kernel) > 0;
  result.facts["reboot_required"] = reboot;
  std::string tail;
  if (reboot) {
    const std::string why = absl::StrCat("a newer kernel is installed (", newest_name,
                                         ") than the one running (", *running, ")");
    result.facts["reboot_reason"] = why;
    tail = absl::StrCat("; reboot needed: ", why);
  }
  result.reason = absl::StrCat("rpm-based system with ", installed,
                               " packages; pending updates are not evaluated yet (dnf's "
                               "repository metadata is not read)",
                               tail);
  return result;
}

}  // namespace

const config::CollectorSpec& PatchLevel::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "patch_level",
      .description =
          "Pending updates and security fixes, from the package manager's own "
          "lists on the device.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"installed software versions and pending updates"},
      .params = {{.name = "max_security_age_days",
                  .type = config::ParamType::kInteger,
                  .description = "Fail when a security update has been pending longer than this.",
                  .default_value = int64_t{14},
                  .min = 0,
                  .max = 365},
                 {.name = "max_metadata_age_days",
                  .type = config::ParamType::kInteger,
                  .description = "Package lists older than this make the answer unknown.",
                  .default_value = int64_t{7},
                  .min = 1,
                  .max = 365},
                 {.name = "name_packages",
                  .type = config::ParamType::kBool,
                  .description = "Name the packages with pending security updates (off on "
                                 "a shared home PC: counts only).",
                  .default_value = true}},
  };
  return kSpec;
}

CheckResult PatchLevel::Collect(const HostView& host, const config::Params& params) const {
  CheckResult result;
  if (!host.Exists("/var/lib/dpkg/status")) {
    if (HasRpmDatabase(host)) return RpmLevel(host);
    result.status = CheckStatus::kNotApplicable;
    result.reason = "no dpkg or rpm package database on this system";
    return result;
  }
  absl::StatusOr<AptState> state = LoadAptState(host);
  if (!state.ok()) {
    result.status = CheckStatus::kError;
    result.reason = absl::StrCat("cannot read the package database: ", state.status().message());
    return result;
  }
  const Clock::time_point now = host.Now();
  const int64_t max_security_days = std::get<int64_t>(params.at("max_security_age_days"));
  const int64_t max_metadata_days = std::get<int64_t>(params.at("max_metadata_age_days"));
  const bool name_packages = std::get<bool>(params.at("name_packages"));

  const std::vector<AptUpgrade> upgrades = PendingUpgrades(*state);
  std::map<std::string, int64_t> seen = LoadFirstSeen(host.state());
  std::map<std::string, int64_t> still_pending;
  std::vector<std::string> security;
  int64_t oldest_days = 0;
  size_t overdue = 0;
  const int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  for (const AptUpgrade& u : upgrades) {
    if (!u.security) continue;
    const std::string key = absl::StrCat(u.name, ":", u.arch, " ", u.candidate);
    auto it = seen.find(key);
    const int64_t first = it != seen.end() ? std::min(it->second, now_seconds) : now_seconds;
    still_pending[key] = first;
    const int64_t days = (now_seconds - first) / 86400;
    oldest_days = std::max(oldest_days, days);
    if (days > max_security_days) ++overdue;
    if (security.size() < kMaxListed) security.push_back(absl::StrCat(u.name, " ", u.candidate));
  }
  if (host.state() != nullptr && still_pending != seen) {
    // Best effort: a failure only means "first seen" restarts from now next time.
    host.state()->Save(kFirstSeenKey, DumpFirstSeen(still_pending)).IgnoreError();
  }

  std::optional<Clock::time_point> updated = state->lists_updated;
  for (absl::string_view stamp : {"/var/lib/apt/periodic/update-success-stamp"}) {
    if (absl::StatusOr<HostView::TimePoint> t = host.ModifiedTime(stamp); t.ok()) {
      if (!updated || *t > *updated) updated = *t;
    }
  }
  // -1: the lists were never downloaded.
  const int64_t metadata_days = updated ? std::max<int64_t>(0, DaysBetween(*updated, now)) : -1;
  const Reboot reboot = RebootNeeded(host, *state);
  const std::optional<std::string> last_upgrade = LastUpgrade(host);
  const CheckResult auto_updates = posture::AutoUpdates().Collect(host, {});
  const bool automatic = auto_updates.status == CheckStatus::kPass;

  result.facts["package_manager"] = std::string("dpkg");
  result.facts["pending_updates"] = static_cast<int64_t>(upgrades.size());
  result.facts["pending_security"] = static_cast<int64_t>(still_pending.size());
  if (name_packages) result.facts["security_updates"] = security;
  result.facts["oldest_security_days"] = oldest_days;
  result.facts["metadata_age_days"] = metadata_days;
  result.facts["reboot_required"] = reboot.required;
  if (reboot.required) result.facts["reboot_reason"] = reboot.reason;
  if (last_upgrade) {
    result.facts["last_upgrade"] = *last_upgrade;
    if (auto days = DaysSince(*last_upgrade, now)) result.facts["days_since_upgrade"] = *days;
  }
  result.facts["auto_updates"] = automatic;

  std::vector<std::string> notes;
  if (reboot.required) notes.push_back(absl::StrCat("reboot needed: ", reboot.reason));
  if (!automatic) notes.push_back("automatic updates are off");
  if (!state->problems.empty()) {
    notes.push_back(absl::StrCat(state->problems.size(), " package list(s) unreadable (",
                                 state->problems.front(), ")"));
  }
  const std::string tail = notes.empty() ? "" : absl::StrCat("; ", absl::StrJoin(notes, "; "));

  if (overdue > 0) {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat(
        overdue, " security update(s) pending for more than ", max_security_days, " days",
        name_packages ? absl::StrCat(" (", absl::StrJoin(security, ", "), ")") : "", tail);
  } else if (metadata_days < 0 || metadata_days > max_metadata_days) {
    result.status = CheckStatus::kError;
    result.reason =
        metadata_days >= 0
            ? absl::StrCat("package lists are ", metadata_days,
                           " days old; pending updates are unknown until apt update runs", tail)
            : absl::StrCat("package lists were never downloaded; pending updates are unknown",
                           tail);
  } else {
    result.status = CheckStatus::kPass;
    result.reason =
        upgrades.empty()
            ? absl::StrCat("up to date (package lists ", metadata_days, " day(s) old)", tail)
            : absl::StrCat(upgrades.size(), " update(s) pending, ", still_pending.size(),
                           " of them security",
                           still_pending.empty()
                               ? ""
                               : absl::StrCat(", the oldest seen ", oldest_days, " day(s) ago"),
                           tail);
  }
  return result;
}

}  // namespace candor::collectors
