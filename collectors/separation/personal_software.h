#pragma once

// no_personal_software: none of the personal-software catalog's programs (game launchers,
// peer-to-peer clients, unmanaged remote-access tools, ...) is installed system-wide or in
// the work account, or running in the work account's session. Only catalog ids are
// reported; a program the catalog does not list is never mentioned, and no personal home is
// looked at.
//
// Where it looks (names are compared with directory listings; no path is ever built from a
// name the policy gives):
//   system-wide   dpkg's status file or rpm's database; /var/lib/flatpak/app; /snap and
//                 /var/lib/snapd/snaps; /usr/share/applications,
//                 /usr/local/share/applications and /etc/xdg/autostart
//   work account  ~/.local/share/flatpak/app; ~/.local/share/applications and
//                 ~/.config/autostart; *.AppImage files in ~, ~/Applications, ~/AppImages,
//                 ~/Apps, ~/bin, ~/.local/bin, ~/Desktop, ~/Downloads and ~/opt
//   running       the names of the processes whose real user is a work account

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collectors/accounts.h"
#include "collectors/collector.h"
#include "config/software_catalog.h"

namespace candor::collectors::separation {

// What the host has of `entries`: catalog id -> where it was found ("package", "flatpak",
// "snap", "desktop file", "work account flatpak", "work account desktop file", "work
// account AppImage", "running"). `problems`: what could not be read.
struct SoftwareFindings {
  std::map<std::string, std::set<std::string>> found;
  std::vector<std::string> problems;
};

SoftwareFindings FindSoftware(const HostView& host,
                              const std::vector<config::SoftwareEntry>& entries,
                              const std::vector<Account>& work_accounts);

class NoPersonalSoftware final : public Collector {
 public:
  // `catalog_text`: the catalog's YAML (personal_software_catalog.h has the one shipped).
  explicit NoPersonalSoftware(absl::string_view catalog_text);

  const config::CollectorSpec& spec() const override { return spec_; }
  CheckResult Collect(const HostView& host, const config::Params& params) const override;

  // The parsed catalog, or why it did not parse (a build defect, tested).
  const absl::StatusOr<config::SoftwareCatalog>& catalog() const { return catalog_; }

 private:
  absl::StatusOr<config::SoftwareCatalog> catalog_;
  config::CollectorSpec spec_;
};

}  // namespace candor::collectors::separation
