#pragma once

// Cooldowns: checks that may not run before a given time, because the watchdog stopped them
// or the agent died while they ran. Each repeat since the check last completed a run doubles
// the wait (base, 2 x base, 4 x base ... up to max(base, 1 day)), so a check that kills the
// agent at every run costs a restart a day at most, not a crash loop.
//
// Kept in a small file (state_dir/checks.cooldown: "<check> <until, unix seconds>
// <repeats>" a line), written atomically with fsync on each change, which happens only when
// a check is stopped or recovers: a cool-down survives restarts and power loss.
//
// Not thread-safe: the Scheduler's (io) thread.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace candor::agent {

class Cooldowns {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  static constexpr std::chrono::seconds kMaxDoubled{86400};

  // `dir` empty: kept in memory only (--once, tests).
  Cooldowns(std::chrono::seconds base, std::filesystem::path dir);

  // Reads the file written by an earlier process; damaged lines are skipped and logged.
  void Load();

  // Starts a cool-down for `check` at `now` and returns when it ends.
  TimePoint Put(const std::string& check, TimePoint now);
  // The end of the check's cool-down if it is later than `now`.
  std::optional<TimePoint> Until(const std::string& check, TimePoint now) const;
  // A run completed normally after its cool-down: the doubling starts over.
  void Completed(const std::string& check, TimePoint now);

  // Told of each cool-down now held (at once) and of each change from now on: the check
  // and the end of its cool-down, or nullopt when it has none any more. For the status
  // the employee and the admin read (StatusBoard).
  using Listener = std::function<void(const std::string& check, std::optional<TimePoint> until)>;
  void Watch(Listener listener);

  static constexpr const char* kFileName = "checks.cooldown";

 private:
  struct Entry {
    TimePoint until;
    int repeats = 0;  // cool-downs since the check last completed a run
  };
  void Save() const;

  const std::chrono::seconds base_;
  const std::filesystem::path dir_;
  std::map<std::string, Entry> entries_;
  Listener listener_;
};

}  // namespace candor::agent
