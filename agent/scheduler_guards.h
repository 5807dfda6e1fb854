#pragma once

// SchedulerGuards: the agent's resource limits, wired for one candor-agent process. Owns the
// /proc reader, the Watchdog, the Cooldowns (state_dir/checks.cooldown) and the
// RunningRecord (state_dir/checks.running), and hands them to the Scheduler. Made before the
// thread pool, so it outlives the pool's threads. Not thread-safe (the parts that pool
// threads use are).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/cooldowns.h"
#include "agent/resource_reader.h"
#include "agent/running_record.h"
#include "agent/scheduler.h"
#include "agent/watchdog.h"
#include "config/agent_config.h"

namespace candor::agent {

class SchedulerGuards {
 public:
  static constexpr const char* kRunningFile = "checks.running";

  // Reads what an earlier process left (cool-downs, checks it died running).
  static absl::StatusOr<std::unique_ptr<SchedulerGuards>> Open(const config::AgentConfig& config);

  // Before the scheduler's first policy.
  void Attach(Scheduler& scheduler);
  // A clean exit: no check counts as interrupted at the next start.
  void CleanExit() { running_->Close(); }

  const Watchdog& watchdog() const { return watchdog_; }
  Cooldowns& cooldowns() { return cooldowns_; }
  uint64_t running_writes() const { return running_->writes(); }
  uint64_t running_write_failures() const { return running_->write_failures(); }

 private:
  SchedulerGuards(const config::AgentConfig& config, std::unique_ptr<RunningRecord> running,
                  std::vector<std::string> interrupted);

  const ProcResourceReader reader_;
  Watchdog watchdog_;
  Cooldowns cooldowns_;
  std::unique_ptr<RunningRecord> running_;
  std::vector<std::string> interrupted_;
};

}  // namespace candor::agent
