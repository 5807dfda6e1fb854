#pragma once

// Retention: the server keeps event history for a configured time (server config
// `retention`, default 90 days) and deletes older events once an hour, starting at once.
// Each device's latest results, which reports read, are kept.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "service/storage/event_store.h"

namespace candor::service {

class RetentionPruner {
 public:
  using Clock = std::chrono::system_clock;

  RetentionPruner(EventStore& store, std::chrono::seconds keep,
                  std::function<Clock::time_point()> now,
                  std::chrono::milliseconds every = std::chrono::hours(1));
  // Stops the pruning thread (waits for a prune in progress).
  ~RetentionPruner();

  RetentionPruner(const RetentionPruner&) = delete;
  RetentionPruner& operator=(const RetentionPruner&) = delete;

  // One prune now; what the thread does every `every`. Returns the events deleted.
  absl::StatusOr<uint64_t> PruneOnce();

 private:
  void Loop();

  EventStore& store_;
  const std::chrono::seconds keep_;
  const std::function<Clock::time_point()> now_;
  const std::chrono::milliseconds every_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace candor::service
