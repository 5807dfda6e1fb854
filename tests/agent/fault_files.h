#pragma once

// FaultFiles: an in-memory SpoolFiles that can fail the way a real disk does, for tests of
// the spool's durability rules. A Disk outlives the spools opened on it, so a test can
// "crash" (Disk::Crash) and open the spool again:
//   - data appended but not synced is lost, or kept only in part (a torn write);
//   - a file created or removed since the directory was last synced may be undone;
//   - appends past `capacity` write what fits and then fail like ENOSPC;
//   - the next `failing_syncs` syncs fail like EIO.

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "agent/spool_files.h"

namespace candor::testing {

struct Disk {
  struct File {
    std::string data;
    uint64_t synced = 0;         // bytes of data that survive a crash
    bool durable_entry = false;  // the file's name survives a crash
  };
  std::map<std::string, File> files;
  std::map<std::string, File> removed;  // removed since the last directory sync
  uint64_t capacity = std::numeric_limits<uint64_t>::max();
  int failing_syncs = 0;

  uint64_t used() const;
  // What a power loss leaves behind; `rng` picks how much of each unsynced tail survives.
  void Crash(std::mt19937_64& rng);
};

class FaultFiles final : public agent::SpoolFiles {
 public:
  explicit FaultFiles(std::shared_ptr<Disk> disk) : disk_(std::move(disk)) {}

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
  std::shared_ptr<Disk> disk_;
};

}  // namespace candor::testing
