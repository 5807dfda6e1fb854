#pragma once

// BatchWriter: stores batches on a thread of its own, in the order they were submitted,
// so that a stream can read and parse its next batch while the previous one commits.
// Whatever queued up while a transaction was committing is stored together in the next
// one (group commit, at most kMaxGroupEvents events): one fsync for many batches. The
// callback runs on the writer thread after the transaction committed (or failed).
// Thread-safe; the destructor stores what is queued, then joins.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

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
  void Loop();

  Ingest& ingest_;
  ServerMetrics& metrics_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace candor::service
