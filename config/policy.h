#pragma once

// The policy model: which checks a device runs and how often. This is the v1 core
// (metadata and a list of checks); docs/policy.md documents every field.
//
// A policy is declarative: a closed catalog of collectors with typed values. It has no
// field that can run a command, name a script or ask for a file's contents.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/yaml_tree.h"

namespace candor::config {

struct CheckSpec {
  std::string id;
  std::string collector;
  std::chrono::seconds interval{0};
};

struct Policy {
  std::string name;
  std::string tenant;
  uint64_t version = 0;
  std::vector<CheckSpec> checks;
};

// Bounds the policy language puts on a check's interval.
inline constexpr std::chrono::seconds kMinInterval{10};
inline constexpr std::chrono::seconds kMaxInterval{30 * 86400};

// Validates a parsed policy. `collectors` is the catalog of collector ids the caller knows;
// any other collector is an error. Every problem is reported in one status.
absl::StatusOr<Policy> ParsePolicy(const YamlNode& root, absl::string_view file_name,
                                   const std::vector<std::string>& collectors);

absl::StatusOr<Policy> LoadPolicyFile(const std::filesystem::path& path,
                                      const std::vector<std::string>& collectors);

}  // namespace candor::config
