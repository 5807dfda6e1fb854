#include "agent/delivery.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent/log.h"

namespace candor::agent {
namespace {

constexpr std::chrono::milliseconds kFirstRetry{1000};
// How long a server may take to answer the agent's close before the stream is cut.
constexpr std::chrono::milliseconds kCloseSlack{500};

}  // namespace

Delivery::Delivery(Spool& spool, Uplink& uplink, Uplink::PolicyHandler on_policy,
                   std::chrono::seconds attempt_timeout, std::chrono::seconds max_backoff)
    : spool_(spool),
      uplink_(uplink),
      on_policy_(std::move(on_policy)),
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

void Delivery::Notify() { uplink_.Wake(); }

void Delivery::SetPolicyVersion(uint64_t version) { uplink_.SetPolicyVersion(version); }

void Delivery::Drain(std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopped_ = true;
    wake_.notify_all();
    if (thread_.joinable()) {
      lock.unlock();
      uplink_.Drain(deadline);
      lock.lock();
      if (!wake_.wait_until(lock, deadline + kCloseSlack, [this] { return loop_ended_; })) {
        LogWarning("stopping: delivery did not end in time; cutting the stream");
      }
    }
  }
  Stop();
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
    lock.unlock();
    bool connected = false;
    const absl::Status ended =
        uplink_.Session(spool_, attempt_timeout_, on_policy_, [this, &connected, &failures] {
          std::lock_guard<std::mutex> connected_lock(mu_);
          connected = true;
          if (failures > 0) Log("delivery works again");
          failures = 0;
          if (link_.up) link_.up();
        });
    if (link_.down) link_.down(ended.message());
    lock.lock();
    if (stopped_) break;
    // A server that answered and then asked us to slow down is not working for us either.
    if (connected && !absl::IsResourceExhausted(ended)) {
      if (!absl::IsAborted(ended)) {
        LogWarning(absl::StrCat("stream to the server ended, reconnecting: ", ended.message()));
      }
      wake_.wait_for(lock, Backoff(1, max_backoff_, rng), [this] { return stopped_; });
      continue;
    }
    if (failures++ == 0) LogWarning(absl::StrCat("cannot deliver, will retry: ", ended.message()));
    wake_.wait_for(lock, Backoff(failures, max_backoff_, rng), [this] { return stopped_; });
  }
  loop_ended_ = true;
  wake_.notify_all();
}

}  // namespace candor::agent
