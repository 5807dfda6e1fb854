#include "config/params.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/map_reader.h"

namespace candor::config {
namespace {

constexpr size_t kMaxItemBytes = 256;

bool HasControlCharacters(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string RangeText(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::kDuration:
      return absl::StrCat(spec.min, "s to ", spec.max, "s");
    case ParamType::kString:
      return absl::StrCat(spec.min, " to ", spec.max, " characters");
    case ParamType::kStringList:
    case ParamType::kRecordList:
      return absl::StrCat(spec.min, " to ", spec.max, " items");
    default:
      return absl::StrCat(spec.min, " to ", spec.max);
  }
}

std::optional<ParamValue> ReadValue(const YamlNode& node, const std::string& path,
                                    const ParamSpec& spec, Diagnostics& diag) {
  const bool plain = node.kind == YamlNode::Kind::kScalar && !node.quoted;
  switch (spec.type) {
    case ParamType::kBool:
      if (plain && (node.scalar == "true" || node.scalar == "false")) return node.scalar == "true";
      diag.Error(node.pos, path, absl::StrCat("expected true or false, got ", node.Describe()));
      return std::nullopt;
    case ParamType::kInteger: {
      int64_t value = 0;
      const bool parsed = plain && absl::SimpleAtoi(node.scalar, &value);
      if (!parsed || value < spec.min || value > spec.max) {
        diag.Error(node.pos, path,
                   absl::StrCat("expected a whole number from ", RangeText(spec), ", got ",
                                node.Describe()));
        return std::nullopt;
      }
      return value;
    }
    case ParamType::kDuration: {
      std::optional<std::chrono::seconds> value;
      if (node.kind == YamlNode::Kind::kScalar) value = ParseDuration(node.scalar);
      if (!value || value->count() < spec.min || value->count() > spec.max) {
        diag.Error(node.pos, path,
                   absl::StrCat("expected a duration from ", RangeText(spec), " like \"15m\", got ",
                                node.Describe()));
        return std::nullopt;
      }
      return *value;
    }
    case ParamType::kString: {
      if (node.kind != YamlNode::Kind::kScalar || HasControlCharacters(node.scalar) ||
          static_cast<int64_t>(node.scalar.size()) < spec.min ||
          static_cast<int64_t>(node.scalar.size()) > spec.max) {
        diag.Error(
            node.pos, path,
            absl::StrCat("expected a string of ", RangeText(spec), ", got ", node.Describe()));
        return std::nullopt;
      }
      if (!CheckChoice(node.scalar, spec.choices, node.pos, path, diag)) return std::nullopt;
      return node.scalar;
    }
    case ParamType::kStringList: {
      std::optional<std::vector<std::string>> items =
          ReadStringList(node, path, static_cast<size_t>(spec.max), diag);
      if (!items) return std::nullopt;
      if (static_cast<int64_t>(items->size()) < spec.min) {
        diag.Error(node.pos, path,
                   absl::StrCat("expected ", RangeText(spec), ", got ", items->size()));
        return std::nullopt;
      }
      for (size_t i = 0; i < items->size(); ++i) {
        if (!CheckChoice((*items)[i], spec.choices, node.items[i].pos, IndexPath(path, i), diag)) {
          return std::nullopt;
        }
      }
      return *items;
    }
    case ParamType::kRecordList: {
      if (node.kind != YamlNode::Kind::kSequence ||
          static_cast<int64_t>(node.items.size()) < spec.min ||
          static_cast<int64_t>(node.items.size()) > spec.max) {
        diag.Error(node.pos, path,
                   absl::StrCat("expected a list of ", RangeText(spec), ", got ",
                                node.kind == YamlNode::Kind::kSequence
                                    ? absl::StrCat(node.items.size(), " items")
                                    : node.Describe()));
        return std::nullopt;
      }
      std::vector<ParamRecord> records;
      std::set<std::string> ids;
      bool ok = true;
      for (size_t i = 0; i < node.items.size(); ++i) {
        std::optional<ParamRecord> record =
            ReadRecord(node.items[i], IndexPath(path, i), spec.fields, diag);
        if (!record) {
          ok = false;
        } else if (!ids.insert(record->id).second) {
          diag.Error(node.items[i].pos, IndexPath(path, i),
                     absl::StrCat("\"", record->id, "\" is listed twice"));
          ok = false;
        } else {
          records.push_back(std::move(*record));
        }
      }
      if (!ok) return std::nullopt;
      return records;
    }
  }
  return std::nullopt;
}

// "games:steam": a lowercase category, a colon, a lowercase name.
bool IsRecordId(const std::string& id) {
  const size_t colon = id.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= id.size() || id.size() > 64) {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool base = absl::ascii_islower(static_cast<unsigned char>(c)) ||
                      absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-';
    if (i == colon) continue;
    if (i < colon ? !base : !(base || c == '.' || c == '_' || c == '+')) return false;
  }
  return id.find(':', colon + 1) == std::string::npos;
}

// A name to compare with what the host lists: no path separators, no control characters,
// no surrounding spaces, not "." or "..".
bool IsPlainName(const std::string& name) {
  return name != "." && name != ".." && name.find_first_of("/\\") == std::string::npos &&
         !HasControlCharacters(name) && name.front() != ' ' && name.back() != ' ';
}

}  // namespace

std::optional<ParamRecord> ReadRecord(const YamlNode& node, const std::string& path,
                                      const std::vector<std::string>& fields, Diagnostics& diag) {
  MapReader reader(node, path, diag);
  if (!reader.is_map()) return std::nullopt;
  const size_t errors_before = diag.errors().size();
  ParamRecord record;
  if (std::optional<std::string> id = reader.String("id", Presence::kRequired)) {
    if (IsRecordId(*id)) {
      record.id = *id;
    } else {
      diag.Error(reader.Get("id", Presence::kOptional)->pos, JoinPath(path, "id"),
                 absl::StrCat("expected \"<category>:<name>\" in lowercase letters, digits and "
                              "-._+ (at most 64 characters), got \"",
                              *id, "\""));
    }
  }
  for (const std::string& field : fields) {
    const YamlNode* value = reader.Get(field, Presence::kOptional);
    if (value == nullptr) continue;
    const std::string field_path = JoinPath(path, field);
    std::optional<std::vector<std::string>> names = ReadStringList(*value, field_path, 32, diag);
    if (!names) continue;
    for (size_t i = 0; i < names->size(); ++i) {
      if (!IsPlainName((*names)[i])) {
        diag.Error(value->items[i].pos, IndexPath(field_path, i),
                   absl::StrCat("expected a plain name (no / or \\, no surrounding spaces), got \"",
                                (*names)[i], "\""));
      }
    }
    record.lists[field] = std::move(*names);
  }
  reader.Finish();
  if (diag.errors().size() != errors_before) return std::nullopt;
  return record;
}

bool CheckChoice(const std::string& value, const std::vector<std::string>& choices, SourcePos pos,
                 const std::string& path, Diagnostics& diag) {
  if (choices.empty() || std::find(choices.begin(), choices.end(), value) != choices.end()) {
    return true;
  }
  std::string message =
      absl::StrCat("expected one of ", absl::StrJoin(choices, ", "), ", got \"", value, "\"");
  std::vector<absl::string_view> names(choices.begin(), choices.end());
  if (std::string near = NearestWord(value, names); !near.empty()) {
    absl::StrAppend(&message, "; did you mean \"", near, "\"?");
  }
  diag.Error(pos, path, message);
  return false;
}

std::optional<std::vector<std::string>> ReadStringList(const YamlNode& node,
                                                       const std::string& path, size_t max_items,
                                                       Diagnostics& diag) {
  if (node.kind != YamlNode::Kind::kSequence) {
    diag.Error(node.pos, path, absl::StrCat("expected a list, got ", node.Describe()));
    return std::nullopt;
  }
  if (node.items.size() > max_items) {
    diag.Error(node.pos, path,
               absl::StrCat("expected at most ", max_items, " items, got ", node.items.size()));
    return std::nullopt;
  }
  std::vector<std::string> items;
  std::set<std::string> seen;
  bool ok = true;
  for (size_t i = 0; i < node.items.size(); ++i) {
    const YamlNode& item = node.items[i];
    const std::string item_path = IndexPath(path, i);
    if (item.kind != YamlNode::Kind::kScalar || item.scalar.empty() ||
        item.scalar.size() > kMaxItemBytes || HasControlCharacters(item.scalar)) {
      diag.Error(item.pos, item_path,
                 absl::StrCat("expected a string of 1 to ", kMaxItemBytes, " characters, got ",
                              item.Describe()));
      ok = false;
    } else if (!seen.insert(item.scalar).second) {
      diag.Error(item.pos, item_path, absl::StrCat("\"", item.scalar, "\" is listed twice"));
      ok = false;
    } else {
      items.push_back(item.scalar);
    }
  }
  if (!ok) return std::nullopt;
  return items;
}

std::optional<Params> ReadParams(const YamlNode* node, const std::string& path,
                                 const CollectorSpec& collector, Diagnostics& diag) {
  Params params;
  for (const ParamSpec& spec : collector.params) params[spec.name] = spec.default_value;
  if (node == nullptr) return params;
  if (collector.params.empty() && node->kind == YamlNode::Kind::kMap && node->entries.empty()) {
    return params;
  }
  MapReader reader(*node, path, diag);
  bool ok = reader.is_map();
  for (const ParamSpec& spec : collector.params) {
    const YamlNode* value = reader.Get(spec.name, Presence::kOptional);
    if (value == nullptr) continue;
    std::optional<ParamValue> parsed = ReadValue(*value, JoinPath(path, spec.name), spec, diag);
    if (parsed) {
      params[spec.name] = std::move(*parsed);
    } else {
      ok = false;
    }
  }
  const size_t errors_before = diag.errors().size();
  reader.Finish();
  if (diag.errors().size() != errors_before) ok = false;
  if (!ok) return std::nullopt;
  return params;
}

}  // namespace candor::config
