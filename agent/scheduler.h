#pragma once

// Scheduler: runs the active policy's checks when the Schedule says they are due, on a
// small bounded thread pool, never on the event loop. A run past its timeout is reported
// as ERROR and does not hold back other checks; a check still running is not started
// again. Policies are swapped atomically (SetPolicy), with new or changed checks run at once.
//
// Everything except the collectors themselves runs on the io_context's one thread; the
// pool only runs Collector::Collect and posts the result back. Time comes from the
// injected Clock, wake-ups from the injected WakeTimer, so tests move time without sleeping.
//
// Guards (optional, SetGuards): the Watchdog measures running checks against the agent's
// budget and a check over it is stopped like a timed-out one (reported as ERROR, its result
// dropped) and put in cool-down; the RunningRecord names the checks executing, so a check
// the agent died in is held back at the next start (HoldInterrupted); Cooldowns keeps both
// kinds from running before their cool-down ends, after which each runs once at once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/clock.h"
#include "agent/cooldowns.h"
#include "agent/running_record.h"
#include "agent/schedule.h"
#include "agent/wake_timer.h"
#include "agent/watchdog.h"
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
    uint64_t wakes = 0;             // timer wake-ups handled
    uint64_t runs = 0;              // checks started
    uint64_t timeouts = 0;          // runs reported as timed out
    uint64_t skipped_running = 0;   // due while the previous run was still going
    uint64_t stopped = 0;           // runs stopped by the watchdog
    uint64_t skipped_cooldown = 0;  // due while in cool-down
  };

  // Each must outlive the scheduler and its pool's threads; nullptr: not used.
  struct Guards {
    Watchdog* watchdog = nullptr;
    Cooldowns* cooldowns = nullptr;
    RunningRecord* running = nullptr;
  };

  // Every reference must outlive the scheduler; `pool` must be joined before it dies.
  Scheduler(boost::asio::io_context& io, const Clock& clock, WakeTimer& timer,
            boost::asio::thread_pool& pool, const collectors::CollectorRegistry& registry,
            const collectors::HostView& host, Sink sink, uint64_t seed);

  // Before the first policy.
  void SetGuards(Guards guards) { guards_ = guards; }

  // The checks the previous process died running (RunningRecord::Open): each goes into
  // cool-down now, and is reported as ERROR once the first policy is set, if it has the check.
  // Needs Guards::cooldowns.
  void HoldInterrupted(const std::vector<std::string>& checks);

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
    bool stopped = false;   // by the watchdog
    int64_t thread_id = 0;  // the kernel id of the pool thread running it, once it began
    bool reported() const { return timed_out || stopped; }
  };

  void Start(const config::CheckSpec& spec);
  void OnResult(const std::string& id, uint64_t generation, collectors::CheckResult result);
  void OnBegan(const std::string& id, uint64_t generation, int64_t thread_id,
               ResourceReader::ThreadHandle thread, std::optional<std::chrono::nanoseconds> cpu,
               std::optional<uint64_t> anonymous);
  void ReportTimeouts(Clock::TimePoint now);
  void ApplyWatchdog(Clock::TimePoint now);
  void StopRun(const Watchdog::Breach& breach, Clock::TimePoint now);
  void ReportInterrupted();
  void StartOwed(Clock::TimePoint now);
  std::optional<Clock::TimePoint> CooldownOf(const std::string& id, Clock::TimePoint now) const;
  const config::CheckSpec* Find(const std::string& id) const;
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
  Guards guards_;
  // Came due during their cool-down: run once it ends.
  std::set<std::string> owed_;
  // Held back by HoldInterrupted, reported with the first policy: check and cool-down end.
  std::vector<std::pair<std::string, Clock::TimePoint>> interrupted_;
  uint64_t next_generation_ = 1;
  bool stopped_ = false;
  bool once_ = false;
  std::function<void()> once_done_;
  Stats stats_;
  // Lets results posted by pool threads find out that the scheduler is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace candor::agent
