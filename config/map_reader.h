#pragma once

// Typed, strict access to one YAML mapping. Every key a loader asks for is remembered, so
// Finish() can report the keys nobody asked for as unknown, with the nearest known key.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/diagnostics.h"
#include "config/host_port.h"
#include "config/yaml_tree.h"

namespace candor::config {

enum class Presence { kOptional, kRequired };

// "path.key", or "key" at the top level.
std::string JoinPath(absl::string_view path, absl::string_view key);
// "path[index]".
std::string IndexPath(absl::string_view path, size_t index);

// Parses "30s", "15m", "6h", "1d": a whole number and one unit.
std::optional<std::chrono::seconds> ParseDuration(absl::string_view text);

// Reads one mapping node. Not thread-safe; lives for one loader call. The node and the
// diagnostics must outlive the reader.
class MapReader {
 public:
  // Reports "expected a mapping" when `node` is not one; all getters then return nullopt.
  MapReader(const YamlNode& node, std::string path, Diagnostics& diag);

  bool is_map() const { return is_map_; }
  const std::string& path() const { return path_; }

  // The value under `key`, or nullptr (reporting it when required).
  const YamlNode* Get(absl::string_view key, Presence presence);

  std::optional<std::string> String(absl::string_view key, Presence presence);
  std::optional<int64_t> Integer(absl::string_view key, int64_t min, int64_t max,
                                 Presence presence);
  std::optional<bool> Bool(absl::string_view key, Presence presence);
  std::optional<std::chrono::seconds> Duration(absl::string_view key, std::chrono::seconds min,
                                               std::chrono::seconds max, Presence presence);

  // A file path; a relative one is taken relative to `base` (the config file's directory).
  std::optional<std::filesystem::path> Path(absl::string_view key,
                                            const std::filesystem::path& base, Presence presence);
  // "host:port"; `example` shows the expected form in the error. Port 0 only when allowed.
  std::optional<HostPort> Address(absl::string_view key, absl::string_view example,
                                  bool allow_port_zero, Presence presence);

  // Reports every key of the mapping that no getter asked for.
  void Finish();

 private:
  const YamlNode& node_;
  std::string path_;
  Diagnostics& diag_;
  bool is_map_;
  std::vector<absl::string_view> asked_;
};

}  // namespace candor::config
