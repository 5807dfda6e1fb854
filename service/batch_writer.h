#pragma once

// BatchWriter: stores batches on a thread of its own, in the order they were submitted,
// so that a stream can read and parse its next batch while the previous one commits.
// Whatever queued up while a transaction was committing is stored together in the next
// one (group commit, at most kMaxGroupEvents events): one fsync for many batches.
// The callbacks run after the transaction committed (or failed), in submission order, on a
// second thread: a callback sends the ack on its stream, and the stored batch is freed
// there too, so the writer thread (the one thread that can write to SQLite) spends its time
// storing. Thread-safe; the destructor stores what is queued, runs every callback, then
// joins.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "candor/v1/events.pb.h"
#include "service/identity.h"
#include "service/ingest.h"
#include "service/metrics.h"

namespace candor::service {

class BatchWriter {
 public:
  using Done = std::function<void(absl::StatusOr<uint64_t> acked)>;
  static constexpr int kMaxGroupEvents = 20'000;

  // `ingest` and `metrics` (a failed transaction counts as a storage error) must outlive
  // this object.
  BatchWriter(Ingest& ingest, ServerMetrics& metrics);
  ~BatchWriter();

  // `prepared` comes from Ingest::Prepare.
  void Submit(DeviceIdentity device, PreparedBatch prepared, Done done);

 private:
  struct Job {
    DeviceIdentity device;
    PreparedBatch prepared;
    Done done;
  };
  // One transaction's batches and how it went.
  struct Committed {
    std::vector<Job> group;
    absl::Status status;
  };
  void Loop();
  void CompleteLoop();

  Ingest& ingest_;
  ServerMetrics& metrics_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::condition_variable committed_wake_;
  std::deque<Committed> committed_;
  bool writer_done_ = false;  // no more transactions will be added to committed_
  std::thread thread_;
  std::thread completer_;
};

}  // namespace candor::service
