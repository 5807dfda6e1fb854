#pragma once

// GroupCommit: makes appended spool records durable in groups. Appended() marks the spool
// dirty; a thread of its own calls Spool::Sync() no later than `interval` after the first
// unsynced append, so one fsync covers every event appended in that window, and then
// calls `on_durable` (delivery sends only durable events). A failed sync (disk full, I/O
// error) is logged once per outage and retried every interval. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "agent/spool.h"

namespace candor::agent {

class GroupCommit {
 public:
  // `spool` must outlive this object.
  GroupCommit(Spool& spool, std::chrono::milliseconds interval, std::function<void()> on_durable);
  ~GroupCommit();  // stops

  void Start();
  // Events were appended to the spool.
  void Appended();
  // Syncs what is left, then ends the thread.
  void Stop();

 private:
  void Loop();

  Spool& spool_;
  const std::chrono::milliseconds interval_;
  const std::function<void()> on_durable_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool dirty_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace candor::agent
