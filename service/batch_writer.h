#pragma once

// BatchWriter: stores batches on a thread of its own, in the order they were submitted,
// so that a stream can read and parse its next batch while the previous one commits.
// The callback runs on the writer thread after the batch is committed (or refused).
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

namespace candor::service {

class BatchWriter {
 public:
  using Done = std::function<void(absl::StatusOr<uint64_t> acked)>;

  // `ingest` must outlive this object.
  explicit BatchWriter(Ingest& ingest);
  ~BatchWriter();

  void Submit(DeviceIdentity device, v1::EventBatch batch, Done done);

 private:
  struct Job {
    DeviceIdentity device;
    v1::EventBatch batch;
    Done done;
  };
  void Loop();

  Ingest& ingest_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace candor::service
