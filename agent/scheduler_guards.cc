#include "agent/scheduler_guards.h"

namespace candor::agent {

absl::StatusOr<std::unique_ptr<SchedulerGuards>> SchedulerGuards::Open(
    const config::AgentConfig& config) {
  std::vector<std::string> interrupted;
  absl::StatusOr<std::unique_ptr<RunningRecord>> running =
      RunningRecord::Open(config.state_dir / kRunningFile, &interrupted);
  if (!running.ok()) return running.status();
  return std::unique_ptr<SchedulerGuards>(
      new SchedulerGuards(config, *std::move(running), std::move(interrupted)));
}

SchedulerGuards::SchedulerGuards(const config::AgentConfig& config,
                                 std::unique_ptr<RunningRecord> running,
                                 std::vector<std::string> interrupted)
    : watchdog_(config.limits, reader_),
      cooldowns_(config.limits.cooldown, config.state_dir),
      running_(std::move(running)),
      interrupted_(std::move(interrupted)) {
  cooldowns_.Load();
}

void SchedulerGuards::Attach(Scheduler& scheduler) {
  scheduler.SetGuards(
      {.watchdog = &watchdog_, .cooldowns = &cooldowns_, .running = running_.get()});
  scheduler.HoldInterrupted(std::exchange(interrupted_, {}));
}

}  // namespace candor::agent
