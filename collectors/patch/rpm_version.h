#pragma once

// RPM version order, as rpm's rpmvercmp() and EVR comparison define it: a version is split
// into runs of digits and runs of letters (anything else only separates), digit runs
// compare as numbers and beat letter runs, '~' sorts before everything (even the end) and
// '^' after the end but before anything else. An EVR compares epoch (a number, missing =
// 0), then version, then release.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace candor::collectors {

// < 0, 0, > 0 as `a` sorts before, equal to, after `b`.
int RpmVerCmp(absl::string_view a, absl::string_view b);

struct RpmEvr {
  uint64_t epoch = 0;
  std::string version;
  std::string release;
};

int CompareRpmEvr(const RpmEvr& a, const RpmEvr& b);

}  // namespace candor::collectors
