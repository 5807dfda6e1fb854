#pragma once

// Scheduler: runs the active policy's checks when the Schedule says they are due, on a
// small bounded thread pool, never on the event loop. A run past its timeout is reported
// as ERROR and does not hold back other checks; a check still running is not started
// again. Policies are swapped atomically (SetPolicy), with new or changed checks run at once.
//
// Everything except the collectors themselves runs on the io_context's one thread; the
// pool only runs Collector::Collect and posts the result back. Time comes from the
// injected Clock, wake-ups from the injected WakeTimer, so tests move time without sleeping.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/clock.h"
#include "agent/schedule.h"
#include "agent/wake_timer.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/thread_pool.hpp"
#include "collectors/registry.h"
#include "config/policy.h"

namespace candor::agent {

class Scheduler {
 public:
  // Receives every result, on the io_context's thread, with the policy version the check
  // ran under and when it was observed.
  using Sink =
      std::function<void(const config::CheckSpec& check, const collectors::CheckResult& result,
                         Clock::TimePoint observed_at, uint64_t policy_version)>;

  struct Stats {
    uint64_t wakes = 0;            // timer wake-ups handled
    uint64_t runs = 0;             // checks started
    uint64_t timeouts = 0;         // runs reported as timed out
    uint64_t skipped_running = 0;  // due while the previous run was still going
  };

  // Every reference must outlive the scheduler; `pool` must be joined before it dies.
  Scheduler(boost::asio::io_context& io, const Clock& clock, WakeTimer& timer,
            boost::asio::thread_pool& pool, const collectors::CollectorRegistry& registry,
            const collectors::HostView& host, Sink sink, uint64_t seed);

  // Swaps in a validated policy. Checks not for this platform are left out.
  void SetPolicy(std::shared_ptr<const config::Policy> policy);

  // --once: runs every check of `policy` now, once, and calls `done` when each has reported
  // (a timed-out run counts as reported). Nothing is scheduled afterwards.
  void RunAllOnce(std::shared_ptr<const config::Policy> policy, std::function<void()> done);

  // Handles the current time: reports runs past their timeout, starts due checks, re-arms
  // the timer. The WakeTimer calls it; tests call it after moving the clock.
  void Tick();

  // Stops scheduling; results still arriving are dropped.
  void Stop();

  // Checks still running, including runs already reported as timed out.
  size_t running() const { return running_.size(); }
  const Stats& stats() const { return stats_; }
  const Schedule& schedule() const { return schedule_; }
  std::shared_ptr<const config::Policy> policy() const { return policy_; }

 private:
  struct Run {
    uint64_t generation;
    config::CheckSpec spec;
    uint64_t policy_version;
    Clock::TimePoint deadline;
    bool timed_out = false;
  };

  void Start(const config::CheckSpec& spec);
  void OnResult(const std::string& id, uint64_t generation, collectors::CheckResult result);
  void ReportTimeouts(Clock::TimePoint now);
  void Arm();
  void MaybeFinishOnce();
  std::vector<config::CheckSpec> ChecksForThisPlatform(const config::Policy& policy) const;

  boost::asio::io_context& io_;
  const Clock& clock_;
  WakeTimer& timer_;
  boost::asio::thread_pool& pool_;
  const collectors::CollectorRegistry& registry_;
  const collectors::HostView& host_;
  Sink sink_;
  Schedule schedule_;
  std::shared_ptr<const config::Policy> policy_;
  std::map<std::string, Run> running_;
  uint64_t next_generation_ = 1;
  bool stopped_ = false;
  bool once_ = false;
  std::function<void()> once_done_;
  Stats stats_;
  // Lets results posted by pool threads find out that the scheduler is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace candor::agent
