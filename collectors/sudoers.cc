#include "collectors/sudoers.h"

#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace candor::collectors {
namespace {

// Joins continued lines and drops comments (but not #include directives, which we skip).
std::vector<std::string> LogicalLines(absl::string_view text) {
  std::vector<std::string> lines;
  std::string current;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    absl::string_view line = raw;
    const bool continued = absl::EndsWith(line, "\\");
    if (continued) line.remove_suffix(1);
    current.append(line.data(), line.size());
    if (continued) {
      current.push_back(' ');
      continue;
    }
    if (const size_t hash = current.find('#'); hash != std::string::npos) current.resize(hash);
    std::string stripped(absl::StripAsciiWhitespace(current));
    if (!stripped.empty()) lines.push_back(std::move(stripped));
    current.clear();
  }
  return lines;
}

std::vector<std::string> List(absl::string_view text) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

std::string CollapseAroundCommas(absl::string_view line) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if ((c == ' ' || c == '\t')) {
      size_t j = i;
      while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
      if (j < line.size() && line[j] == ',') {  // spaces before a comma
        i = j - 1;
        continue;
      }
      if (!out.empty() && out.back() == ',') {  // spaces after a comma
        i = j - 1;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

// "root ALL=(ALL:ALL) NOPASSWD: ALL" -> does the command part grant ALL?
bool GrantsAll(absl::string_view spec) {
  const size_t eq = spec.find('=');
  if (eq == absl::string_view::npos) return false;
  absl::string_view commands = spec.substr(eq + 1);
  for (absl::string_view part : absl::StrSplit(commands, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, "(")) {  // runas list
      const size_t close = part.find(')');
      part = close == absl::string_view::npos ? "" : part.substr(close + 1);
    }
    // Tags such as NOPASSWD: and SETENV: precede the command.
    while (true) {
      part = absl::StripAsciiWhitespace(part);
      const size_t colon = part.find(':');
      if (colon == absl::string_view::npos ||
          part.substr(0, colon).find(' ') != absl::string_view::npos ||
          part.substr(0, colon).empty() ||
          !absl::ascii_isupper(static_cast<unsigned char>(part[0]))) {
        break;
      }
      part.remove_prefix(colon + 1);
    }
    if (absl::StripAsciiWhitespace(part) == "ALL") return true;
  }
  return false;
}

}  // namespace

void ParseSudoers(absl::string_view text, SudoGrants& grants) {
  std::map<std::string, std::vector<std::string>> aliases;
  for (const std::string& line : LogicalLines(text)) {
    if (absl::StartsWith(line, "Defaults") || absl::StartsWith(line, "@include") ||
        absl::StartsWith(line, "Host_Alias") || absl::StartsWith(line, "Runas_Alias") ||
        absl::StartsWith(line, "Cmnd_Alias") || absl::StartsWith(line, "Cmd_Alias")) {
      continue;
    }
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "User_Alias")) {
      for (absl::string_view def : absl::StrSplit(rest, ':')) {
        const size_t eq = def.find('=');
        if (eq == absl::string_view::npos) continue;
        aliases[std::string(absl::StripAsciiWhitespace(def.substr(0, eq)))] =
            List(def.substr(eq + 1));
      }
      continue;
    }
    // "d, e ALL=..." : the user list may have spaces after its commas.
    const std::string spec = CollapseAroundCommas(line);
    const size_t space = spec.find_first_of(" \t");
    if (space == std::string::npos || !GrantsAll(absl::string_view(spec).substr(space))) continue;
    std::vector<std::string> who = List(absl::string_view(spec).substr(0, space));
    // Aliases expand in place; the bound stops an alias that names itself.
    for (size_t i = 0; i < who.size() && i < 1000; ++i) {
      const std::string name = who[i];
      if (auto alias = aliases.find(name); alias != aliases.end()) {
        who.insert(who.end(), alias->second.begin(), alias->second.end());
      } else if (absl::StartsWith(name, "%")) {
        grants.groups.insert(name.substr(1));
      } else if (name != "ALL" && !absl::StartsWith(name, "#") && !absl::StartsWith(name, "!")) {
        grants.users.insert(name);
      }
    }
  }
}

SudoGrants ReadSudoGrants(const HostView& host) {
  SudoGrants grants;
  if (auto text = host.ReadFile("/etc/sudoers", 1 << 20); text.ok()) ParseSudoers(*text, grants);
  if (auto names = host.ListDir("/etc/sudoers.d"); names.ok()) {
    for (const std::string& name : *names) {
      if (name.find('.') != std::string::npos || absl::EndsWith(name, "~")) continue;
      if (auto text = host.ReadFile("/etc/sudoers.d/" + name, 1 << 20); text.ok()) {
        ParseSudoers(*text, grants);
      }
    }
  }
  return grants;
}

}  // namespace candor::collectors
