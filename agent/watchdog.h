#pragma once

// Watchdog: measures the checks that are running against the agent's budget
// (config::LimitsSettings) and says which to stop. Pure logic on time points and readings
// handed in or taken through the injected ResourceReader; it owns no timer: the Scheduler
// asks NextSample() and wakes for it only while a check runs, so an idle agent is never
// woken for the watchdog.
//
// CPU: a check's own thread (its CPU-time clock) over the last `window`: more than
// cpu_percent of one core for the whole window is a breach, so a short burst never is.
// Memory: the process's resident memory. Above memory_bytes, the check that grew the
// process's own data (anonymous memory) most since it began is the offender, if it grew it
// by at least an eighth of the budget; file pages (code mapped back in at a round's start)
// are no check's doing. Memory the agent holds for other reasons is logged (once a window)
// and counted, and stops nothing.
//
// Not thread-safe: the Scheduler's (io) thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/resource_reader.h"
#include "config/agent_config.h"

namespace candor::agent {

class Watchdog {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  // Samples per window: a breach is seen at most a sixth of a window late.
  static constexpr int kSamplesPerWindow = 6;

  enum class Limit { kCpu, kMemory };
  struct Breach {
    std::string check;
    Limit limit;
    std::string measured;  // "CPU 14.2 s in the last 60 s (24% of one core)"
    std::string budget;    // "20% of one core"
  };
  struct Stats {
    uint64_t samples = 0;
    uint64_t cpu_breaches = 0;
    uint64_t memory_breaches = 0;
    uint64_t memory_unattributed = 0;  // samples over the memory budget with no check to blame
  };

  // `reader` must outlive the watchdog.
  Watchdog(const config::LimitsSettings& limits, const ResourceReader& reader);

  // A check's collector began on a pool thread; `thread`, `cpu` and `anonymous` (the
  // reader's AnonymousBytes) were read there just before. Replaces an earlier run of the
  // same check.
  void Began(const std::string& check, ResourceReader::ThreadHandle thread,
             std::optional<std::chrono::nanoseconds> cpu, std::optional<uint64_t> anonymous,
             TimePoint now);
  // Its collector returned.
  void Ended(const std::string& check);

  // When the next sample is due; nullopt while no check (not yet stopped) runs.
  std::optional<TimePoint> NextSample() const;
  // Samples when one is due (else does nothing) and returns the checks over budget; each run
  // is returned at most once and then no longer measured.
  std::vector<Breach> SampleIfDue(TimePoint now);

  const config::LimitsSettings& limits() const { return limits_; }
  const ResourceReader& reader() const { return reader_; }
  const Stats& stats() const { return stats_; }

 private:
  struct Reading {
    TimePoint at;
    std::chrono::nanoseconds cpu;
  };
  struct Run {
    ResourceReader::ThreadHandle thread;
    std::optional<uint64_t> anonymous_at_start;
    std::deque<Reading> cpu;  // oldest first; the first one at or before now - window kept
    bool stopped = false;
  };

  std::optional<Breach> CheckCpu(const std::string& check, Run& run, TimePoint now);
  std::optional<Breach> CheckMemory(uint64_t rss, uint64_t anonymous, TimePoint now);
  bool AnyMeasured() const;

  const config::LimitsSettings limits_;
  const ResourceReader& reader_;
  const std::chrono::system_clock::duration period_;
  std::map<std::string, Run> runs_;
  std::optional<TimePoint> next_sample_;
  std::optional<TimePoint> memory_logged_at_;
  Stats stats_;
};

absl::string_view LimitName(Watchdog::Limit limit);  // "CPU", "memory"

}  // namespace candor::agent
