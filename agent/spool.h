#pragma once

// Spool: the agent's durable on-disk queue. Every event is appended here, with its
// per-device sequence number, before anything tries to send it; it leaves only when the
// server acknowledged it or by an explicit, counted rule (the spool is full). Sequence
// numbers are strictly increasing and survive restarts.
//
// Files in the state directory:
//   spool-<first seq>.seg  append-only segments of records (agent/spool_record.h); a
//                          new one starts when the current one reaches segment_bytes
//   spool.cursor           every event up to this seq is acknowledged or deliberately
//                          dropped, and the seq ranges above it already reported lost
//                          (with a CRC-32C; replaced atomically, then fsynced)
//
// Appends are durable after Sync() (GroupCommit calls it within the configured interval);
// only durable events are handed out for sending, so a sequence number the server has
// seen is never reused. A segment is removed only after a durable cursor covers it.
//
// Open() cuts a torn tail, skips and counts damaged records in the middle (rewriting the
// segment without them), and appends a spool_damaged event naming the lost seqs.
// Thread-safe: the scheduler appends while the delivery thread reads and acks.

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/spool_files.h"
#include "agent/spool_notices.h"
#include "candor/v1/events.pb.h"
#include "proto/limits.h"

namespace candor::agent {

struct SpoolOptions {
  // Bound on the spool's files; past it the oldest unsent events are dropped.
  uint64_t max_bytes = uint64_t{256} << 20;
  // Size at which a new segment starts; 0: max_bytes / 16, within 64 KiB..16 MiB.
  uint64_t segment_bytes = 0;
  // An event encoding to more is replaced by an ERROR event (it could never be sent).
  size_t max_event_bytes = v1::kMaxEventBytes;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

class Spool {
 public:
  using Options = SpoolOptions;
  using Recovery = SpoolDamage;

  // Uses real files in `dir`, which must already be a safe state directory
  // (PrepareStateDir).
  static absl::StatusOr<std::unique_ptr<Spool>> Open(const std::filesystem::path& dir,
                                                     Options options = {});
  static absl::StatusOr<std::unique_ptr<Spool>> Open(std::unique_ptr<SpoolFiles> files,
                                                     Options options);
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Gives `event` the next sequence number and appends it (durable after Sync()). On a
  // write error (disk full: kUnavailable) nothing is appended, no seq is used, the event
  // is counted, and the next successful append is preceded by a spool_dropped event.
  absl::StatusOr<uint64_t> Append(v1::Event event);
  // Makes every appended event durable.
  absl::Status Sync();
  bool has_unsynced() const;

  // Durable, unacknowledged events with a seq above `after_seq`, in order: at most
  // `max_events`, and at most `max_bytes` as encoded in a batch (at least one event when
  // any is ready).
  std::vector<v1::Event> Read(uint64_t after_seq, size_t max_events, size_t max_bytes);

  // The server durably stored everything up to `seq`. The cursor is durable on return;
  // segments it covers are removed.
  absl::Status Ack(uint64_t seq);

  // The server says it holds events up to `seq`. Up to last_seq() that is an ack. Beyond
  // it, this spool's state is older than the server's (state_dir restored or reset): the
  // seqs continue after `seq`, unsent events that used lower seqs are dropped and a
  // spool_dropped event says how many. Returns how many were dropped.
  absl::StatusOr<uint64_t> ServerHolds(uint64_t seq);

  uint64_t last_seq() const;
  uint64_t acked_seq() const;  // the cursor
  uint64_t durable_seq() const;
  size_t pending_count() const;    // appended and not acknowledged or dropped
  size_t sendable_count() const;   // the durable part of those
  uint64_t bytes() const;          // size of the segment files
  uint64_t dropped_total() const;  // events dropped since Open (spool full, write errors)
  // Set once by Open; read-only afterwards.
  const Recovery& recovery() const { return recovery_; }

 private:
  struct Segment {
    std::string name;
    uint64_t first_seq = 0;  // 0 while empty
    uint64_t last_seq = 0;
    uint64_t bytes = 0;
    uint64_t synced_bytes = 0;
  };
  // Where Read() stopped: the records after `seq` start at `offset` of segment `name`.
  struct ReadPosition {
    std::string name;
    uint64_t offset = 0;
    uint64_t seq = 0;
  };

  Spool(std::unique_ptr<SpoolFiles> files, Options options);
  absl::Status Recover();
  absl::StatusOr<uint64_t> AppendLocked(v1::Event event);
  absl::StatusOr<uint64_t> WriteRecord(v1::Event& event, std::string& payload);
  // Drops the oldest segments until `need` more bytes fit; appends the notice.
  absl::Status MakeRoom(uint64_t need);
  absl::Status SyncLocked();
  // The spool_dropped events (unsent) in `segment`: when it is dropped in turn, the new
  // event reports their ranges and counts too.
  struct EarlierDrops {
    uint64_t first_seq = 0;
    uint64_t count = 0;
  };
  EarlierDrops FindEarlierDrops(const Segment& segment);
  absl::Status WriteCursor(uint64_t seq);
  absl::Status AdvanceCursor(uint64_t seq);
  uint64_t LostAbove(uint64_t seq) const;

  const std::unique_ptr<SpoolFiles> files_;
  const Options options_;
  const uint64_t segment_bytes_;
  mutable std::mutex mu_;
  std::deque<Segment> segments_;  // oldest first; the back one is written to
  uint64_t bytes_ = 0;
  uint64_t last_seq_ = 0;
  uint64_t cursor_ = 0;
  uint64_t durable_seq_ = 0;
  bool dir_dirty_ = false;  // a segment was created since the directory was last synced
  // Seq ranges above the cursor that damage destroyed (never sent, never to be acked).
  std::vector<std::pair<uint64_t, uint64_t>> lost_;
  ReadPosition read_pos_;
  uint64_t write_failures_ = 0;  // events not spooled since the last successful append
  std::chrono::system_clock::time_point first_failure_;
  uint64_t dropped_total_ = 0;
  Recovery recovery_;
};

}  // namespace candor::agent
