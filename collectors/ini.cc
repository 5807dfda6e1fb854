#include "collectors/ini.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace candor::collectors {

IniFile ParseIni(absl::string_view text) {
  IniFile ini;
  std::string section;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      const size_t end = line.find(']');
      if (end != absl::string_view::npos) section = std::string(line.substr(1, end - 1));
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    const std::string key(absl::StripAsciiWhitespace(line.substr(0, eq)));
    if (key.empty()) continue;
    ini[section][key] = std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
  }
  return ini;
}

void MergeIni(IniFile& earlier, const IniFile& later) {
  for (const auto& [section, keys] : later) {
    for (const auto& [key, value] : keys) earlier[section][key] = value;
  }
}

bool IniTrue(absl::string_view value) {
  const std::string lower = absl::AsciiStrToLower(value);
  return lower == "true" || lower == "yes" || lower == "on" || lower == "1";
}

}  // namespace candor::collectors
