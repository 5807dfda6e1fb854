#include "collectors/packages.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "collectors/patch/apt_state.h"

namespace candor::collectors {

absl::StatusOr<ProgramOutput> QueryRpmPackages(const HostView& host) {
  return host.RunProgram("/usr/bin/rpm",
                         {"-qa", "--qf", "%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\n"});
}

bool HasRpmDatabase(const HostView& host) {
  return host.Exists("/var/lib/rpm") || host.Exists("/usr/lib/sysimage/rpm");
}

absl::StatusOr<std::set<std::string>> InstalledPackageNames(const HostView& host) {
  std::set<std::string> names;
  if (host.Exists("/var/lib/dpkg/status")) {
    absl::StatusOr<std::vector<InstalledPackage>> dpkg = ReadDpkgStatus(host);
    if (!dpkg.ok()) return dpkg.status();
    for (const InstalledPackage& p : *dpkg) names.insert(p.name);
    return names;
  }
  if (!HasRpmDatabase(host)) return absl::NotFoundError("no dpkg or rpm package database");
  absl::StatusOr<ProgramOutput> out = QueryRpmPackages(host);
  if (!out.ok()) return out.status();
  if (out->exit_code != 0) {
    return absl::UnavailableError(absl::StrCat("rpm -qa exited ", out->exit_code));
  }
  for (absl::string_view line : absl::StrSplit(out->out, '\n', absl::SkipEmpty())) {
    names.insert(std::string(line.substr(0, line.find(' '))));
  }
  return names;
}

}  // namespace candor::collectors
