#pragma once

// The policy model: which checks a device runs, how often, how important each is, and with
// which typed parameters. docs/policy.md documents every field.
//
// A policy is declarative: a closed catalog of collectors with typed, bounded values. It
// has no field that can run a command, name a script or a query, or ask for a file.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/catalog.h"
#include "config/yaml_tree.h"

namespace candor::config {

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
absl::string_view SeverityName(Severity severity);  // "info" ... "critical"

struct CheckSpec {
  std::string id;
  std::string collector;
  std::chrono::seconds interval{0};
  std::chrono::seconds splay{0};    // random spread added to each due time, 0..splay
  std::chrono::seconds timeout{0};  // a run longer than this is reported as ERROR
  Severity severity = Severity::kMedium;
  std::vector<Platform> platforms;  // where the check runs
  Params params;                    // every declared parameter, defaults filled in

  bool operator==(const CheckSpec&) const = default;
};

struct Policy {
  std::string name;
  std::string tenant;
  uint64_t version = 0;
  std::string notice;  // shown to employees: what is collected and why
  std::vector<CheckSpec> checks;
  // The YAML it was read from, byte for byte (what `candor-agent explain` shows); empty for
  // a policy built in code.
  std::string text;
};

// Bounds of the policy language.
inline constexpr std::chrono::seconds kMinInterval{10};
inline constexpr std::chrono::seconds kMaxInterval{30 * 86400};
inline constexpr std::chrono::seconds kMaxTimeout{3600};
inline constexpr std::chrono::seconds kDefaultTimeout{60};
inline constexpr size_t kMaxChecks = 2000;
inline constexpr size_t kMaxNoticeBytes = 4096;

// Validates a parsed policy against `catalog`. Every problem is reported in one status
// (kInvalidArgument), one per line: file:line:column: path: what was expected, what was found.
absl::StatusOr<Policy> ParsePolicy(const YamlNode& root, absl::string_view file_name,
                                   const CollectorCatalog& catalog);

// Reads, parses and validates a policy file (at most 256 KiB). Policy::text is set by this
// and by ParsePolicyText; ParsePolicy leaves it empty.
absl::StatusOr<Policy> LoadPolicyFile(const std::filesystem::path& path,
                                      const CollectorCatalog& catalog);

// One line for people: `valid policy "laptops" version 7, 12 checks`.
std::string DescribePolicy(const Policy& policy);

// The same from text already in memory (a policy received from the server, a fuzz input).
absl::StatusOr<Policy> ParsePolicyText(absl::string_view text, absl::string_view file_name,
                                       const CollectorCatalog& catalog);

}  // namespace candor::config
