#pragma once

// Delivery: a thread of its own that keeps the agent's one stream to the server open
// (Uplink::Session): durable events go out as soon as they are in the spool, and policies
// the server pushes come in at once, so a slow or unreachable server never holds up the
// checks. After a failure (unreachable, or RESOURCE_EXHAUSTED: the server asks it to slow
// down) it waits 1 s, doubling up to `max_backoff` (default 5 minutes), a random time in
// the upper half of that (jitter, so agents that lost the same server do not come back in
// step), and logs one warning per outage; a stream that worked and then ended is opened
// again after about a second. Notify(), SetPolicyVersion() and Stop() are thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/string_view.h"
#include "agent/spool.h"
#include "agent/uplink.h"

namespace candor::agent {

class Delivery {
 public:
  // `spool` and `uplink` must outlive this object. `on_policy` gets the policies the server
  // pushes; `attempt_timeout` bounds the wait for the server's answer to a hello.
  Delivery(Spool& spool, Uplink& uplink, Uplink::PolicyHandler on_policy,
           std::chrono::seconds attempt_timeout,
           std::chrono::seconds max_backoff = std::chrono::minutes(5));

  // The wait before attempt number `failures` + 1 (`failures` >= 1), jitter drawn from
  // `rng`: uniform in [b/2, b] where b = min(1 s * 2^(failures-1), max_backoff).
  static std::chrono::milliseconds Backoff(int failures, std::chrono::milliseconds max_backoff,
                                           std::mt19937_64& rng);
  ~Delivery();  // stops

  // Told when the stream to the server comes up and when it goes down (with why), on the
  // delivery thread. Set before Start().
  struct LinkListener {
    std::function<void()> up;
    std::function<void(absl::string_view why)> down;
  };
  void SetLinkListener(LinkListener listener) { link_ = std::move(listener); }

  void Start();
  // New events are in the spool.
  void Notify();
  void SetPolicyVersion(uint64_t version);
  // Ends the thread after a last chance to deliver (SIGTERM): an open stream sends what the
  // spool holds, waits up to `grace` for the acks and closes cleanly; what is not
  // acknowledged by then stays in the spool for the next start. Without an open stream it
  // ends at once. Returns within `grace` plus a short slack for the close, whatever the
  // server does.
  void Drain(std::chrono::milliseconds grace);
  // Ends the thread; a delivery in progress is cancelled.
  void Stop();

 private:
  void Loop();

  Spool& spool_;
  Uplink& uplink_;
  const Uplink::PolicyHandler on_policy_;
  const std::chrono::seconds attempt_timeout_;
  const std::chrono::milliseconds max_backoff_;
  LinkListener link_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopped_ = false;
  bool loop_ended_ = false;
  std::thread thread_;
};

}  // namespace candor::agent
