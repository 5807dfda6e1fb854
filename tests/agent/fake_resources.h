#pragma once

// Readings a test sets: resident memory for the process (and how much of it is file pages)
// and CPU time per thread. A
// collector running on a pool thread can set its own thread's CPU (AddToThisThread), so a
// test decides what a check "used" without burning anything. Thread-safe.

#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "agent/resource_reader.h"

namespace candor::agent {

class FakeResources final : public ResourceReader {
 public:
  std::optional<uint64_t> ResidentBytes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return rss_;
  }
  // All of the resident memory but the file pages a test sets (none unless it does).
  std::optional<uint64_t> AnonymousBytes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return rss_ - file_;
  }
  ThreadHandle CurrentThread() const override {
    return static_cast<ThreadHandle>(std::hash<std::thread::id>{}(std::this_thread::get_id()) >> 1);
  }
  std::optional<std::chrono::nanoseconds> ThreadCpu(ThreadHandle thread) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cpu_.find(thread);
    return it == cpu_.end() ? std::chrono::nanoseconds(0) : it->second;
  }

  void SetRss(uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    rss_ = bytes;
  }
  // How much of the resident memory is pages of files (code); at most the resident memory.
  void SetFileBacked(uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    file_ = bytes;
  }
  void SetCpu(ThreadHandle thread, std::chrono::nanoseconds cpu) {
    std::lock_guard<std::mutex> lock(mu_);
    cpu_[thread] = cpu;
  }
  void AddToThisThread(std::chrono::nanoseconds cpu) {
    const ThreadHandle thread = CurrentThread();
    std::lock_guard<std::mutex> lock(mu_);
    cpu_[thread] += cpu;
  }

 private:
  mutable std::mutex mu_;
  uint64_t rss_ = uint64_t{20} << 20;
  uint64_t file_ = 0;
  std::map<ThreadHandle, std::chrono::nanoseconds> cpu_;
};

}  // namespace candor::agent
