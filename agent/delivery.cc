#include "agent/delivery.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent/log.h"

namespace candor::agent {
namespace {

constexpr std::chrono::milliseconds kFirstRetry{1000};
constexpr std::chrono::milliseconds kMaxRetry{5 * 60 * 1000};

}  // namespace

Delivery::Delivery(Spool& spool, Uplink& uplink, std::chrono::seconds attempt_timeout)
    : spool_(spool), uplink_(uplink), attempt_timeout_(attempt_timeout) {}

Delivery::~Delivery() { Stop(); }

void Delivery::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Delivery::Notify() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_notify_ = true;
  wake_.notify_all();
}

void Delivery::SetPolicyVersion(uint64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_version_ = version;
}

void Delivery::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_ && !thread_.joinable()) return;
    stopped_ = true;
    wake_.notify_all();
  }
  uplink_.Cancel();
  if (thread_.joinable()) thread_.join();
}

void Delivery::Loop() {
  std::mt19937_64 rng(std::random_device{}());
  auto backoff = kFirstRetry;
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopped_) {
    if (!pending_notify_ && spool_.pending_count() == 0) {
      wake_.wait(lock, [this] { return stopped_ || pending_notify_; });
      continue;
    }
    pending_notify_ = false;
    const uint64_t version = policy_version_;
    lock.unlock();
    absl::Status sent =
        uplink_.Flush(spool_, std::chrono::system_clock::now() + attempt_timeout_, version);
    lock.lock();
    if (sent.ok()) {
      if (failing) Log("delivery works again");
      failing = false;
      backoff = kFirstRetry;
      continue;
    }
    if (stopped_) break;
    if (!failing) Log(absl::StrCat("cannot deliver, will retry: ", sent.message()));
    failing = true;
    // Full jitter: agents that lost the same server do not come back in step.
    std::uniform_int_distribution<int64_t> jitter(backoff.count() / 2, backoff.count());
    wake_.wait_for(lock, std::chrono::milliseconds(jitter(rng)), [this] { return stopped_; });
    backoff = std::min(backoff * 2, kMaxRetry);
  }
}

}  // namespace candor::agent
