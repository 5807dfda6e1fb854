#include "collectors/posture/auto_updates.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "collectors/apt_conf.h"
#include "collectors/ini.h"

namespace candor::collectors::posture {
namespace {

bool Masked(const HostView& host, const std::string& unit) {
  absl::StatusOr<std::string> target = host.ReadLink("/etc/systemd/system/" + unit);
  return target.ok() && *target == "/dev/null";
}

CheckResult Apt(const HostView& host) {
  CheckResult result;
  result.facts["mechanism"] = std::string("unattended-upgrades");
  const AptConfig apt = ReadAptConfig(host);
  auto value = [&](const std::string& key) -> int64_t {
    auto it = apt.find(key);
    int64_t n = 0;
    return it != apt.end() && absl::SimpleAtoi(it->second, &n) ? n : 0;
  };
  const auto enable = apt.find("apt::periodic::enable");
  const bool periodic_off = enable != apt.end() && enable->second == "0";
  const int64_t days = periodic_off ? 0 : value("apt::periodic::unattended-upgrade");
  result.facts["interval_days"] = days;
  result.status = CheckStatus::kFail;
  if (!host.Exists("/usr/bin/unattended-upgrade")) {
    result.reason = "automatic updates are off: unattended-upgrades is not installed";
  } else if (days <= 0) {
    result.reason = periodic_off ? "automatic updates are off: APT::Periodic::Enable is \"0\""
                                 : "automatic updates are off: APT::Periodic::Unattended-Upgrade "
                                   "is not set to a number of days";
  } else if (Masked(host, "apt-daily-upgrade.timer")) {
    result.reason = "automatic updates are off: apt-daily-upgrade.timer is masked";
  } else {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat("unattended-upgrades installs updates every ", days,
                                 days == 1 ? " day" : " days");
  }
  result.facts["enabled"] = result.status == CheckStatus::kPass;
  return result;
}

CheckResult Dnf(const HostView& host) {
  CheckResult result;
  result.facts["mechanism"] = std::string("dnf-automatic");
  IniFile conf;
  if (auto text = host.ReadFile("/etc/dnf/automatic.conf", 256 * 1024); text.ok()) {
    conf = ParseIni(*text);
  }
  const bool installed = host.Exists("/etc/dnf/automatic.conf");
  const bool apply = IniTrue(conf["commands"]["apply_updates"]);
  const std::string wants = "/etc/systemd/system/timers.target.wants/";
  const bool installs_timer = host.Exists(wants + "dnf-automatic-install.timer");
  const bool timer = installs_timer || host.Exists(wants + "dnf-automatic.timer");
  result.status = CheckStatus::kFail;
  if (!installed) {
    result.reason = "automatic updates are off: dnf-automatic is not installed";
  } else if (!timer) {
    result.reason = "automatic updates are off: no dnf-automatic timer is enabled";
  } else if (!apply && !installs_timer) {
    result.reason = "dnf-automatic only downloads updates: apply_updates is off";
  } else {
    result.status = CheckStatus::kPass;
    result.reason = "dnf-automatic installs updates on its timer";
  }
  result.facts["enabled"] = result.status == CheckStatus::kPass;
  return result;
}

}  // namespace

const config::CollectorSpec& AutoUpdates::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "auto_updates",
      .description = "Whether operating system updates install automatically.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"update settings"},
      .params = {},
  };
  return kSpec;
}

CheckResult AutoUpdates::Collect(const HostView& host, const config::Params&) const {
  if (host.Exists("/etc/apt")) return Apt(host);
  if (host.Exists("/etc/dnf")) return Dnf(host);
  CheckResult result;
  result.status = CheckStatus::kNotApplicable;
  result.reason = "neither apt nor dnf manages packages here";
  return result;
}

}  // namespace candor::collectors::posture
