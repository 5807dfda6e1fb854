#include "collectors/patch/apt_state.h"

#include <fnmatch.h>
#include <regex.h>

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "collectors/apt_conf.h"
#include "collectors/patch/deb_version.h"
#include "collectors/patch/package_file.h"

namespace candor::collectors {
namespace {

constexpr absl::string_view kStatus = "/var/lib/dpkg/status";
constexpr absl::string_view kLists = "/var/lib/apt/lists";
constexpr size_t kMaxReleaseBytes = 16 << 20;
constexpr int kStatusPriority = 100;

std::string Key(absl::string_view name, absl::string_view arch) {
  return absl::StrCat(name, ":", arch);
}

// dpkg states in which a package has an installed version (apt's CurrentVer).
bool HasInstalledVersion(absl::string_view status) {
  const std::vector<absl::string_view> words = absl::StrSplit(status, ' ', absl::SkipEmpty());
  if (words.size() != 3) return false;
  return words[2] != "not-installed" && words[2] != "config-files";
}

absl::Status ReadInstalled(const HostView& host, AptState& state) {
  absl::StatusOr<std::vector<InstalledPackage>> read = ReadDpkgStatus(host);
  if (!read.ok()) return read.status();
  std::vector<InstalledPackage>& packages = *read;
  for (const InstalledPackage& p : packages) {
    if (p.name == "dpkg") state.native_arch = p.arch;
  }
  if (state.native_arch.empty()) {
    for (const InstalledPackage& p : packages) {
      if (p.arch != "all" && !p.arch.empty()) {
        state.native_arch = p.arch;
        break;
      }
    }
  }
  for (InstalledPackage& p : packages) {
    if (p.arch == "all" || p.arch.empty()) p.arch = state.native_arch;
    state.installed[Key(p.name, p.arch)] = std::move(p);
  }
  return absl::OkStatus();
}

bool IsYes(std::optional<absl::string_view> value) {
  return value && absl::EqualsIgnoreCase(*value, "yes");
}

void ReadReleases(const HostView& host, const std::vector<std::string>& names, AptState& state,
                  std::vector<std::pair<std::string, const AptRelease*>>& by_prefix) {
  for (const std::string& name : names) {
    std::string prefix;
    if (absl::EndsWith(name, "_InRelease")) {
      prefix = name.substr(0, name.size() - std::string("InRelease").size());
    } else if (absl::EndsWith(name, "_Release")) {
      prefix = name.substr(0, name.size() - std::string("Release").size());
      // InRelease is what apt uses when both are there.
      if (std::find(names.begin(), names.end(), prefix + "InRelease") != names.end()) continue;
    } else {
      continue;
    }
    const std::string path = absl::StrCat(kLists, "/", name);
    absl::StatusOr<std::string> text = host.ReadFile(path, kMaxReleaseBytes);
    if (!text.ok()) {
      state.problems.push_back(std::string(text.status().message()));
      continue;
    }
    auto release = std::make_unique<AptRelease>();
    release->file = path;
    release->site = name.substr(0, name.find('_'));
    ForEachParagraph(ClearsignedBody(*text), [&](const Deb822Paragraph& p) {
      release->origin = std::string(p.Field("Origin").value_or(""));
      release->label = std::string(p.Field("Label").value_or(""));
      release->suite = std::string(p.Field("Suite").value_or(""));
      release->codename = std::string(p.Field("Codename").value_or(""));
      release->version = std::string(p.Field("Version").value_or(""));
      release->not_automatic = IsYes(p.Field("NotAutomatic"));
      release->but_automatic_upgrades = IsYes(p.Field("ButAutomaticUpgrades"));
      return false;  // the first paragraph is the release's
    });
    if (absl::StatusOr<HostView::TimePoint> mtime = host.ModifiedTime(path); mtime.ok()) {
      if (!state.lists_updated || *mtime > *state.lists_updated) state.lists_updated = *mtime;
    }
    by_prefix.emplace_back(prefix, release.get());
    state.releases.push_back(std::move(release));
  }
}

// "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4" -> true.
bool IsPackagesList(absl::string_view name) {
  const size_t at = name.rfind("_Packages");
  if (at == absl::string_view::npos) return false;
  const absl::string_view rest = name.substr(at + std::string("_Packages").size());
  return rest.empty() || rest[0] == '.';
}

void ReadAvailable(const HostView& host, const std::vector<std::string>& names,
                   const std::vector<std::pair<std::string, const AptRelease*>>& by_prefix,
                   AptState& state) {
  absl::flat_hash_set<std::string> installed_names;
  for (const auto& [key, package] : state.installed) installed_names.insert(package.name);
  for (const std::string& name : names) {
    if (!IsPackagesList(name)) continue;
    auto file = std::make_unique<AptPackageFile>();
    file->path = absl::StrCat(kLists, "/", name);
    size_t longest = 0;
    for (const auto& [prefix, release] : by_prefix) {
      if (absl::StartsWith(name, prefix) && prefix.size() > longest) {
        longest = prefix.size();
        file->release = release;
      }
    }
    if (file->release != nullptr) {
      absl::string_view rest = absl::string_view(name).substr(longest);
      if (const size_t binary = rest.find("_binary-"); binary != absl::string_view::npos) {
        file->component = std::string(rest.substr(0, binary));
      }
    }
    const AptPackageFile* list = file.get();
    absl::Status read = ForEachParagraphInFile(host, file->path, [&](const Deb822Paragraph& p) {
      // Most of a list is packages this host does not have: decide on the name first.
      const auto package = p.Field("Package");
      if (!package || !installed_names.contains(*package)) return true;
      const auto version = p.Field("Version");
      if (!version) return true;
      std::string arch(p.Field("Architecture").value_or(state.native_arch));
      if (arch == "all") arch = state.native_arch;
      auto installed = state.installed.find(Key(*package, arch));
      if (installed == state.installed.end()) return true;
      std::vector<AvailableVersion>& versions = state.available[installed->first];
      auto same = std::find_if(versions.begin(), versions.end(),
                               [&](const AvailableVersion& v) { return v.version == *version; });
      if (same == versions.end()) {
        versions.push_back(AvailableVersion{.version = std::string(*version), .files = {}});
        same = versions.end() - 1;
      }
      if (std::find(same->files.begin(), same->files.end(), list) == same->files.end()) {
        same->files.push_back(list);
      }
      return true;
    });
    if (!read.ok()) state.problems.push_back(std::string(read.message()));
    state.files.push_back(std::move(file));
  }
}

// apt reads preference files without an extension or ending in ".pref", named with
// letters, digits, '_', '-' and '.'.
bool IsPreferencesName(absl::string_view name) {
  if (name.empty() || name[0] == '.') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  const size_t dot = name.rfind('.');
  return dot == absl::string_view::npos || name.substr(dot) == ".pref";
}

void ReadPreferencesFile(const HostView& host, const std::string& path, AptState& state) {
  absl::StatusOr<std::string> text = host.ReadFile(path, 1 << 20);
  if (!text.ok()) {
    if (!absl::IsNotFound(text.status()))
      state.problems.push_back(std::string(text.status().message()));
    return;
  }
  ForEachParagraph(
      *text,
      [&](const Deb822Paragraph& p) {
        const auto package = p.Field("Package");
        const auto pin = p.Field("Pin");
        const auto priority_text = p.Field("Pin-Priority");
        int priority = 0;
        if (!package || !pin || !priority_text || !absl::SimpleAtoi(*priority_text, &priority) ||
            priority == 0) {
          state.problems.push_back(
              absl::StrCat(path, ": a record without Package, Pin or a non-zero Pin-Priority"));
          return true;
        }
        AptPin entry{.priority = priority, .source = path};
        if (*package != "*") {
          for (absl::string_view word :
               absl::StrSplit(*package, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
            entry.packages.emplace_back(word);
          }
        }
        const size_t space = pin->find_first_of(" \t");
        const absl::string_view kind = pin->substr(0, space);
        entry.data = space == absl::string_view::npos
                         ? std::string()
                         : std::string(absl::StripAsciiWhitespace(pin->substr(space)));
        if (absl::EqualsIgnoreCase(kind, "version") && !entry.packages.empty()) {
          entry.kind = AptPin::Kind::kVersion;
        } else if (absl::EqualsIgnoreCase(kind, "release")) {
          entry.kind = AptPin::Kind::kRelease;
        } else if (absl::EqualsIgnoreCase(kind, "origin")) {
          entry.kind = AptPin::Kind::kOrigin;
          if (entry.data.size() >= 2 && entry.data.front() == '"' && entry.data.back() == '"') {
            entry.data = entry.data.substr(1, entry.data.size() - 2);
          }
        } else {
          state.problems.push_back(absl::StrCat(path, ": pin type \"", kind, "\" not understood"));
          return true;
        }
        state.pins.push_back(std::move(entry));
        return true;
      },
      /*comments=*/true);
}

void ReadPreferences(const HostView& host, AptState& state) {
  ReadPreferencesFile(host, "/etc/apt/preferences", state);
  absl::StatusOr<std::vector<std::string>> parts = host.ListDir("/etc/apt/preferences.d");
  if (!parts.ok()) return;
  for (const std::string& name : *parts) {  // ListDir sorts, as apt does
    if (IsPreferencesName(name))
      ReadPreferencesFile(host, absl::StrCat("/etc/apt/preferences.d/", name), state);
  }
}

// apt's pattern rule: "/regex/", a glob with * ? [, or the text itself.
bool PatternMatches(absl::string_view pattern, absl::string_view value) {
  if (pattern.size() >= 2 && pattern.front() == '/' && pattern.back() == '/') {
    // POSIX extended, case-insensitive: what apt compiles these with.
    regex_t re;
    const std::string expression(pattern.substr(1, pattern.size() - 2));
    if (::regcomp(&re, expression.c_str(), REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0) return false;
    const bool found = ::regexec(&re, std::string(value).c_str(), 0, nullptr, 0) == 0;
    ::regfree(&re);
    return found;
  }
  if (pattern.find_first_of("*?[") != absl::string_view::npos) {
    return ::fnmatch(std::string(pattern).c_str(), std::string(value).c_str(), 0) == 0;
  }
  return pattern == value;
}

bool ReleaseMatches(absl::string_view data, const AptPackageFile& file) {
  if (file.release == nullptr || file.is_status) return false;
  const AptRelease& r = *file.release;
  // "release 12" is short for "release v=12".
  if (data.find('=') == absl::string_view::npos)
    return PatternMatches(absl::StripAsciiWhitespace(data), r.version);
  for (absl::string_view term : absl::StrSplit(data, ',', absl::SkipWhitespace())) {
    term = absl::StripAsciiWhitespace(term);
    const size_t eq = term.find('=');
    if (eq == absl::string_view::npos) return false;
    const absl::string_view key = absl::StripAsciiWhitespace(term.substr(0, eq));
    const absl::string_view value = absl::StripAsciiWhitespace(term.substr(eq + 1));
    const std::string* field = nullptr;
    if (key == "a")
      field = &r.suite;
    else if (key == "n")
      field = &r.codename;
    else if (key == "v")
      field = &r.version;
    else if (key == "o")
      field = &r.origin;
    else if (key == "l")
      field = &r.label;
    else if (key == "c")
      field = &file.component;
    else if (key == "b")
      continue;  // every list read here is for a matching architecture
    else
      return false;
    if (!PatternMatches(value, *field)) return false;
  }
  return true;
}

bool FileMatches(const AptPin& pin, const AptPackageFile& file) {
  switch (pin.kind) {
    case AptPin::Kind::kRelease:
      return ReleaseMatches(pin.data, file);
    case AptPin::Kind::kOrigin:
      // origin "" is the local system (the status file); otherwise the site of the list.
      if (file.is_status) return pin.data.empty();
      return file.release != nullptr ? PatternMatches(pin.data, file.release->site)
                                     : pin.data.empty();
    case AptPin::Kind::kVersion:
      return false;
  }
  return false;
}

int FilePriority(const AptState& state, const AptPackageFile& file) {
  if (file.is_status) return kStatusPriority;
  // APT::Default-Release comes first, then "Package: *" pins in file order; the first
  // that matches decides.
  if (!state.default_release.empty() && file.release != nullptr &&
      (PatternMatches(state.default_release, file.release->suite) ||
       PatternMatches(state.default_release, file.release->codename) ||
       PatternMatches(state.default_release, file.release->version))) {
    return 990;
  }
  for (const AptPin& pin : state.pins) {
    if (pin.packages.empty() && FileMatches(pin, file)) return pin.priority;
  }
  if (file.release != nullptr && file.release->not_automatic) {
    return file.release->but_automatic_upgrades ? 100 : 1;
  }
  return 500;
}

// The first pin for this package that matches this version, if any.
std::optional<int> PackagePinPriority(const AptState& state, absl::string_view name,
                                      const AvailableVersion& version) {
  for (const AptPin& pin : state.pins) {
    if (pin.packages.empty()) continue;
    const bool named = std::any_of(pin.packages.begin(), pin.packages.end(),
                                   [&](const std::string& p) { return PatternMatches(p, name); });
    if (!named) continue;
    bool matches = false;
    if (pin.kind == AptPin::Kind::kVersion) {
      matches = PatternMatches(pin.data, version.version);
    } else {
      matches = std::any_of(version.files.begin(), version.files.end(),
                            [&](const AptPackageFile* f) { return FileMatches(pin, *f); });
    }
    if (matches) return pin.priority;
  }
  return std::nullopt;
}

const AptPackageFile& StatusFile() {
  static const AptPackageFile kStatusFile{.path = std::string(kStatus), .is_status = true};
  return kStatusFile;
}

// The versions of `key`, newest first, the installed one carrying the status file.
std::vector<AvailableVersion> VersionsOf(const AptState& state, const std::string& key) {
  std::vector<AvailableVersion> versions;
  if (auto it = state.available.find(key); it != state.available.end()) versions = it->second;
  if (auto installed = state.installed.find(key); installed != state.installed.end()) {
    auto same = std::find_if(versions.begin(), versions.end(), [&](const AvailableVersion& v) {
      return v.version == installed->second.version;
    });
    if (same == versions.end()) {
      versions.push_back(AvailableVersion{.version = installed->second.version, .files = {}});
      same = versions.end() - 1;
    }
    same->files.push_back(&StatusFile());
  }
  std::stable_sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) {
    return CompareDebianVersions(a.version, b.version) > 0;
  });
  return versions;
}

// Every list's priority, computed once for all packages, and whether any is above 1000
// (then versions below the installed one can be candidates).
struct FilePriorities {
  std::unordered_map<const AptPackageFile*, int> of;
  bool status_override = false;
};

FilePriorities PrioritiesOf(const AptState& state) {
  FilePriorities priorities;
  priorities.of[&StatusFile()] = FilePriority(state, StatusFile());
  for (const auto& file : state.files) {
    const int p = FilePriority(state, *file);
    priorities.of[file.get()] = p;
    priorities.status_override |= p > 1000;
  }
  return priorities;
}

const AvailableVersion* Candidate(const AptState& state, const FilePriorities& priorities,
                                  const std::string& key,
                                  const std::vector<AvailableVersion>& versions) {
  const auto installed = state.installed.find(key);
  const std::string name =
      installed != state.installed.end() ? installed->second.name : key.substr(0, key.rfind(':'));
  const bool status_override = priorities.status_override;
  int max = 0;
  const AvailableVersion* preferred = nullptr;
  for (const AvailableVersion& version : versions) {
    const bool is_installed =
        installed != state.installed.end() && installed->second.version == version.version;
    int priority = 0;
    if (std::optional<int> pinned = PackagePinPriority(state, name, version)) {
      priority = *pinned;
    } else {
      bool any = false;
      for (const AptPackageFile* file : version.files) {
        if (file->is_status && !is_installed) continue;
        const int p = priorities.of.at(file);
        priority = any ? std::max(priority, p) : p;
        any = true;
      }
    }
    if (priority > max) {
      preferred = &version;
      max = priority;
    }
    if (is_installed && max < 1000) {
      // Never a downgrade below the installed version without a pin of 1000 or more.
      if (preferred == nullptr) preferred = &version;
      max = 1000;
      if (!status_override) break;
    }
  }
  return preferred;
}

bool IsSecurity(const AptPackageFile& file) {
  if (file.release == nullptr) return false;
  const AptRelease& r = *file.release;
  return absl::EndsWith(r.suite, "-security") || absl::EndsWith(r.codename, "-security") ||
         absl::EqualsIgnoreCase(r.label, "Debian-Security") ||
         absl::EqualsIgnoreCase(r.origin, "Debian-Security");
}

}  // namespace

absl::StatusOr<std::vector<InstalledPackage>> ReadDpkgStatus(const HostView& host) {
  std::vector<InstalledPackage> packages;
  absl::Status read = ForEachParagraphInFile(host, kStatus, [&](const Deb822Paragraph& p) {
    const auto status = p.Field("Status");
    const auto name = p.Field("Package");
    const auto version = p.Field("Version");
    if (!status || !name || !version || !HasInstalledVersion(*status)) return true;
    InstalledPackage package{.name = std::string(*name),
                             .arch = std::string(p.Field("Architecture").value_or("")),
                             .version = std::string(*version)};
    if (auto source = p.Field("Source")) {
      package.source =
          std::string(absl::StripAsciiWhitespace(source->substr(0, source->find('('))));
    }
    packages.push_back(std::move(package));
    return true;
  });
  if (!read.ok()) return read;
  return packages;
}

absl::StatusOr<AptState> LoadAptState(const HostView& host) {
  AptState state;
  if (absl::Status s = ReadInstalled(host, state); !s.ok()) return s;
  const AptConfig config = ReadAptConfig(host);
  if (auto it = config.find("apt::default-release"); it != config.end()) {
    state.default_release = it->second;
  }
  absl::StatusOr<std::vector<std::string>> names = host.ListDir(kLists);
  if (names.ok()) {
    std::vector<std::pair<std::string, const AptRelease*>> by_prefix;
    ReadReleases(host, *names, state, by_prefix);
    ReadAvailable(host, *names, by_prefix, state);
  } else if (!absl::IsNotFound(names.status())) {
    state.problems.push_back(std::string(names.status().message()));
  }
  ReadPreferences(host, state);
  return state;
}

std::optional<std::string> CandidateVersion(const AptState& state, const std::string& key) {
  const std::vector<AvailableVersion> versions = VersionsOf(state, key);
  const AvailableVersion* candidate = Candidate(state, PrioritiesOf(state), key, versions);
  if (candidate == nullptr) return std::nullopt;
  return candidate->version;
}

std::vector<AptUpgrade> PendingUpgrades(const AptState& state) {
  std::vector<AptUpgrade> upgrades;
  const FilePriorities priorities = PrioritiesOf(state);
  for (const auto& [key, package] : state.installed) {
    if (!state.available.count(key)) continue;
    const std::vector<AvailableVersion> versions = VersionsOf(state, key);
    const AvailableVersion* candidate = Candidate(state, priorities, key, versions);
    if (candidate == nullptr || CompareDebianVersions(candidate->version, package.version) <= 0) {
      continue;
    }
    AptUpgrade upgrade{.name = package.name,
                       .arch = package.arch,
                       .installed = package.version,
                       .candidate = candidate->version};
    for (const AptPackageFile* file : candidate->files) {
      if (file->is_status) continue;
      upgrade.security |= IsSecurity(*file);
      if (file->release != nullptr && !file->release->suite.empty() &&
          std::find(upgrade.suites.begin(), upgrade.suites.end(), file->release->suite) ==
              upgrade.suites.end()) {
        upgrade.suites.push_back(file->release->suite);
      }
    }
    upgrades.push_back(std::move(upgrade));
  }
  std::sort(upgrades.begin(), upgrades.end(), [](const AptUpgrade& a, const AptUpgrade& b) {
    return std::tie(a.name, a.arch) < std::tie(b.name, b.arch);
  });
  return upgrades;
}

}  // namespace candor::collectors
