#pragma once

// Parser for os-release(5): KEY=value lines, values optionally quoted shell-style.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "collectors/host_view.h"

namespace candor::collectors::posture {

// Returns every well-formed assignment; malformed lines are skipped, as systemd does.
std::map<std::string, std::string> ParseOsRelease(absl::string_view text);

// The host's os-release: /etc/os-release, else /usr/lib/os-release (os-release(5)).
// The error reads "cannot read the OS release file: ..." for a result's reason.
absl::StatusOr<std::map<std::string, std::string>> ReadOsRelease(const HostView& host);

}  // namespace candor::collectors::posture
