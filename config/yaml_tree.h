#pragma once

// Strict YAML loading shared by every Candor file (policy, agent and server config).
//
// Candor files are small, hand-written and security relevant, so the loader accepts only a
// plain subset of YAML: one document, UTF-8 without BOM or NUL bytes, bounded size and
// nesting, string keys, and no anchors, aliases or tags (alias bombs and type confusion).
// The result is a tree that keeps every node's line and column for error messages.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/diagnostics.h"

namespace candor::config {

struct YamlLimits {
  size_t max_bytes = 256 * 1024;
  int max_depth = 16;
};

struct YamlMapEntry;

// One node of a parsed file. A plain value type; not thread-safe to mutate.
struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  SourcePos pos;
  std::string scalar;                 // kScalar only
  bool quoted = false;                // kScalar: written in quotes, so never a number or boolean
  std::vector<YamlNode> items;        // kSequence
  std::vector<YamlMapEntry> entries;  // kMap, in file order, keys unique

  // "a mapping", "a list", "nothing" or the scalar in quotes: for "expected X, got Y".
  std::string Describe() const;
};

struct YamlMapEntry {
  std::string key;
  SourcePos key_pos;
  YamlNode value;
};

// Parses `text`, naming `file_name` in errors. Every rule violation found is reported.
absl::StatusOr<YamlNode> ParseYaml(absl::string_view text, absl::string_view file_name,
                                   const YamlLimits& limits = {});

// Reads `path` (refusing files over limits.max_bytes before reading them) and parses it.
// Errors name the path as given.
absl::StatusOr<YamlNode> LoadYamlFile(const std::filesystem::path& path,
                                      const YamlLimits& limits = {});

}  // namespace candor::config
