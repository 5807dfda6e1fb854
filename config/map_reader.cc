#include "config/map_reader.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace candor::config {
namespace {

std::optional<int64_t> ParseInt(absl::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string JoinPath(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

std::string IndexPath(absl::string_view path, size_t index) {
  return absl::StrCat(path, "[", index, "]");
}

std::optional<std::chrono::seconds> ParseDuration(absl::string_view text) {
  if (text.size() < 2) return std::nullopt;
  const std::optional<int64_t> number = ParseInt(text.substr(0, text.size() - 1));
  if (!number || *number < 0 || text[0] == '+' || text[0] == '-') return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  if (*number > std::numeric_limits<int64_t>::max() / unit) return std::nullopt;
  return std::chrono::seconds(*number * unit);
}

MapReader::MapReader(const YamlNode& node, std::string path, Diagnostics& diag)
    : node_(node), path_(std::move(path)), diag_(diag), is_map_(node.kind == YamlNode::Kind::kMap) {
  if (!is_map_) {
    diag_.Error(node.pos, path_, absl::StrCat("expected a mapping, got ", node.Describe()));
  }
}

const YamlNode* MapReader::Get(absl::string_view key, Presence presence) {
  asked_.push_back(key);
  if (!is_map_) return nullptr;
  for (const YamlMapEntry& entry : node_.entries) {
    if (entry.key == key) return &entry.value;
  }
  if (presence == Presence::kRequired) {
    diag_.Error(node_.pos, JoinPath(path_, key), "required key is missing");
  }
  return nullptr;
}

std::optional<std::string> MapReader::String(absl::string_view key, Presence presence) {
  const YamlNode* value = Get(key, presence);
  if (value == nullptr) return std::nullopt;
  if (value->kind != YamlNode::Kind::kScalar || value->scalar.empty()) {
    diag_.Error(value->pos, JoinPath(path_, key),
                absl::StrCat("expected a non-empty string, got ", value->Describe()));
    return std::nullopt;
  }
  return value->scalar;
}

std::optional<int64_t> MapReader::Integer(absl::string_view key, int64_t min, int64_t max,
                                          Presence presence) {
  const YamlNode* value = Get(key, presence);
  if (value == nullptr) return std::nullopt;
  std::optional<int64_t> number;
  if (value->kind == YamlNode::Kind::kScalar && !value->quoted) number = ParseInt(value->scalar);
  if (!number) {
    diag_.Error(value->pos, JoinPath(path_, key),
                absl::StrCat("expected a whole number, got ", value->Describe()));
    return std::nullopt;
  }
  if (*number < min || *number > max) {
    diag_.Error(value->pos, JoinPath(path_, key),
                absl::StrCat("expected a number from ", min, " to ", max, ", got ", *number));
    return std::nullopt;
  }
  return number;
}

std::optional<bool> MapReader::Bool(absl::string_view key, Presence presence) {
  const YamlNode* value = Get(key, presence);
  if (value == nullptr) return std::nullopt;
  if (value->kind == YamlNode::Kind::kScalar && !value->quoted) {
    if (value->scalar == "true") return true;
    if (value->scalar == "false") return false;
  }
  diag_.Error(value->pos, JoinPath(path_, key),
              absl::StrCat("expected true or false, got ", value->Describe()));
  return std::nullopt;
}

std::optional<std::chrono::seconds> MapReader::Duration(absl::string_view key,
                                                        std::chrono::seconds min,
                                                        std::chrono::seconds max,
                                                        Presence presence) {
  const YamlNode* value = Get(key, presence);
  if (value == nullptr) return std::nullopt;
  std::optional<std::chrono::seconds> duration;
  if (value->kind == YamlNode::Kind::kScalar) duration = ParseDuration(value->scalar);
  if (!duration) {
    diag_.Error(value->pos, JoinPath(path_, key),
                absl::StrCat("expected a duration like \"15m\" (units s, m, h, d), got ",
                             value->Describe()));
    return std::nullopt;
  }
  if (*duration < min || *duration > max) {
    diag_.Error(value->pos, JoinPath(path_, key),
                absl::StrCat("expected a duration from ", min.count(), "s to ", max.count(),
                             "s, got ", value->scalar));
    return std::nullopt;
  }
  return duration;
}

std::optional<std::filesystem::path> MapReader::Path(absl::string_view key,
                                                     const std::filesystem::path& base,
                                                     Presence presence) {
  std::optional<std::string> value = String(key, presence);
  if (!value) return std::nullopt;
  const std::filesystem::path path(*value);
  return path.is_absolute() ? path : base / path;
}

std::optional<HostPort> MapReader::Address(absl::string_view key, absl::string_view example,
                                           bool allow_port_zero, Presence presence) {
  const YamlNode* value = Get(key, presence);
  if (value == nullptr) return std::nullopt;
  std::optional<HostPort> address;
  if (value->kind == YamlNode::Kind::kScalar) address = ParseHostPort(value->scalar);
  if (!address || (address->port == 0 && !allow_port_zero)) {
    diag_.Error(value->pos, JoinPath(path_, key),
                absl::StrCat("expected host:port like \"", example, "\", got ", value->Describe()));
    return std::nullopt;
  }
  return address;
}

void MapReader::Finish() {
  if (!is_map_) return;
  for (const YamlMapEntry& entry : node_.entries) {
    if (std::find(asked_.begin(), asked_.end(), entry.key) != asked_.end()) continue;
    std::string message = absl::StrCat("unknown key \"", entry.key, "\"");
    if (std::string near = NearestWord(entry.key, asked_); !near.empty()) {
      absl::StrAppend(&message, "; did you mean \"", near, "\"?");
    }
    diag_.Error(entry.key_pos, JoinPath(path_, entry.key), message);
  }
}

}  // namespace candor::config
