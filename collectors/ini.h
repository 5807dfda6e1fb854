#pragma once

// A forgiving reader for the INI-style files desktop software keeps its settings in (GDM's
// custom.conf, LightDM, SDDM, KDE, NetworkManager): [section] headers, key=value lines,
// '#' and ';' comments. Later values win, as in those programs.

#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace candor::collectors {

// section -> key -> value; keys before any section are under "".
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

IniFile ParseIni(absl::string_view text);

// Merges `later` over `earlier` (drop-in directories: later files override).
void MergeIni(IniFile& earlier, const IniFile& later);

// "true", "yes", "on" or "1", in any case.
bool IniTrue(absl::string_view value);

}  // namespace candor::collectors
