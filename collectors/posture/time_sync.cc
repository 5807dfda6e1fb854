#include "collectors/posture/time_sync.h"

#include "absl/strings/str_cat.h"
#include "collectors/processes.h"

namespace candor::collectors::posture {
namespace {

struct Client {
  const char* comm;  // as /proc/PID/comm shows it (15 characters at most)
  const char* name;
};

constexpr Client kClients[] = {
    {"systemd-timesyn", "systemd-timesyncd"},
    {"chronyd", "chronyd"},
    {"ntpd", "ntpd"},
    {"openntpd", "openntpd"},
};

}  // namespace

const config::CollectorSpec& TimeSync::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "time_sync",
      .description = "Whether a time synchronization (NTP) client is running.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"names of system services running"},
      .params = {},
  };
  return kSpec;
}

CheckResult TimeSync::Collect(const HostView& host, const config::Params&) const {
  CheckResult result;
  const std::set<std::string> running = RunningProcessNames(host);
  for (const Client& client : kClients) {
    if (running.count(client.comm) == 0) continue;
    result.status = CheckStatus::kPass;
    result.facts["client"] = std::string(client.name);
    result.reason = absl::StrCat(client.name, " is running");
    if (std::string(client.comm) == "systemd-timesyn") {
      const bool synced = host.Exists("/run/systemd/timesync/synchronized");
      result.facts["synchronized"] = synced;
      if (synced) absl::StrAppend(&result.reason, " and the clock is synchronized");
    }
    return result;
  }
  result.status = CheckStatus::kFail;
  result.reason =
      "no time synchronization client is running (looked for systemd-timesyncd, "
      "chronyd, ntpd, openntpd)";
  return result;
}

}  // namespace candor::collectors::posture
