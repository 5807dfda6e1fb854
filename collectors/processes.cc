#include "collectors/processes.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace candor::collectors {
namespace {

// The names of /proc's process directories.
std::vector<std::string> ProcessIds(const HostView& host) {
  std::vector<std::string> pids;
  absl::StatusOr<std::vector<std::string>> entries = host.ListDir("/proc");
  if (!entries.ok()) return pids;
  for (std::string& entry : *entries) {
    if (!entry.empty() && std::all_of(entry.begin(), entry.end(), [](char c) {
          return absl::ascii_isdigit(static_cast<unsigned char>(c));
        })) {
      pids.push_back(std::move(entry));
    }
  }
  return pids;
}

// The real UID from /proc/PID/status ("Uid:\treal\teffective\tsaved\tfs").
std::optional<int64_t> RealUid(const HostView& host, const std::string& pid) {
  absl::StatusOr<std::string> status =
      host.ReadFile(absl::StrCat("/proc/", pid, "/status"), 64 << 10);
  if (!status.ok()) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    if (!absl::ConsumePrefix(&line, "Uid:")) continue;
    const std::vector<absl::string_view> ids =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int64_t uid = 0;
    if (!ids.empty() && absl::SimpleAtoi(ids[0], &uid)) return uid;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::set<std::string> RunningProcessNames(const HostView& host) {
  std::set<std::string> names;
  for (const std::string& pid : ProcessIds(host)) {
    absl::StatusOr<std::string> comm = host.ReadLine(absl::StrCat("/proc/", pid, "/comm"));
    if (comm.ok() && !comm->empty()) names.insert(*comm);
  }
  return names;
}

std::set<std::string> RunningProcessNamesOf(const HostView& host, int64_t uid) {
  std::set<std::string> names;
  for (const std::string& pid : ProcessIds(host)) {
    if (RealUid(host, pid) != uid) continue;
    absl::StatusOr<std::string> comm = host.ReadLine(absl::StrCat("/proc/", pid, "/comm"));
    if (comm.ok() && !comm->empty()) names.insert(*comm);
  }
  return names;
}

}  // namespace candor::collectors
