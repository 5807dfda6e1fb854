#pragma once

// RunningRecord: which checks' collectors are executing right now, in one small file
// (state_dir/checks.running, one check id a line), so that after the agent died in a check
// (a crash, an out-of-memory kill) the next start knows which checks to hold back.
//
// A pool thread writes it just before and just after its collector runs: the file names
// exactly the checks executing, never one only queued. Each write is one pwrite(2) of the
// whole list at offset 0 into a file that stays open, padded with newlines to the longest
// list written so far (no truncate, no rename, no fsync): a process that dies, however it
// dies, leaves the last complete write in the kernel, and only a power loss, which is no
// check's fault, can lose or tear it (torn ids are not valid check ids and are skipped).
// A write costs a few microseconds; replacing the file by rename cost 1.5 ms on ext4, whose
// rename-over flushes the data (docs/benchmarks.md).
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

  ~RunningRecord();
  RunningRecord(const RunningRecord&) = delete;
  RunningRecord& operator=(const RunningRecord&) = delete;

  void Add(const std::string& check);
  void Remove(const std::string& check);
  // A clean exit: records that nothing runs and ignores every later Add and Remove (a
  // collector still stuck is not waited for).
  void Close();

  uint64_t writes() const;
  uint64_t write_failures() const;

 private:
  RunningRecord(std::filesystem::path file, int fd) : file_(std::move(file)), fd_(fd) {}
  bool WriteLocked();

  const std::filesystem::path file_;
  const int fd_;
  size_t size_ = 0;  // the longest list written: shorter ones are padded to it
  mutable std::mutex mu_;
  std::multiset<std::string> running_;
  bool closed_ = false;
  uint64_t writes_ = 0;
  uint64_t write_failures_ = 0;
  bool failing_ = false;  // one log line per run of failures
};

}  // namespace candor::agent
