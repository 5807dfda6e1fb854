#include "agent/group_commit.h"

#include "absl/strings/str_cat.h"
#include "agent/log.h"

namespace candor::agent {

GroupCommit::GroupCommit(Spool& spool, std::chrono::milliseconds interval,
                         std::function<void()> on_durable)
    : spool_(spool), interval_(interval), on_durable_(std::move(on_durable)) {}

GroupCommit::~GroupCommit() { Stop(); }

void GroupCommit::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void GroupCommit::Appended() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dirty_) {
    dirty_ = true;
    wake_.notify_all();
  }
}

void GroupCommit::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void GroupCommit::Loop() {
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopped_ || dirty_; });
    if (!stopped_) {
      // Let the group gather, but never keep a record unsynced longer than the interval.
      wake_.wait_for(lock, interval_, [this] { return stopped_; });
    }
    const bool stopping = stopped_;
    dirty_ = false;
    lock.unlock();
    absl::Status synced = spool_.has_unsynced() ? spool_.Sync() : absl::OkStatus();
    if (synced.ok()) {
      if (failing) Log("spool: syncing works again");
      failing = false;
      on_durable_();
    } else if (!failing) {
      LogError(absl::StrCat("spool: cannot sync, will retry: ", synced.message()));
      failing = true;
    }
    lock.lock();
    if (!synced.ok()) dirty_ = true;  // try again after the next interval
    if (stopping) return;
  }
}

}  // namespace candor::agent
