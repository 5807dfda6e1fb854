#pragma once

// StateStore: the little a collector remembers between runs, such as when it first saw a
// pending security update. The agent keeps it in its state_dir (FileStateStore);
// `candor-agent check`, which writes nothing, runs collectors without one. Values are
// small text. Thread-safe.

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace candor::collectors {

class StateStore {
 public:
  virtual ~StateStore() = default;
  // The value saved under `key` (an identifier such as "patch_level.first_seen").
  virtual std::optional<std::string> Load(absl::string_view key) const = 0;
  // Replaces it, durably.
  virtual absl::Status Save(absl::string_view key, absl::string_view value) = 0;
};

// One file per key in `dir` (created with mode 0700 when missing), each replaced
// atomically: written to a temporary file, fsynced, renamed.
class FileStateStore final : public StateStore {
 public:
  static constexpr size_t kMaxValueBytes = 1 << 20;
  explicit FileStateStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  std::optional<std::string> Load(absl::string_view key) const override;
  absl::Status Save(absl::string_view key, absl::string_view value) override;

 private:
  const std::filesystem::path dir_;
  mutable std::mutex mu_;
};

}  // namespace candor::collectors
