#pragma once

// Delivery: a thread of its own that sends the spool to the server whenever it holds
// events, so a slow or unreachable server never holds up the checks. After a failure it
// waits (1 s, doubling to 5 minutes, with jitter) before trying again, and logs one warning
// per outage. Notify(), SetPolicyVersion() and Stop() are thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>

#include "agent/spool.h"
#include "agent/uplink.h"

namespace candor::agent {

class Delivery {
 public:
  // `spool` and `uplink` must outlive this object.
  Delivery(Spool& spool, Uplink& uplink, std::chrono::seconds attempt_timeout);
  ~Delivery();  // stops

  void Start();
  // New events are in the spool.
  void Notify();
  void SetPolicyVersion(uint64_t version);
  // Ends the thread; a delivery in progress is cancelled.
  void Stop();

 private:
  void Loop();

  Spool& spool_;
  Uplink& uplink_;
  const std::chrono::seconds attempt_timeout_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool pending_notify_ = false;
  bool stopped_ = false;
  uint64_t policy_version_ = 0;
  std::thread thread_;
};

}  // namespace candor::agent
