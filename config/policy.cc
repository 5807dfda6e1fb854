#include "config/policy.h"

#include <algorithm>
#include <limits>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "config/diagnostics.h"
#include "config/map_reader.h"

namespace candor::config {
namespace {

constexpr absl::string_view kApiVersion = "candor/v1";

// Ids appear in events, reports and file names: lower-case letters, digits, '_', '-', '.'.
bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

void ReadCheck(const YamlNode& node, const std::string& path,
               const std::vector<std::string>& collectors, std::set<std::string>& seen_ids,
               Diagnostics& diag, Policy& policy) {
  MapReader check(node, path, diag);
  CheckSpec spec;
  bool ok = check.is_map();
  if (auto id = check.String("id", Presence::kRequired)) {
    const YamlNode* id_node = check.Get("id", Presence::kRequired);
    if (!IsValidId(*id)) {
      diag.Error(id_node->pos, JoinPath(path, "id"),
                 absl::StrCat("expected lower-case letters, digits, '_', '-' or '.' "
                              "(at most 64), got \"",
                              *id, "\""));
      ok = false;
    } else if (!seen_ids.insert(*id).second) {
      diag.Error(id_node->pos, JoinPath(path, "id"),
                 absl::StrCat("duplicate check id \"", *id, "\""));
      ok = false;
    }
    spec.id = *id;
  } else {
    ok = false;
  }
  if (auto collector = check.String("collector", Presence::kRequired)) {
    if (std::find(collectors.begin(), collectors.end(), *collector) == collectors.end()) {
      const YamlNode* at = check.Get("collector", Presence::kRequired);
      std::string message = absl::StrCat("unknown collector \"", *collector, "\"");
      std::vector<absl::string_view> names(collectors.begin(), collectors.end());
      if (std::string near = NearestWord(*collector, names); !near.empty()) {
        absl::StrAppend(&message, "; did you mean \"", near, "\"?");
      }
      diag.Error(at->pos, JoinPath(path, "collector"), message);
      ok = false;
    }
    spec.collector = *collector;
  } else {
    ok = false;
  }
  if (auto interval = check.Duration("interval", kMinInterval, kMaxInterval, Presence::kRequired)) {
    spec.interval = *interval;
  } else {
    ok = false;
  }
  check.Finish();
  if (ok) policy.checks.push_back(std::move(spec));
}

}  // namespace

absl::StatusOr<Policy> ParsePolicy(const YamlNode& root, absl::string_view file_name,
                                   const std::vector<std::string>& collectors) {
  Diagnostics diag{std::string(file_name)};
  Policy policy;
  MapReader top(root, "", diag);
  if (const YamlNode* api = top.Get("apiVersion", Presence::kRequired)) {
    if (api->kind != YamlNode::Kind::kScalar || api->scalar != kApiVersion) {
      diag.Error(api->pos, "apiVersion",
                 absl::StrCat("expected \"", kApiVersion, "\", got ", api->Describe()));
    }
  }
  if (const YamlNode* kind = top.Get("kind", Presence::kRequired)) {
    if (kind->kind != YamlNode::Kind::kScalar || kind->scalar != "Policy") {
      diag.Error(kind->pos, "kind", absl::StrCat("expected \"Policy\", got ", kind->Describe()));
    }
  }
  if (const YamlNode* meta = top.Get("metadata", Presence::kRequired)) {
    MapReader metadata(*meta, "metadata", diag);
    if (auto v = metadata.String("name", Presence::kRequired)) policy.name = *v;
    if (auto v = metadata.String("tenant", Presence::kRequired)) policy.tenant = *v;
    if (auto v = metadata.Integer("version", 1, std::numeric_limits<int64_t>::max(),
                                  Presence::kRequired)) {
      policy.version = static_cast<uint64_t>(*v);
    }
    metadata.Finish();
  }
  if (const YamlNode* checks = top.Get("checks", Presence::kRequired)) {
    if (checks->kind != YamlNode::Kind::kSequence || checks->items.empty()) {
      diag.Error(checks->pos, "checks",
                 absl::StrCat("expected a non-empty list of checks, got ", checks->Describe()));
    } else {
      std::set<std::string> seen_ids;
      for (size_t i = 0; i < checks->items.size(); ++i) {
        ReadCheck(checks->items[i], IndexPath("checks", i), collectors, seen_ids, diag, policy);
      }
    }
  }
  top.Finish();
  if (!diag.ok()) return diag.ToStatus();
  return policy;
}

absl::StatusOr<Policy> LoadPolicyFile(const std::filesystem::path& path,
                                      const std::vector<std::string>& collectors) {
  absl::StatusOr<YamlNode> root = LoadYamlFile(path);
  if (!root.ok()) return root.status();
  return ParsePolicy(*root, path.string(), collectors);
}

}  // namespace candor::config
