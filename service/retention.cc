#include "service/retention.h"

#include "absl/strings/str_cat.h"
#include "service/log.h"
#include "service/storage/registry_store.h"

namespace candor::service {

RetentionPruner::RetentionPruner(EventStore& store, std::chrono::seconds keep,
                                 std::function<Clock::time_point()> now,
                                 std::chrono::milliseconds every)
    : store_(store), keep_(keep), now_(std::move(now)), every_(every) {
  thread_ = std::thread([this] { Loop(); });
}

RetentionPruner::~RetentionPruner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

absl::StatusOr<uint64_t> RetentionPruner::PruneOnce() {
  return store_.PruneEvents(UnixMillis(now_() - keep_));
}

void RetentionPruner::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    absl::StatusOr<uint64_t> deleted = PruneOnce();
    if (!deleted.ok()) {
      LogError(absl::StrCat("retention: old events not deleted (tried again in an hour): ",
                            deleted.status().message()));
    } else if (*deleted > 0) {
      Log(absl::StrCat("retention: deleted ", *deleted, " event(s) received more than ",
                       keep_.count() / 86400, " day(s) ago"));
    }
    lock.lock();
    wake_.wait_for(lock, every_, [this] { return stopping_; });
  }
}

}  // namespace candor::service
