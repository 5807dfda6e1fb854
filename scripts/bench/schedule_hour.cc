// An hour of the agent's schedule, simulated: 50 checks with intervals from 1 to 60
// minutes and splay, run by the real Scheduler on its thread pool with the real os_info
// collector, every result built into an event and appended to a real spool with fsync.
// Time comes from a clock the benchmark moves from one requested wake-up to the next, so
// an hour passes in seconds; the CPU time and peak RSS are what the agent spent doing that
// hour's work. It also counts wake-ups against a 1-second polling loop (3,600 per hour).
//
// With --guards the scheduler also runs with the watchdog (the real /proc reader, default
// limits), the cool-downs and the record of running checks (state_dir/checks.running, two
// writes per run), as candor-agent does; the extra wake-ups, samples and writes are printed.

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "agent/event_builder.h"
#include "agent/scheduler.h"
#include "agent/scheduler_guards.h"
#include "agent/spool.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/thread_pool.hpp"
#include "collectors/builtin.h"

namespace {

using candor::agent::Clock;
using candor::agent::WakeTimer;

class SimulatedClock final : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  void Set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_{std::chrono::seconds(1'800'000'000)};
};

class RecordingTimer final : public WakeTimer {
 public:
  void WakeAt(TimePoint when, std::function<void()>) override { armed = when; }
  void Cancel() override { armed.reset(); }
  std::optional<TimePoint> armed;
};

double Seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

}  // namespace

int main(int argc, char** argv) {
  namespace ca = candor::agent;
  const bool guarded = argc > 1 && std::strcmp(argv[1], "--guards") == 0;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("candor-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto spool = ca::Spool::Open(dir);
  if (!spool.ok()) return 1;

  candor::collectors::CollectorRegistry registry;
  candor::collectors::RegisterBuiltins(registry);
  const candor::collectors::HostView host("/");
  boost::asio::io_context io;
  boost::asio::thread_pool pool(2);
  SimulatedClock clock;
  RecordingTimer timer;
  uint64_t events = 0;
  ca::Scheduler scheduler(
      io, clock, timer, pool, registry, host,
      [&](const candor::config::CheckSpec& check, const candor::collectors::CheckResult& result,
          Clock::TimePoint observed, uint64_t version) {
        if ((*spool)->Append(ca::BuildCheckEvent(check, result, observed, version)).ok() &&
            (*spool)->Sync().ok()) {
          ++events;
        }
      },
      1);

  candor::config::AgentConfig config;
  config.state_dir = dir;
  std::unique_ptr<ca::SchedulerGuards> guards;
  if (guarded) {
    auto opened = ca::SchedulerGuards::Open(config);
    if (!opened.ok()) return 1;
    guards = *std::move(opened);
    guards->Attach(scheduler);
  }

  auto policy = std::make_shared<candor::config::Policy>();
  policy->name = "bench";
  policy->version = 1;
  for (int i = 0; i < 50; ++i) {
    candor::config::CheckSpec check;
    check.id = "check-" + std::to_string(i);
    check.collector = "os_info";
    check.interval = std::chrono::minutes(1 + (i * 59) / 49);  // 1 to 60 minutes
    check.splay = check.interval / 10;
    check.timeout = std::chrono::seconds(30);
    check.platforms = {candor::config::CurrentPlatform()};
    policy->checks.push_back(check);
  }

  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto wall_start = std::chrono::steady_clock::now();
  const Clock::TimePoint end = clock.Now() + std::chrono::hours(1);
  scheduler.SetPolicy(policy);
  while (true) {
    // Let every started check finish and report before moving time.
    while (scheduler.running() > 0) {
      io.restart();
      io.run_one_for(std::chrono::seconds(5));
    }
    if (!timer.armed || *timer.armed > end) break;
    clock.Set(*timer.armed);
    scheduler.Tick();
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  scheduler.Stop();
  pool.join();
  double write_us = 0;
  double read_us = 0;
  if (guards) {
    guards->CleanExit();
    // What one write of the running record costs (write a temporary file, rename it).
    std::vector<std::string> none;
    auto record = ca::RunningRecord::Open(dir / "bench.running", &none);
    if (!record.ok()) return 1;
    constexpr int kWrites = 2000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kWrites / 2; ++i) {
      (*record)->Add("check-1");
      (*record)->Remove("check-1");
    }
    write_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
        kWrites;
    // What a run's start readings cost on its thread: the thread's CPU clock and the RSS.
    const ca::ProcResourceReader reader;
    const auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < kWrites; ++i) {
      (void)reader.ThreadCpu(reader.CurrentThread());
      (void)reader.ResidentBytes();
    }
    read_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t1).count() /
        kWrites;
  }
  std::filesystem::remove_all(dir);

  const double cpu = Seconds(after.ru_utime) - Seconds(before.ru_utime) + Seconds(after.ru_stime) -
                     Seconds(before.ru_stime);
  const auto& stats = scheduler.stats();
  std::printf("simulated: 1 hour, 50 checks (intervals 1-60 min, splay 10%%)\n");
  std::printf("check runs: %llu, events spooled (fsync each): %llu\n",
              static_cast<unsigned long long>(stats.runs), static_cast<unsigned long long>(events));
  std::printf("wake-ups: %llu (a 1 s polling loop: 3600)\n",
              static_cast<unsigned long long>(stats.wakes));
  std::printf("cpu time: %.3f s for the hour (%.1f us per check run incl. spool)\n", cpu,
              cpu * 1e6 / static_cast<double>(stats.runs));
  std::printf("peak rss: %.1f MiB (whole benchmark process)\n", after.ru_maxrss / 1024.0);
  std::printf("wall time to simulate: %.2f s\n", wall);
  if (guards) {
    std::printf("guards: watchdog samples %llu, running-record writes %llu (%llu failed)\n",
                static_cast<unsigned long long>(guards->watchdog().stats().samples),
                static_cast<unsigned long long>(guards->running_writes()),
                static_cast<unsigned long long>(guards->running_write_failures()));
    std::printf("one running-record write: %.1f us (wall, mean of 2000)\n", write_us);
    std::printf("one start reading (thread CPU + RSS): %.1f us (wall, mean of 2000)\n", read_us);
  }
  return 0;
}
