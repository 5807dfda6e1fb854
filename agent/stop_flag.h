#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace candor::agent {

// Lets a signal-handling thread stop the main loop while it waits. Thread-safe.
class StopFlag {
 public:
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  // Waits until `when` or until stopped; true when stopped.
  bool WaitUntil(std::chrono::system_clock::time_point when) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, when, [this] { return stopped_; });
  }
  bool stopped() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

}  // namespace candor::agent
