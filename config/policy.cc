#include "config/policy.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "config/diagnostics.h"
#include "config/map_reader.h"
#include "config/params.h"
#include "config/read_file.h"

namespace candor::config {
namespace {

using std::chrono::seconds;

constexpr absl::string_view kApiVersion = "candor/v1";
const std::vector<std::string> kSeverities = {"info", "low", "medium", "high", "critical"};
const std::vector<std::string> kPlatforms = {"linux", "windows", "macos"};

// Check ids appear in events, reports and file names.
bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

// Tenants match the tenant part of device certificates.
bool IsValidTenant(absl::string_view tenant) {
  if (tenant.empty() || tenant.size() > 64) return false;
  return std::all_of(tenant.begin(), tenant.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

// Schedule values a check inherits unless it sets its own.
struct Defaults {
  std::optional<seconds> interval;
  std::optional<seconds> splay;
  std::optional<seconds> timeout;
  std::optional<Severity> severity;
};

std::optional<Severity> ReadSeverity(MapReader& map, Diagnostics& diag) {
  const YamlNode* node = map.Get("severity", Presence::kOptional);
  if (node == nullptr) return std::nullopt;
  const std::string path = JoinPath(map.path(), "severity");
  if (node->kind != YamlNode::Kind::kScalar) {
    diag.Error(node->pos, path, absl::StrCat("expected a severity, got ", node->Describe()));
    return std::nullopt;
  }
  if (!CheckChoice(node->scalar, kSeverities, node->pos, path, diag)) return std::nullopt;
  const auto index = std::find(kSeverities.begin(), kSeverities.end(), node->scalar);
  return static_cast<Severity>(index - kSeverities.begin());
}

Defaults ReadDefaults(const YamlNode& node, Diagnostics& diag) {
  MapReader map(node, "defaults", diag);
  Defaults defaults;
  defaults.interval = map.Duration("interval", kMinInterval, kMaxInterval, Presence::kOptional);
  defaults.splay = map.Duration("splay", seconds(0), kMaxInterval, Presence::kOptional);
  defaults.timeout = map.Duration("timeout", seconds(1), kMaxTimeout, Presence::kOptional);
  defaults.severity = ReadSeverity(map, diag);
  map.Finish();
  return defaults;
}

std::optional<std::vector<Platform>> ReadPlatforms(MapReader& map, const CollectorSpec* collector,
                                                   Diagnostics& diag) {
  const YamlNode* node = map.Get("platforms", Presence::kOptional);
  if (node == nullptr) {
    if (collector == nullptr) return std::nullopt;
    return collector->platforms;
  }
  const std::string path = JoinPath(map.path(), "platforms");
  std::optional<std::vector<std::string>> names = ReadStringList(*node, path, 3, diag);
  if (!names) return std::nullopt;
  if (names->empty()) {
    diag.Error(node->pos, path, "expected at least one platform");
    return std::nullopt;
  }
  std::vector<Platform> platforms;
  for (size_t i = 0; i < names->size(); ++i) {
    const std::string item_path = IndexPath(path, i);
    if (!CheckChoice((*names)[i], kPlatforms, node->items[i].pos, item_path, diag)) {
      return std::nullopt;
    }
    const auto platform = static_cast<Platform>(
        std::find(kPlatforms.begin(), kPlatforms.end(), (*names)[i]) - kPlatforms.begin());
    if (collector != nullptr && std::find(collector->platforms.begin(), collector->platforms.end(),
                                          platform) == collector->platforms.end()) {
      diag.Error(node->items[i].pos, item_path,
                 absl::StrCat("collector \"", collector->id, "\" does not support ", (*names)[i]));
      return std::nullopt;
    }
    platforms.push_back(platform);
  }
  return platforms;
}

const CollectorSpec* ReadCollector(MapReader& check, const CollectorCatalog& catalog,
                                   Diagnostics& diag) {
  std::optional<std::string> id = check.String("collector", Presence::kRequired);
  if (!id) return nullptr;
  if (const CollectorSpec* spec = catalog.Find(*id)) return spec;
  const YamlNode* node = check.Get("collector", Presence::kRequired);
  const std::vector<std::string> ids = catalog.Ids();
  std::string message = absl::StrCat("unknown collector \"", *id, "\"");
  if (std::string near = NearestWord(*id, {ids.begin(), ids.end()}); !near.empty()) {
    absl::StrAppend(&message, "; did you mean \"", near, "\"?");
  }
  diag.Error(node->pos, JoinPath(check.path(), "collector"), message);
  return nullptr;
}

std::optional<CheckSpec> ReadCheck(const YamlNode& node, const std::string& path,
                                   const Defaults& defaults, const CollectorCatalog& catalog,
                                   std::set<std::string>& seen_ids, Diagnostics& diag) {
  const size_t errors_before = diag.errors().size();
  MapReader check(node, path, diag);
  CheckSpec spec;
  if (auto id = check.String("id", Presence::kRequired)) {
    const SourcePos pos = check.Get("id", Presence::kRequired)->pos;
    if (!IsValidId(*id)) {
      diag.Error(pos, JoinPath(path, "id"),
                 absl::StrCat("expected lower-case letters, digits, '_', '-' or '.' (at most "
                              "64), got \"",
                              *id, "\""));
    } else if (!seen_ids.insert(*id).second) {
      diag.Error(pos, JoinPath(path, "id"), absl::StrCat("duplicate check id \"", *id, "\""));
    }
    spec.id = *id;
  }
  const CollectorSpec* collector = ReadCollector(check, catalog, diag);
  if (collector != nullptr) spec.collector = collector->id;

  std::optional<seconds> interval =
      check.Duration("interval", kMinInterval, kMaxInterval, Presence::kOptional);
  if (!interval && check.Get("interval", Presence::kOptional) == nullptr) {
    interval = defaults.interval;
    if (!interval) {
      diag.Error(node.pos, JoinPath(path, "interval"), "required here or in defaults.interval");
    }
  }
  std::optional<seconds> splay =
      check.Duration("splay", seconds(0), kMaxInterval, Presence::kOptional);
  const YamlNode* splay_node = check.Get("splay", Presence::kOptional);
  if (!splay && splay_node == nullptr) splay = defaults.splay.value_or(seconds(0));
  std::optional<seconds> timeout =
      check.Duration("timeout", seconds(1), kMaxTimeout, Presence::kOptional);
  const YamlNode* timeout_node = check.Get("timeout", Presence::kOptional);
  if (interval && splay && *splay > *interval) {
    diag.Error(splay_node ? splay_node->pos : node.pos, JoinPath(path, "splay"),
               absl::StrCat("splay (", splay->count(), "s) must not exceed the interval (",
                            interval->count(), "s)"));
  }
  if (interval && timeout && *timeout > *interval) {
    diag.Error(timeout_node->pos, JoinPath(path, "timeout"),
               absl::StrCat("timeout (", timeout->count(), "s) must not exceed the interval (",
                            interval->count(), "s)"));
  }
  if (!timeout && timeout_node == nullptr && interval) {
    timeout = std::min(defaults.timeout.value_or(kDefaultTimeout), *interval);
  }
  const bool severity_given = check.Get("severity", Presence::kOptional) != nullptr;
  std::optional<Severity> severity = ReadSeverity(check, diag);
  if (!severity_given) severity = defaults.severity.value_or(Severity::kMedium);
  std::optional<std::vector<Platform>> platforms = ReadPlatforms(check, collector, diag);
  std::optional<Params> params;
  if (collector != nullptr) {
    params = ReadParams(check.Get("params", Presence::kOptional), JoinPath(path, "params"),
                        *collector, diag);
  } else {
    check.Get("params", Presence::kOptional);  // known key; its content needs the collector
  }
  check.Finish();

  if (diag.errors().size() != errors_before || !interval || !splay || !timeout || !severity ||
      !platforms || !params) {
    return std::nullopt;
  }
  spec.interval = *interval;
  spec.splay = *splay;
  spec.timeout = *timeout;
  spec.severity = *severity;
  spec.platforms = std::move(*platforms);
  spec.params = std::move(*params);
  return spec;
}

void ReadHeader(MapReader& top, Diagnostics& diag, Policy& policy) {
  for (const auto& [key, expected] :
       {std::pair<const char*, absl::string_view>{"apiVersion", kApiVersion}, {"kind", "Policy"}}) {
    const YamlNode* node = top.Get(key, Presence::kRequired);
    if (node != nullptr && (node->kind != YamlNode::Kind::kScalar || node->scalar != expected)) {
      diag.Error(node->pos, key,
                 absl::StrCat("expected \"", expected, "\", got ", node->Describe()));
    }
  }
  if (const YamlNode* meta = top.Get("metadata", Presence::kRequired)) {
    MapReader metadata(*meta, "metadata", diag);
    if (auto v = metadata.String("name", Presence::kRequired)) policy.name = *v;
    if (auto v = metadata.String("tenant", Presence::kRequired)) {
      if (!IsValidTenant(*v)) {
        diag.Error(metadata.Get("tenant", Presence::kRequired)->pos, "metadata.tenant",
                   absl::StrCat("expected letters, digits, '_', '-' or '.' (at most 64), got \"",
                                *v, "\""));
      }
      policy.tenant = *v;
    }
    if (auto v = metadata.Integer("version", 1, std::numeric_limits<int64_t>::max(),
                                  Presence::kRequired)) {
      policy.version = static_cast<uint64_t>(*v);
    }
    metadata.Finish();
  }
  if (auto notice = top.String("notice", Presence::kRequired)) {
    if (notice->size() > kMaxNoticeBytes) {
      diag.Error(
          top.Get("notice", Presence::kRequired)->pos, "notice",
          absl::StrCat("expected at most ", kMaxNoticeBytes, " bytes, got ", notice->size()));
    }
    policy.notice = *notice;
  }
}

}  // namespace

absl::string_view SeverityName(Severity severity) {
  return kSeverities[static_cast<size_t>(severity)];
}

absl::StatusOr<Policy> ParsePolicy(const YamlNode& root, absl::string_view file_name,
                                   const CollectorCatalog& catalog) {
  Diagnostics diag{std::string(file_name)};
  Policy policy;
  MapReader top(root, "", diag);
  ReadHeader(top, diag, policy);
  Defaults defaults;
  if (const YamlNode* node = top.Get("defaults", Presence::kOptional)) {
    defaults = ReadDefaults(*node, diag);
  }
  if (const YamlNode* checks = top.Get("checks", Presence::kRequired)) {
    if (checks->kind != YamlNode::Kind::kSequence || checks->items.empty()) {
      diag.Error(checks->pos, "checks",
                 absl::StrCat("expected a non-empty list of checks, got ", checks->Describe()));
    } else if (checks->items.size() > kMaxChecks) {
      diag.Error(
          checks->pos, "checks",
          absl::StrCat("expected at most ", kMaxChecks, " checks, got ", checks->items.size()));
    } else {
      std::set<std::string> seen_ids;
      for (size_t i = 0; i < checks->items.size(); ++i) {
        std::optional<CheckSpec> check =
            ReadCheck(checks->items[i], IndexPath("checks", i), defaults, catalog, seen_ids, diag);
        if (check) policy.checks.push_back(std::move(*check));
      }
    }
  }
  top.Finish();
  if (!diag.ok()) return diag.ToStatus();
  return policy;
}

std::string DescribePolicy(const Policy& policy) {
  return absl::StrCat("valid policy \"", policy.name, "\" version ", policy.version, ", ",
                      policy.checks.size(), policy.checks.size() == 1 ? " check" : " checks");
}

absl::StatusOr<Policy> LoadPolicyFile(const std::filesystem::path& path,
                                      const CollectorCatalog& catalog) {
  absl::StatusOr<std::string> text = ReadBoundedFile(path, YamlLimits().max_bytes);
  if (!text.ok()) return text.status();
  return ParsePolicyText(*text, path.string(), catalog);
}

absl::StatusOr<Policy> ParsePolicyText(absl::string_view text, absl::string_view file_name,
                                       const CollectorCatalog& catalog) {
  absl::StatusOr<YamlNode> root = ParseYaml(text, file_name);
  if (!root.ok()) return root.status();
  absl::StatusOr<Policy> policy = ParsePolicy(*root, file_name, catalog);
  if (policy.ok()) policy->text = std::string(text);
  return policy;
}

}  // namespace candor::config
