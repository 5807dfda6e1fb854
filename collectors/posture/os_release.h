#pragma once

// Parser for os-release(5): KEY=value lines, values optionally quoted shell-style.

#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace candor::collectors::posture {

// Returns every well-formed assignment; malformed lines are skipped, as systemd does.
std::map<std::string, std::string> ParseOsRelease(absl::string_view text);

}  // namespace candor::collectors::posture
