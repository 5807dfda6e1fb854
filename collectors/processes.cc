#include "collectors/processes.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace candor::collectors {

std::set<std::string> RunningProcessNames(const HostView& host) {
  std::set<std::string> names;
  absl::StatusOr<std::vector<std::string>> entries = host.ListDir("/proc");
  if (!entries.ok()) return names;
  for (const std::string& entry : *entries) {
    if (entry.empty() || !std::all_of(entry.begin(), entry.end(), [](char c) {
          return absl::ascii_isdigit(static_cast<unsigned char>(c));
        })) {
      continue;
    }
    absl::StatusOr<std::string> comm = host.ReadLine(absl::StrCat("/proc/", entry, "/comm"));
    if (comm.ok() && !comm->empty()) names.insert(*comm);
  }
  return names;
}

}  // namespace candor::collectors
