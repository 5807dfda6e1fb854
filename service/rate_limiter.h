#pragma once

// RateLimiter: a token bucket per device, so that one device flooding the server (a bug,
// a tampered agent) is slowed down without affecting the others. Buckets refill at
// `per_second` up to `burst`. Thread-safe.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace candor::service {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limit {
    double per_second = 0;  // 0: no limit
    double burst = 0;
  };

  RateLimiter(Limit limit, std::function<Clock::time_point()> now)
      : limit_(limit), now_(std::move(now)) {}

  // Takes `cost` tokens from `key`'s bucket; false, taking nothing, when it holds fewer.
  bool TryTake(const std::string& key, double cost);
  // Whether `key`'s bucket holds at least `cost` tokens now (nothing is taken).
  bool Has(const std::string& key, double cost);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };

  Bucket& Refilled(const std::string& key);  // with mu_ held

  const Limit limit_;
  const std::function<Clock::time_point()> now_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace candor::service
