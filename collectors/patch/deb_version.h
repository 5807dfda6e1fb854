#pragma once

// Debian package versions, ordered exactly as dpkg orders them (deb-version(7)):
// [epoch:]upstream[-revision], compared epoch first (as a number), then upstream, then
// revision, each with dpkg's rule: alternating runs of non-digits (compared character by
// character, letters before other characters, '~' before everything, even the end) and
// digits (compared as numbers).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace candor::collectors {

struct DebianVersion {
  uint32_t epoch = 0;
  std::string upstream;
  std::string revision;  // "" when the version has none (compares like "0")

  std::string ToString() const;
};

// Parses with dpkg's checks: not empty, no spaces, a numeric epoch before the first ':',
// something after it, a revision after the last '-' that is not empty. (dpkg only warns
// about an upstream not starting with a digit or odd characters; so does not this.)
absl::StatusOr<DebianVersion> ParseDebianVersion(absl::string_view text);

// < 0, 0, > 0 as `a` sorts before, equal to, after `b`.
int CompareDebianVersions(const DebianVersion& a, const DebianVersion& b);

// Both texts parsed leniently (an unparsable text sorts as dpkg would compare its parts);
// for the hot path over package lists, where versions are well-formed.
int CompareDebianVersions(absl::string_view a, absl::string_view b);

}  // namespace candor::collectors
