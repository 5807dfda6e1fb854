#pragma once

// Schedule: when each check of the active policy is next due. Pure logic on wall-clock time
// points handed in by the caller (no clock, timer or thread of its own), so tests can move
// time freely, including jumps. Not thread-safe: owned by the Scheduler.
//
// Due times follow the wall clock. A check runs every `interval`, each run placed at a
// random point in [base, base + splay]. When the device slept (or the clock stepped)
// through due times, each overdue check runs once, spread over a short catch-up window,
// instead of every missed run at once or a full interval of uptime later.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "config/policy.h"

namespace candor::agent {

class Schedule {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // How late a due time may be seen before it counts as slept through.
  static constexpr std::chrono::seconds kLateTolerance{30};
  // Overdue checks are spread over max(splay, this), at most their interval.
  static constexpr std::chrono::seconds kCatchUpWindow{60};

  explicit Schedule(uint64_t seed) : rng_(seed) {}

  // Replaces the set of checks. A check whose spec is unchanged keeps its timing; a new or
  // changed one is due at `now`.
  void SetChecks(const std::vector<config::CheckSpec>& checks, TimePoint now);

  // The ids of the checks to run at `now`, in policy order; each gets its next due time.
  std::vector<std::string> TakeDue(TimePoint now);

  // The earliest due time, or nullopt when there are no checks.
  std::optional<TimePoint> NextDue() const;

  // The due time of one check (for tests and `status`).
  std::optional<TimePoint> DueOf(const std::string& id) const;

 private:
  struct Entry {
    config::CheckSpec spec;
    TimePoint base;  // the grid point of the next run
    TimePoint due;   // base plus this run's splay
  };

  std::chrono::seconds Random(std::chrono::seconds upper);
  void CatchUp(Entry& entry, TimePoint now);

  std::vector<Entry> entries_;
  std::mt19937_64 rng_;
};

}  // namespace candor::agent
