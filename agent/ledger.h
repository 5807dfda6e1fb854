#pragma once

// The ledger: a copy, readable by every local user, of every event the server acknowledged,
// so that an employee can see exactly what left the device (`candor-agent ledger`). It holds
// the events as sent, nothing more.
//
// Files: state_dir/public/ledger/ledger-<first entry, unix milliseconds>.jsonl, mode 0644, one
// JSON object a line: {"acked_at":"<RFC 3339>","event":{<the v1::Event in protobuf's JSON
// mapping, field names as in events.proto>}}. A new file starts when the current one is a
// day old or past an eighth of max_bytes; whole files go when they were last written before
// max_age, or oldest first while all of them pass max_bytes.
//
// Entries are written (and fsynced) before the spool drops the acknowledged events, so a
// crash in between can only make the agent send them again and record them twice; readers
// keep the first record of each seq.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "agent/ledger_line.h"
#include "candor/v1/events.pb.h"
#include "config/agent_config.h"

namespace candor::agent {

// Appends acknowledged events. Thread-safe.
class LedgerWriter {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `dir` must exist (PreparePublicDir). Removes what is past the bounds already.
  static absl::StatusOr<std::unique_ptr<LedgerWriter>> Open(std::filesystem::path dir,
                                                            config::LedgerSettings settings,
                                                            Clock now);

  // Records `events`, acknowledged now; durable on OK. kUnavailable for a full disk.
  absl::Status Record(absl::Span<const v1::Event> events);

 private:
  LedgerWriter(std::filesystem::path dir, config::LedgerSettings settings, Clock now)
      : dir_(std::move(dir)), settings_(settings), now_(std::move(now)) {}
  // Removes files past max_age, then the oldest while the total passes max_bytes (never the
  // one being written).
  absl::Status Prune();

  const std::filesystem::path dir_;
  const config::LedgerSettings settings_;
  const Clock now_;
  std::mutex mu_;
  std::filesystem::path current_;  // empty: start a new file at the next Record
  int64_t current_start_ms_ = 0;
  uint64_t current_bytes_ = 0;
};

struct LedgerContents {
  std::vector<LedgerEntry> entries;  // by seq, each seq once (its first record)
  size_t unreadable_lines = 0;       // damaged or foreign lines, skipped
};

// Reads every entry acknowledged at or after `since_ms` from the ledger directory `dir`.
// A missing directory is an empty ledger.
absl::StatusOr<LedgerContents> ReadLedger(const std::filesystem::path& dir, int64_t since_ms);

}  // namespace candor::agent
