// The Scheduler with its guards: the watchdog's stops, cool-downs and the record of running
// checks, with fake readings and a manual clock; and one check that burns real CPU, measured
// by the real /proc reader.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>

#include "agent/scheduler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agent/fake_resources.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr uint64_t kMiB = uint64_t{1} << 20;

class ManualClock final : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  void Advance(Clock::TimePoint::duration d) { now_ += d; }

 private:
  TimePoint now_{std::chrono::seconds(1'800'000'000)};
};

class RecordingTimer final : public WakeTimer {
 public:
  void WakeAt(TimePoint when, std::function<void()>) override { armed = when; }
  void Cancel() override { armed.reset(); }
  std::optional<TimePoint> armed;
};

// What a run does is set by the test: how much fake CPU and memory it "uses", then it waits
// until released (or returns at once when `hold` is off). `burn_real` spins on its own
// thread until it used that much real CPU.
class ScriptedCollector final : public collectors::Collector {
 public:
  ScriptedCollector(std::string id, FakeResources* fake) : fake_(fake) {
    spec_.id = std::move(id);
    spec_.platforms = {config::CurrentPlatform()};
  }
  const config::CollectorSpec& spec() const override { return spec_; }
  collectors::CheckResult Collect(const collectors::HostView& host,
                                  const config::Params&) const override {
    if (!program.empty()) {
      if (fake_ != nullptr) fake_->AddToThisThread(fake_cpu);
      absl::StatusOr<collectors::ProgramOutput> out = host.RunProgram(program, {"60"});
      collectors::CheckResult result;
      result.reason = out.ok() ? "the program ended" : std::string(out.status().message());
      std::lock_guard<std::mutex> lock(mu_);
      program_result_ = result.reason;
      ++started_;
      return result;
    }
    if (fake_ != nullptr) {
      fake_->AddToThisThread(fake_cpu);
      if (fake_rss != 0) fake_->SetRss(fake_rss);
    }
    if (burn_real.count() > 0) {
      volatile uint64_t spin = 0;
      while (ThisThreadCpu() < burn_real) spin = spin + 1;
    }
    std::unique_lock<std::mutex> lock(mu_);
    ++started_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !hold || released_; });
    collectors::CheckResult result;
    result.status = collectors::CheckStatus::kPass;
    result.reason = "done";
    return result;
  }
  void WaitStarted(int runs) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(60), [&] { return started_ >= runs; });
    ASSERT_GE(started_, runs);
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  static std::chrono::nanoseconds ThisThreadCpu() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  }

  std::chrono::nanoseconds fake_cpu{0};
  uint64_t fake_rss = 0;
  std::chrono::nanoseconds burn_real{0};
  bool hold = true;
  std::string program;  // runs it with "60" instead of the above
  std::string program_result() {
    std::lock_guard<std::mutex> lock(mu_);
    return program_result_;
  }

 private:
  FakeResources* fake_;
  config::CollectorSpec spec_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable int started_ = 0;
  mutable std::string program_result_;
  bool released_ = false;
};

struct Reported {
  std::string check;
  collectors::CheckResult result;
};

config::CheckSpec Check(const std::string& id, const std::string& collector,
                        std::chrono::seconds interval, std::chrono::seconds timeout) {
  config::CheckSpec spec;
  spec.id = id;
  spec.collector = collector;
  spec.interval = interval;
  spec.timeout = timeout;
  spec.platforms = {config::CurrentPlatform()};
  return spec;
}

std::shared_ptr<const config::Policy> MakePolicy(std::vector<config::CheckSpec> checks) {
  auto policy = std::make_shared<config::Policy>();
  policy->name = "test";
  policy->version = 1;
  policy->checks = std::move(checks);
  return policy;
}

// The live system, with a runner allowed to run sleep(1) only.
collectors::HostView::Options HostOptions(
    std::shared_ptr<const collectors::SystemProgramRunner> runner) {
  collectors::HostView::Options options;
  options.runner = std::move(runner);
  return options;
}

class GuardedSchedulerTest : public ::testing::Test {
 protected:
  explicit GuardedSchedulerTest(const ResourceReader* reader = nullptr)
      : pool_(2),
        runner_(std::make_shared<collectors::SystemProgramRunner>(
            std::set<std::string>{"/bin/sleep"}, std::chrono::milliseconds(120'000), 1024)),
        host_("/", HostOptions(runner_)),
        watchdog_(config::LimitsSettings{}, reader != nullptr ? *reader : fake_),
        cooldowns_(hours(1), "") {
    auto hog = std::make_unique<ScriptedCollector>("hog", &fake_);
    auto quick = std::make_unique<ScriptedCollector>("quick", &fake_);
    hog_ = hog.get();
    quick_ = quick.get();
    quick_->hold = false;
    EXPECT_TRUE(registry_.Register(std::move(hog)).ok());
    EXPECT_TRUE(registry_.Register(std::move(quick)).ok());
    std::vector<std::string> interrupted;
    record_ = *RunningRecord::Open(dir_ / "checks.running", &interrupted);
    scheduler_ = std::make_unique<Scheduler>(
        io_, clock_, timer_, pool_, registry_, host_,
        [this](const config::CheckSpec& check, const collectors::CheckResult& result,
               Clock::TimePoint, uint64_t) {
          reported_.push_back({check.id, result});
        },
        1);
    scheduler_->SetGuards(
        {.watchdog = &watchdog_, .cooldowns = &cooldowns_, .running = record_.get()});
  }
  ~GuardedSchedulerTest() override {
    hog_->Release();
    scheduler_->Stop();
    pool_.join();
  }

  // Runs the io thread until `done` holds, for at most 60 s of real time.
  void RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(done());
  }
  // The hog began and the scheduler heard of it (a sample is then planned).
  void WaitHogMeasured(int runs = 1) {
    hog_->WaitStarted(runs);
    RunUntil([&] { return watchdog_.NextSample().has_value(); });
  }
  // What checks.running names (it is padded with empty lines).
  std::string RecordedRunning() {
    std::string names = testing::ReadFile(dir_ / "checks.running");
    names.erase(std::remove(names.begin(), names.end(), '\n'), names.end());
    return names;
  }
  void AdvanceAndTick(Clock::TimePoint::duration d) {
    clock_.Advance(d);
    scheduler_->Tick();
  }

  FakeResources fake_;
  testing::TempDir dir_;
  boost::asio::io_context io_;
  boost::asio::thread_pool pool_;
  ManualClock clock_;
  RecordingTimer timer_;
  collectors::CollectorRegistry registry_;
  std::shared_ptr<const collectors::SystemProgramRunner> runner_;
  collectors::HostView host_;
  Watchdog watchdog_;
  Cooldowns cooldowns_;
  std::unique_ptr<RunningRecord> record_;
  ScriptedCollector* hog_;
  ScriptedCollector* quick_;
  std::vector<Reported> reported_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(GuardedSchedulerTest, WithinBudgetNothingChangesAndAnIdleAgentIsNotWoken) {
  const auto start = clock_.Now();
  scheduler_->SetPolicy(MakePolicy({Check("q", "quick", minutes(15), seconds(30))}));
  RunUntil([&] { return reported_.size() == 1 && scheduler_->running() == 0; });
  EXPECT_EQ(reported_[0].result.status, collectors::CheckStatus::kPass);
  EXPECT_EQ(timer_.armed, start + minutes(15));  // no sampling once nothing runs
  EXPECT_EQ(watchdog_.NextSample(), std::nullopt);
  EXPECT_EQ(scheduler_->stats().stopped, 0u);
}

TEST_F(GuardedSchedulerTest, ACheckOverTheCpuBudgetIsStoppedCooledDownAndRetriedAfter) {
  hog_->fake_cpu = seconds(13);  // more than 20% of 60 s
  const auto start = clock_.Now();
  scheduler_->SetPolicy(MakePolicy({Check("h", "hog", minutes(10), minutes(5))}));
  WaitHogMeasured();
  EXPECT_EQ(timer_.armed, start + seconds(10));  // the first sample, before the timeout
  EXPECT_EQ(RecordedRunning(), "h");

  AdvanceAndTick(seconds(10));
  ASSERT_EQ(reported_.size(), 1u);
  EXPECT_EQ(reported_[0].result.status, collectors::CheckStatus::kError);
  EXPECT_THAT(reported_[0].result.reason,
              StartsWith("stopped by the agent's watchdog: CPU 13.0 s in 10 s (130% of one "
                         "core) is over budget (20% of one core over 60 s); not run again "
                         "before 2027-01-15T09:00:10.000Z"));
  EXPECT_EQ(scheduler_->stats().stopped, 1u);
  EXPECT_EQ(cooldowns_.Until("h", clock_.Now()), start + seconds(10) + hours(1));

  hog_->Release();  // its late result is dropped
  RunUntil([&] { return scheduler_->running() == 0; });
  EXPECT_EQ(reported_.size(), 1u);
  EXPECT_EQ(RecordedRunning(), "");

  AdvanceAndTick(minutes(10) - seconds(10));  // due, but cooling down
  EXPECT_EQ(scheduler_->stats().skipped_cooldown, 1u);
  EXPECT_EQ(scheduler_->running(), 0u);
  // The cool-down ends: it runs then, once, within budget this time.
  hog_->fake_cpu = seconds(0);
  clock_.Advance(start + seconds(10) + hours(1) - clock_.Now());
  scheduler_->Tick();
  EXPECT_EQ(scheduler_->running(), 1u);
  RunUntil([&] { return reported_.size() == 2; });
  EXPECT_EQ(reported_[1].result.status, collectors::CheckStatus::kPass);
}

TEST_F(GuardedSchedulerTest, ACheckOverTheMemoryBudgetIsStopped) {
  hog_->fake_rss = 200 * kMiB;
  scheduler_->SetPolicy(MakePolicy({Check("h", "hog", minutes(10), minutes(5))}));
  WaitHogMeasured();
  AdvanceAndTick(seconds(10));
  ASSERT_EQ(reported_.size(), 1u);
  EXPECT_THAT(reported_[0].result.reason,
              HasSubstr("stopped by the agent's watchdog: memory 200.0 MiB resident (180.0 MiB "
                        "more than when it began) is over budget (64.0 MiB)"));
  EXPECT_EQ(watchdog_.stats().memory_breaches, 1u);
}

TEST_F(GuardedSchedulerTest, TheProgramAStoppedCheckRunsIsKilled) {
  hog_->program = "/bin/sleep";
  hog_->fake_cpu = seconds(13);
  scheduler_->SetPolicy(MakePolicy({Check("h", "hog", minutes(10), minutes(5))}));
  RunUntil([&] { return watchdog_.NextSample().has_value(); });
  // Once sleep runs (the runner has it under the check's thread), the sample stops the check.
  RunUntil([&] { return runner_->running() == 1; });
  AdvanceAndTick(seconds(10));
  EXPECT_EQ(scheduler_->stats().stopped, 1u);
  RunUntil([&] { return scheduler_->running() == 0; });
  EXPECT_EQ(hog_->program_result(), "/bin/sleep was stopped by the agent");
  ASSERT_EQ(reported_.size(), 1u);
  EXPECT_THAT(reported_[0].result.reason, StartsWith("stopped by the agent's watchdog: CPU"));
}

TEST_F(GuardedSchedulerTest, ACheckTheAgentDiedRunningIsReportedAndHeldBack) {
  const auto start = clock_.Now();
  scheduler_->HoldInterrupted({"h", "gone"});
  scheduler_->SetPolicy(MakePolicy(
      {Check("h", "hog", minutes(10), minutes(5)), Check("q", "quick", minutes(10), minutes(5))}));
  ASSERT_GE(reported_.size(), 1u);
  EXPECT_EQ(reported_[0].check, "h");
  EXPECT_EQ(reported_[0].result.status, collectors::CheckStatus::kError);
  EXPECT_EQ(reported_[0].result.reason,
            "the agent stopped while this check ran; not run again before "
            "2027-01-15T09:00:00.000Z");
  RunUntil([&] { return reported_.size() == 2 && scheduler_->running() == 0; });
  EXPECT_EQ(reported_[1].check, "q");  // "gone" is not in the policy: logged only
  EXPECT_EQ(scheduler_->stats().skipped_cooldown, 1u);
  EXPECT_EQ(timer_.armed, start + minutes(10));

  // Through its normal runs in the hour, then once when the cool-down ends.
  hog_->hold = false;
  for (int i = 0; i < 6; ++i) {
    AdvanceAndTick(*timer_.armed - clock_.Now());
    RunUntil([&] { return scheduler_->running() == 0; });
  }
  EXPECT_EQ(clock_.Now(), start + hours(1));
  RunUntil([&] {
    return std::any_of(reported_.begin(), reported_.end(), [](const Reported& r) {
      return r.check == "h" && r.result.reason == "done";
    });
  });
  EXPECT_EQ(scheduler_->stats().skipped_cooldown, 6u);
}

// A check that really burns CPU, measured by the real reader, against a budget of 1% of a
// core over 10 s (0.1 s of CPU): it is stopped at the first sample after it used 0.3 s.
class RealCpuTest : public GuardedSchedulerTest {
 protected:
  RealCpuTest() : GuardedSchedulerTest(&real_) {}
  ProcResourceReader real_;
};

TEST_F(RealCpuTest, ACheckBurningCpuIsStoppedByTheRealReader) {
  // The watchdog measures with the real reader; only the limits are made small.
  config::LimitsSettings limits;
  limits.cpu_percent = 1;
  limits.window = seconds(10);
  Watchdog small(limits, real_);
  scheduler_->SetGuards({.watchdog = &small, .cooldowns = &cooldowns_, .running = record_.get()});
  hog_->burn_real = std::chrono::milliseconds(300);
  scheduler_->SetPolicy(MakePolicy({Check("h", "hog", minutes(10), minutes(5))}));
  hog_->WaitStarted(1);
  RunUntil([&] { return small.NextSample().has_value(); });
  AdvanceAndTick(seconds(2));
  ASSERT_EQ(reported_.size(), 1u);
  EXPECT_THAT(reported_[0].result.reason, StartsWith("stopped by the agent's watchdog: CPU 0."));
  EXPECT_THAT(reported_[0].result.reason, HasSubstr("over budget (1% of one core over 10 s)"));
}

}  // namespace
}  // namespace candor::agent
