#pragma once

// APT's configuration, as apt reads it: /etc/apt/apt.conf.d/* in name order (only the file
// names apt accepts), then /etc/apt/apt.conf. Both the flat form
// (APT::Periodic::Unattended-Upgrade "1";) and nested blocks (APT { Periodic { ... }; };)
// are understood; later assignments win. Keys are compared case-insensitively, as apt does.

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "collectors/host_view.h"

namespace candor::collectors {

// Lower-cased full key ("apt::periodic::unattended-upgrade") -> value.
using AptConfig = std::map<std::string, std::string>;

// Adds the assignments in `text` to `config`.
void ParseAptConf(absl::string_view text, AptConfig& config);

AptConfig ReadAptConfig(const HostView& host);

}  // namespace candor::collectors
