#include "agent/delivery.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent/log.h"

namespace candor::agent {
namespace {

constexpr std::chrono::milliseconds kFirstRetry{1000};

}  // namespace

Delivery::Delivery(Spool& spool, Uplink& uplink, std::chrono::seconds attempt_timeout,
                   std::chrono::seconds max_backoff)
    : spool_(spool),
      uplink_(uplink),
      attempt_timeout_(attempt_timeout),
      max_backoff_(std::max<std::chrono::milliseconds>(max_backoff, kFirstRetry)) {}

std::chrono::milliseconds Delivery::Backoff(int failures, std::chrono::milliseconds max_backoff,
                                            std::mt19937_64& rng) {
  std::chrono::milliseconds base = kFirstRetry;
  for (int i = 1; i < failures && base < max_backoff; ++i) base *= 2;
  base = std::min(base, max_backoff);
  std::uniform_int_distribution<int64_t> jitter(base.count() / 2, base.count());
  return std::chrono::milliseconds(jitter(rng));
}

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
  int failures = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopped_) {
    if (!pending_notify_ && spool_.sendable_count() == 0) {
      wake_.wait(lock, [this] { return stopped_ || pending_notify_; });
      continue;
    }
    pending_notify_ = false;
    if (spool_.sendable_count() == 0) continue;
    const uint64_t version = policy_version_;
    lock.unlock();
    absl::Status sent =
        uplink_.Flush(spool_, std::chrono::system_clock::now() + attempt_timeout_, version);
    lock.lock();
    if (sent.ok()) {
      if (failures > 0) Log("delivery works again");
      failures = 0;
      continue;
    }
    if (stopped_) break;
    if (failures++ == 0) Log(absl::StrCat("cannot deliver, will retry: ", sent.message()));
    wake_.wait_for(lock, Backoff(failures, max_backoff_, rng), [this] { return stopped_; });
  }
}

}  // namespace candor::agent
