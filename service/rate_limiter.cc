#include "service/rate_limiter.h"

#include <algorithm>

namespace candor::service {

RateLimiter::Bucket& RateLimiter::Refilled(const std::string& key) {
  const Clock::time_point now = now_();
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{limit_.burst, now});
  Bucket& bucket = it->second;
  if (!inserted && now > bucket.updated) {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(limit_.burst, bucket.tokens + elapsed * limit_.per_second);
  }
  bucket.updated = std::max(bucket.updated, now);
  return bucket;
}

bool RateLimiter::TryTake(const std::string& key, double cost) {
  if (limit_.per_second <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& bucket = Refilled(key);
  if (bucket.tokens < cost) return false;
  bucket.tokens -= cost;
  return true;
}

bool RateLimiter::Has(const std::string& key, double cost) {
  if (limit_.per_second <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  return Refilled(key).tokens >= cost;
}

}  // namespace candor::service
