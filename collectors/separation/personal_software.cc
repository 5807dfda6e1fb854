#include "collectors/separation/personal_software.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collectors/packages.h"
#include "collectors/processes.h"
#include "collectors/separation/household.h"

namespace candor::collectors::separation {
namespace {

constexpr size_t kCommLength = 15;  // the kernel's TASK_COMM_LEN - 1
constexpr size_t kMaxListing = 16384;

// Name -> the ids of the entries that list it, for one kind of name.
using NameIndex = std::map<std::string, std::vector<std::string>>;

struct Index {
  NameIndex packages, flatpaks, snaps, desktop_files, processes;
  std::vector<std::pair<std::string, std::string>> appimages;  // lowercase prefix, id
};

Index BuildIndex(const std::vector<config::SoftwareEntry>& entries) {
  Index index;
  for (const config::SoftwareEntry& e : entries) {
    for (const std::string& n : e.packages) index.packages[n].push_back(e.id);
    for (const std::string& n : e.flatpaks) index.flatpaks[n].push_back(e.id);
    for (const std::string& n : e.snaps) index.snaps[n].push_back(e.id);
    for (const std::string& n : e.desktop_files) index.desktop_files[n].push_back(e.id);
    for (const std::string& n : e.processes) {
      index.processes[n.substr(0, kCommLength)].push_back(e.id);
    }
    for (const std::string& n : e.appimages) {
      index.appimages.emplace_back(absl::AsciiStrToLower(n), e.id);
    }
  }
  return index;
}

class Finder {
 public:
  Finder(const HostView& host, const Index& index) : host_(host), index_(index) {}

  // Every name in `dir` that `names` knows, found as `where`. `transform` turns a listed
  // name into the name compared (the snap name of "steam_123.snap").
  void Listing(const std::string& dir, const NameIndex& names, const std::string& where,
               std::string (*transform)(const std::string&) = nullptr) {
    absl::StatusOr<std::vector<std::string>> listed = host_.ListDir(dir, kMaxListing);
    if (!listed.ok()) {
      if (!absl::IsNotFound(listed.status())) Problem(dir, listed.status());
      return;
    }
    for (const std::string& name : *listed) Match(names, transform ? transform(name) : name, where);
  }

  void Names(const std::set<std::string>& present, const NameIndex& names,
             const std::string& where) {
    for (const std::string& name : present) Match(names, name, where);
  }

  // *.AppImage files in `dir` whose name starts with a catalog prefix followed by
  // anything but a letter or digit.
  void AppImages(const std::string& dir) {
    absl::StatusOr<std::vector<std::string>> listed = host_.ListDir(dir, kMaxListing);
    if (!listed.ok()) {
      if (!absl::IsNotFound(listed.status())) Problem(dir, listed.status());
      return;
    }
    for (const std::string& name : *listed) {
      const std::string lower = absl::AsciiStrToLower(name);
      if (!absl::EndsWith(lower, ".appimage")) continue;
      for (const auto& [prefix, id] : index_.appimages) {
        if (absl::StartsWith(lower, prefix) &&
            !absl::ascii_isalnum(static_cast<unsigned char>(lower[prefix.size()]))) {
          findings_.found[id].insert("work account AppImage");
        }
      }
    }
  }

  void Problem(const std::string& what, const absl::Status& status) {
    findings_.problems.push_back(absl::StrCat(what, ": ", status.message()));
  }

  SoftwareFindings Take() { return std::move(findings_); }

 private:
  void Match(const NameIndex& names, const std::string& name, const std::string& where) {
    const auto found = names.find(name);
    if (found == names.end()) return;
    for (const std::string& id : found->second) findings_.found[id].insert(where);
  }

  const HostView& host_;
  const Index& index_;
  SoftwareFindings findings_;
};

std::string SnapName(const std::string& file) {  // "steam_123.snap" -> "steam"
  if (!absl::EndsWith(file, ".snap")) return "";
  return file.substr(0, file.rfind('_'));
}

}  // namespace

SoftwareFindings FindSoftware(const HostView& host,
                              const std::vector<config::SoftwareEntry>& entries,
                              const std::vector<Account>& work_accounts) {
  const Index index = BuildIndex(entries);
  Finder finder(host, index);
  // System-wide.
  if (absl::StatusOr<std::set<std::string>> packages = InstalledPackageNames(host); packages.ok()) {
    finder.Names(*packages, index.packages, "package");
  } else if (!absl::IsNotFound(packages.status())) {
    finder.Problem("installed packages", packages.status());
  }
  finder.Listing("/var/lib/flatpak/app", index.flatpaks, "flatpak");
  finder.Listing("/snap", index.snaps, "snap");
  finder.Listing("/var/lib/snapd/snaps", index.snaps, "snap", SnapName);
  for (const char* dir :
       {"/usr/share/applications", "/usr/local/share/applications", "/etc/xdg/autostart"}) {
    finder.Listing(dir, index.desktop_files, "desktop file");
  }
  // The work accounts' own installs and sessions; never another account's.
  for (const Account& work : work_accounts) {
    if (work.home.empty() || work.home == "/") continue;
    finder.Listing(work.home + "/.local/share/flatpak/app", index.flatpaks, "work account flatpak");
    for (const char* dir : {"/.local/share/applications", "/.config/autostart"}) {
      finder.Listing(work.home + dir, index.desktop_files, "work account desktop file");
    }
    for (const char* dir : {"", "/Applications", "/AppImages", "/Apps", "/bin", "/.local/bin",
                            "/Desktop", "/Downloads", "/opt"}) {
      finder.AppImages(work.home + dir);
    }
    finder.Names(RunningProcessNamesOf(host, work.uid), index.processes, "running");
  }
  return finder.Take();
}

namespace {

config::CollectorSpec MakeSpec(const absl::StatusOr<config::SoftwareCatalog>& catalog) {
  config::CollectorSpec spec =
      SeparationSpec("no_personal_software",
                     "Whether programs from the personal-software catalog (game launchers, "
                     "peer-to-peer clients, remote-access tools) are installed system-wide or "
                     "in the work account, or run in its session.",
                     {"which personal-software catalog entries are present (catalog ids only)"});
  const std::vector<std::string> categories =
      catalog.ok() ? catalog->CategoryIds() : std::vector<std::string>{};
  spec.params.push_back({.name = "categories",
                         .type = config::ParamType::kStringList,
                         .description = "The catalog's categories that count.",
                         .default_value = categories,
                         .min = 0,
                         .max = 64,
                         .choices = categories});
  spec.params.push_back(
      {.name = "allow",
       .type = config::ParamType::kStringList,
       .description = "Catalog entries that do not count (e.g. the remote-access tool the IT "
                      "provider manages).",
       .default_value = std::vector<std::string>{},
       .min = 0,
       .max = 256,
       .choices = catalog.ok() ? catalog->EntryIds() : std::vector<std::string>{}});
  spec.params.push_back({.name = "add",
                         .type = config::ParamType::kRecordList,
                         .description = "Entries of the policy's own, with the catalog's fields; "
                                        "they always count.",
                         .default_value = std::vector<config::ParamRecord>{},
                         .min = 0,
                         .max = 64,
                         .fields = config::SoftwareFields()});
  return spec;
}

// "p2p:qbittorrent (running, work account flatpak)".
std::string Describe(const std::string& id, const std::set<std::string>& where) {
  return absl::StrCat(id, " (", absl::StrJoin(where, ", "), ")");
}

}  // namespace

NoPersonalSoftware::NoPersonalSoftware(absl::string_view catalog_text)
    : catalog_(config::ParseSoftwareCatalog(catalog_text, "personal_software.yaml")),
      spec_(MakeSpec(catalog_)) {}

CheckResult NoPersonalSoftware::Collect(const HostView& host, const config::Params& params) const {
  CheckResult result;
  if (!catalog_.ok()) {
    result.status = CheckStatus::kError;
    result.reason = absl::StrCat("the agent's personal-software catalog is invalid: ",
                                 catalog_.status().message());
    return result;
  }
  const Household household = ReadHousehold(host, WorkAccountsOf(params));
  if (auto unusable = Unusable(household, params, true)) return *unusable;

  const auto& categories = std::get<std::vector<std::string>>(params.at("categories"));
  const auto& allow = std::get<std::vector<std::string>>(params.at("allow"));
  std::vector<config::SoftwareEntry> entries;
  for (const config::SoftwareEntry& e : catalog_->entries) {
    if (std::find(categories.begin(), categories.end(), e.category()) != categories.end() &&
        std::find(allow.begin(), allow.end(), e.id) == allow.end()) {
      entries.push_back(e);
    }
  }
  for (const config::ParamRecord& record :
       std::get<std::vector<config::ParamRecord>>(params.at("add"))) {
    entries.push_back(config::EntryFromRecord(record));
  }

  const SoftwareFindings findings = FindSoftware(host, entries, household.work);
  std::vector<std::string> found, system, work, running, described;
  for (const auto& [id, where] : findings.found) {
    found.push_back(id);
    described.push_back(Describe(id, where));
    for (const std::string& w : where) {
      if (w == "running") {
        running.push_back(id);
      } else if (absl::StartsWith(w, "work account")) {
        if (work.empty() || work.back() != id) work.push_back(id);
      } else if (system.empty() || system.back() != id) {
        system.push_back(id);
      }
    }
  }
  result.facts["found"] = found;
  result.facts["system_wide"] = system;
  result.facts["in_work_account"] = work;
  result.facts["running"] = running;
  result.facts["entries_checked"] = static_cast<int64_t>(entries.size());
  result.facts["catalog_date"] = catalog_->date;
  if (!found.empty()) {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat("personal software found: ", absl::StrJoin(described, "; "));
  } else if (!findings.problems.empty()) {
    result.status = CheckStatus::kError;
    result.reason =
        absl::StrCat("could not look everywhere (", absl::StrJoin(findings.problems, "; "), ")");
  } else {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat("none of ", entries.size(),
                                 " personal-software entries is installed system-wide, in the "
                                 "work account or running in its session");
  }
  return result;
}

}  // namespace candor::collectors::separation
