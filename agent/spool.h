#pragma once

// Spool: the agent's on-disk queue. Every event is appended here, with its per-device
// sequence number, before anything tries to send it; it is dropped only after the server
// acknowledged it. Sequence numbers survive restarts.
//
// Files in the state directory:
//   spool.log     records: u32 length, u32 CRC-32C of the payload, payload (a v1::Event)
//   spool.cursor  the highest acknowledged seq: u64 seq, u32 CRC-32C (replaced atomically)
//
// On open, a record with a bad checksum is skipped and counted; a torn or implausible
// tail is cut. Thread-safe: the scheduler appends while the delivery thread sends and acks.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "candor/v1/events.pb.h"

namespace candor::agent {

class Spool {
 public:
  // What opening the spool found damaged (and left out).
  struct Recovery {
    uint64_t skipped_records = 0;  // bad checksum, unreadable or out-of-order records
    uint64_t cut_bytes = 0;        // torn or corrupt tail removed
    bool cursor_damaged = false;   // cursor unreadable: everything is sent again (deduplicated)
  };

  static constexpr size_t kMaxRecordBytes = 1 << 20;

  // `dir` must already be a safe state directory (see PrepareStateDir).
  static absl::StatusOr<std::unique_ptr<Spool>> Open(const std::filesystem::path& dir);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Gives `event` the next sequence number and appends it. Durable after Sync(). On a
  // write error (disk full) nothing is appended and the sequence number is not used.
  absl::StatusOr<uint64_t> Append(v1::Event event);
  absl::Status Sync();

  // Unacknowledged events in order: at most `max_events`, and at most `max_bytes` encoded
  // (always at least one event when any is pending).
  std::vector<v1::Event> Pending(size_t max_events, size_t max_bytes) const;

  // The server durably stored everything up to `seq`. The cursor is durable on return;
  // the log is emptied once nothing in it is pending.
  absl::Status Ack(uint64_t seq);

  uint64_t last_seq() const;
  uint64_t acked_seq() const;
  size_t pending_count() const;
  // Set once by Open; read-only afterwards.
  const Recovery& recovery() const { return recovery_; }

 private:
  Spool(std::filesystem::path dir, int log_fd) : dir_(std::move(dir)), log_fd_(log_fd) {}
  absl::Status Recover();
  absl::Status WriteCursor(uint64_t seq);

  mutable std::mutex mu_;
  const std::filesystem::path dir_;
  const int log_fd_;
  uint64_t log_size_ = 0;
  uint64_t last_seq_ = 0;
  uint64_t acked_seq_ = 0;
  std::deque<v1::Event> pending_;
  Recovery recovery_;
};

}  // namespace candor::agent
