#pragma once

// The file operations the spool is built on, behind an interface so that tests can put a
// fault-injection layer under a real spool (a full disk, a crash that loses what was not
// fsynced). PosixSpoolFiles is the real one: files in one directory, opened O_NOFOLLOW.
//
// Durability contract (what a crash may lose): data appended to a file is durable after
// Sync(name); a file's creation or removal is durable after SyncDir(); Replace() is
// durable and atomic on return.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace candor::agent {

class SpoolFiles {
 public:
  virtual ~SpoolFiles() = default;

  // Names of the regular files in the directory, in no particular order.
  virtual absl::StatusOr<std::vector<std::string>> List() = 0;
  // At most `max_bytes` from `offset`; fewer at the end of the file. kNotFound if missing.
  virtual absl::StatusOr<std::string> Read(const std::string& name, uint64_t offset,
                                           size_t max_bytes) = 0;
  virtual absl::StatusOr<uint64_t> Size(const std::string& name) = 0;
  // Appends all of `data`, creating the file when needed. On failure (kUnavailable for a
  // full disk) the file may hold part of `data`; the caller truncates it back.
  virtual absl::Status Append(const std::string& name, absl::string_view data) = 0;
  virtual absl::Status Truncate(const std::string& name, uint64_t size) = 0;
  virtual absl::Status Sync(const std::string& name) = 0;
  virtual absl::Status SyncDir() = 0;
  // Writes a temporary file, syncs it, renames it over `name` and syncs the directory.
  virtual absl::Status Replace(const std::string& name, absl::string_view data) = 0;
  // Removes `name` (no error when it is already gone).
  virtual absl::Status Remove(const std::string& name) = 0;
};

// Files in a real directory. Keeps the file being appended to open. Thread-compatible:
// the spool serializes every call.
class PosixSpoolFiles final : public SpoolFiles {
 public:
  explicit PosixSpoolFiles(std::filesystem::path dir) : dir_(std::move(dir)) {}
  ~PosixSpoolFiles() override;

  absl::StatusOr<std::vector<std::string>> List() override;
  absl::StatusOr<std::string> Read(const std::string& name, uint64_t offset,
                                   size_t max_bytes) override;
  absl::StatusOr<uint64_t> Size(const std::string& name) override;
  absl::Status Append(const std::string& name, absl::string_view data) override;
  absl::Status Truncate(const std::string& name, uint64_t size) override;
  absl::Status Sync(const std::string& name) override;
  absl::Status SyncDir() override;
  absl::Status Replace(const std::string& name, absl::string_view data) override;
  absl::Status Remove(const std::string& name) override;

 private:
  // The writable descriptor of `name`, opened (and created) on first use.
  absl::StatusOr<int> Writable(const std::string& name);
  void Close(const std::string& name);

  const std::filesystem::path dir_;
  std::map<std::string, int> open_;  // at most a couple: the segment being written
};

}  // namespace candor::agent
