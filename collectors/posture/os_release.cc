#include "collectors/posture/os_release.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace candor::collectors::posture {
namespace {

bool IsKey(absl::string_view key) {
  if (key.empty() || absl::ascii_isdigit(static_cast<unsigned char>(key[0]))) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// Unquotes a value: "..." with backslash escapes for \" \\ \$ \`, '...' literal, or bare.
std::optional<std::string> Unquote(absl::string_view raw) {
  if (raw.empty()) return std::string();
  const char quote = raw.front();
  if (quote != '"' && quote != '\'') {
    for (char c : raw) {
      if (c == '"' || c == '\'' || c == '\\' || absl::ascii_isspace(static_cast<unsigned char>(c)))
        return std::nullopt;
    }
    return std::string(raw);
  }
  if (raw.size() < 2 || raw.back() != quote) return std::nullopt;
  const absl::string_view body = raw.substr(1, raw.size() - 2);
  std::string value;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (quote == '"' && c == '\\' && i + 1 < body.size()) {
      const char next = body[i + 1];
      if (next == '"' || next == '\\' || next == '$' || next == '`') {
        c = next;
        ++i;
      }
    } else if (c == quote) {
      return std::nullopt;  // an unescaped quote inside the value
    }
    value.push_back(c);
  }
  return value;
}

}  // namespace

std::map<std::string, std::string> ParseOsRelease(absl::string_view text) {
  std::map<std::string, std::string> fields;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    const absl::string_view key = line.substr(0, eq);
    if (!IsKey(key)) continue;
    if (std::optional<std::string> value = Unquote(line.substr(eq + 1))) {
      fields[std::string(key)] = std::move(*value);
    }
  }
  return fields;
}

absl::StatusOr<std::map<std::string, std::string>> ReadOsRelease(const HostView& host) {
  absl::StatusOr<std::string> text = host.ReadFile("/etc/os-release", 64 * 1024);
  if (absl::IsNotFound(text.status())) text = host.ReadFile("/usr/lib/os-release", 64 * 1024);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("cannot read the OS release file: ", text.status().message()));
  }
  return ParseOsRelease(*text);
}

}  // namespace candor::collectors::posture
