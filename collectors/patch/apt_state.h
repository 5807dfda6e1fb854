#pragma once

// What apt knows on a Debian or Ubuntu host, read from its files the way apt reads them,
// and the candidate version apt would pick for each installed package:
//   installed   /var/lib/dpkg/status
//   available   /var/lib/apt/lists/*_Packages[.lz4|.gz], each with the InRelease or
//               Release file of its suite (Origin, Label, Suite, Codename, NotAutomatic,
//               ButAutomaticUpgrades)
//   pins        /etc/apt/preferences and /etc/apt/preferences.d/*, APT::Default-Release
// Candidate selection follows apt's policy (apt_preferences(5)): priority 500 for a normal
// suite, 1 for NotAutomatic, 100 for NotAutomatic with ButAutomaticUpgrades, 990 for the
// default release, 100 for the installed version; pins override; versions below the
// installed one are never candidates unless a pin of 1000 or more asks for it.
// No network, no resolver, nothing run.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "collectors/host_view.h"

namespace candor::collectors {

struct AptRelease {
  std::string file;  // host path of the InRelease/Release file
  std::string site;  // host name the suite comes from ("deb.debian.org")
  std::string origin, label, suite, codename, version;
  bool not_automatic = false;
  bool but_automatic_upgrades = false;
};

struct AptPackageFile {
  std::string path;                     // host path of the Packages list
  const AptRelease* release = nullptr;  // null for a list without a Release file
  std::string component;                // "main"
  bool is_status = false;               // the dpkg status file (the installed versions)
};

struct AptPin {
  enum class Kind { kVersion, kRelease, kOrigin };
  std::vector<std::string> packages;  // names, globs or /regex/; empty: every package
  Kind kind = Kind::kRelease;
  std::string data;  // after the kind word: "a=stable,o=Debian", "1.2*", "deb.example.org"
  int priority = 0;
  std::string source;  // file it came from, for messages
};

struct InstalledPackage {
  std::string name;
  std::string arch;  // "all" is reported as the native architecture
  std::string version;
  std::string source;  // source package name (for kernels)
};

struct AvailableVersion {
  std::string version;
  std::vector<const AptPackageFile*> files;  // every list carrying it
};

struct AptState {
  std::string native_arch;
  // Keyed "name:arch".
  std::map<std::string, InstalledPackage> installed;
  std::unordered_map<std::string, std::vector<AvailableVersion>> available;
  std::vector<std::unique_ptr<AptRelease>> releases;
  std::vector<std::unique_ptr<AptPackageFile>> files;
  std::vector<AptPin> pins;
  std::string default_release;  // APT::Default-Release
  // Newest modification time of the Release files: when apt last updated its lists.
  std::optional<std::chrono::system_clock::time_point> lists_updated;
  // Lists or preferences that could not be read, with the reason.
  std::vector<std::string> problems;
};

// The packages dpkg has an installed version of, in the status file's order, architecture
// as written ("all" not yet resolved). kNotFound when the host has no dpkg status file.
absl::StatusOr<std::vector<InstalledPackage>> ReadDpkgStatus(const HostView& host);

// kNotFound when the host has no dpkg status file.
absl::StatusOr<AptState> LoadAptState(const HostView& host);

struct AptUpgrade {
  std::string name;
  std::string arch;
  std::string installed;
  std::string candidate;
  bool security = false;
  std::vector<std::string> suites;  // the suites carrying the candidate, e.g. "bookworm-security"
};

// The candidate apt would pick for `key` ("name:arch"), or nullopt when it has none.
std::optional<std::string> CandidateVersion(const AptState& state, const std::string& key);

// Installed packages whose candidate is newer than the installed version, by name, as
// `apt list --upgradable` lists them.
std::vector<AptUpgrade> PendingUpgrades(const AptState& state);

}  // namespace candor::collectors
