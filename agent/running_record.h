#pragma once

// RunningRecord: which checks' collectors are executing right now, in one small file
// (state_dir/checks.running, one check id a line), so that after the agent died in a check
// (a crash, an out-of-memory kill) the next start knows which checks to hold back.
//
// A pool thread writes it just before and just after its collector runs: the file names
// exactly the checks executing, never one only queued. Each write replaces the file by
// rename (write a temporary file, rename it over) without fsync: a process crash keeps what
// was written to the kernel, and only a power loss, which is no check's fault, can lose it.
// That keeps a write at a few tens of microseconds (docs/benchmarks.md).
//
// Thread-safe (one mutex around the set and the file).

#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace candor::agent {

class RunningRecord {
 public:
  // Reads what the previous process left in `file` (the checks it died running; empty after
  // a clean exit or on a first start) and records that nothing runs. kUnavailable when the
  // file cannot be written.
  static absl::StatusOr<std::unique_ptr<RunningRecord>> Open(std::filesystem::path file,
                                                             std::vector<std::string>* interrupted);

  void Add(const std::string& check);
  void Remove(const std::string& check);
  // A clean exit: records that nothing runs and ignores every later Add and Remove (a
  // collector still stuck is not waited for).
  void Close();

  uint64_t writes() const;
  uint64_t write_failures() const;

 private:
  explicit RunningRecord(std::filesystem::path file) : file_(std::move(file)) {}
  bool WriteLocked();

  const std::filesystem::path file_;
  mutable std::mutex mu_;
  std::multiset<std::string> running_;
  bool closed_ = false;
  uint64_t writes_ = 0;
  uint64_t write_failures_ = 0;
  bool failing_ = false;  // one log line per run of failures
};

}  // namespace candor::agent
