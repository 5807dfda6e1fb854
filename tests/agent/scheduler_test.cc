#include "agent/scheduler.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace candor::agent {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

// Time that only moves when the test says so.
class ManualClock final : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  void Advance(std::chrono::seconds d) { now_ += d; }

 private:
  TimePoint now_{std::chrono::seconds(1'800'000'000)};
};

// Records when the scheduler asked to be woken; the test wakes it by calling Tick().
class RecordingTimer final : public WakeTimer {
 public:
  void WakeAt(TimePoint when, std::function<void()>) override {
    armed = when;
    ++arms;
  }
  void Cancel() override { armed.reset(); }
  std::optional<TimePoint> armed;
  int arms = 0;
};

// Counts its runs and returns at once.
class CountingCollector final : public collectors::Collector {
 public:
  explicit CountingCollector(std::string id) {
    spec_.id = std::move(id);
    spec_.platforms = {config::CurrentPlatform()};
  }
  const config::CollectorSpec& spec() const override { return spec_; }
  collectors::CheckResult Collect(const collectors::HostView&,
                                  const config::Params& params) const override {
    ++runs;
    collectors::CheckResult result;
    result.status = collectors::CheckStatus::kPass;
    result.reason = "ran with " + std::to_string(params.size()) + " params";
    return result;
  }
  mutable std::atomic<int> runs{0};

 private:
  config::CollectorSpec spec_;
};

// Blocks until released, like a check stuck on a slow disk.
class BlockingCollector final : public collectors::Collector {
 public:
  BlockingCollector() {
    spec_.id = "blocking";
    spec_.platforms = {config::CurrentPlatform()};
  }
  const config::CollectorSpec& spec() const override { return spec_; }
  collectors::CheckResult Collect(const collectors::HostView&,
                                  const config::Params&) const override {
    ++started;
    std::unique_lock<std::mutex> lock(mu_);
    released_cv_.wait(lock, [this] { return released_; });
    collectors::CheckResult result;
    result.status = collectors::CheckStatus::kPass;
    result.reason = "finally";
    return result;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    released_cv_.notify_all();
  }
  mutable std::atomic<int> started{0};

 private:
  config::CollectorSpec spec_;
  mutable std::mutex mu_;
  mutable std::condition_variable released_cv_;
  bool released_ = false;
};

struct Reported {
  std::string check;
  collectors::CheckResult result;
  uint64_t policy_version;
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

std::shared_ptr<const config::Policy> MakePolicy(uint64_t version,
                                                 std::vector<config::CheckSpec> checks) {
  auto policy = std::make_shared<config::Policy>();
  policy->name = "test";
  policy->version = version;
  policy->checks = std::move(checks);
  return policy;
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() : pool_(2), host_("/") {
    auto counting = std::make_unique<CountingCollector>("counting");
    auto other = std::make_unique<CountingCollector>("other");
    auto blocking = std::make_unique<BlockingCollector>();
    counting_ = counting.get();
    other_ = other.get();
    blocking_ = blocking.get();
    EXPECT_TRUE(registry_.Register(std::move(counting)).ok());
    EXPECT_TRUE(registry_.Register(std::move(other)).ok());
    EXPECT_TRUE(registry_.Register(std::move(blocking)).ok());
    scheduler_ = std::make_unique<Scheduler>(
        io_, clock_, timer_, pool_, registry_, host_,
        [this](const config::CheckSpec& check, const collectors::CheckResult& result,
               Clock::TimePoint, uint64_t version) {
          reported_.push_back({check.id, result, version});
        },
        1);
  }
  ~SchedulerTest() override {
    blocking_->Release();
    scheduler_->Stop();
    pool_.join();
  }

  // Lets results come back from the pool, for at most 10 s of real time.
  void WaitForReports(size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (reported_.size() < count && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(reported_.size(), count);
  }

  boost::asio::io_context io_;
  boost::asio::thread_pool pool_;
  ManualClock clock_;
  RecordingTimer timer_;
  collectors::CollectorRegistry registry_;
  collectors::HostView host_;
  CountingCollector* counting_;
  CountingCollector* other_;
  BlockingCollector* blocking_;
  std::vector<Reported> reported_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, RunsChecksOnThePoolAndSleepsUntilTheNextDueTime) {
  const auto start = clock_.Now();
  scheduler_->SetPolicy(MakePolicy(4, {Check("a", "counting", minutes(1), seconds(10)),
                                       Check("b", "other", minutes(5), seconds(10))}));
  WaitForReports(2);
  EXPECT_EQ(reported_[0].policy_version, 4u);
  EXPECT_EQ(reported_[0].result.status, collectors::CheckStatus::kPass);
  // One timer, set for the next due time: no polling in between.
  EXPECT_EQ(timer_.armed, start + minutes(1));

  clock_.Advance(minutes(1));
  scheduler_->Tick();
  WaitForReports(3);
  EXPECT_EQ(reported_[2].check, "a");
  EXPECT_EQ(counting_->runs, 2);
  EXPECT_EQ(other_->runs, 1);
  EXPECT_EQ(timer_.armed, start + minutes(2));
}

TEST_F(SchedulerTest, ATimedOutCheckIsReportedAndDoesNotHoldTheOthersOrRunTwice) {
  scheduler_->SetPolicy(MakePolicy(1, {Check("stuck", "blocking", minutes(1), seconds(30)),
                                       Check("fine", "counting", minutes(1), seconds(30))}));
  WaitForReports(1);  // "fine" reports while "stuck" is still running
  EXPECT_EQ(reported_[0].check, "fine");
  EXPECT_EQ(timer_.armed, clock_.Now() + seconds(30));  // woken for the timeout

  clock_.Advance(seconds(30));
  scheduler_->Tick();
  ASSERT_EQ(reported_.size(), 2u);
  EXPECT_EQ(reported_[1].check, "stuck");
  EXPECT_EQ(reported_[1].result.status, collectors::CheckStatus::kError);
  EXPECT_EQ(reported_[1].result.reason, "timed out after 30s");
  EXPECT_EQ(scheduler_->stats().timeouts, 1u);

  clock_.Advance(seconds(30));  // both due again; "stuck" is still running
  scheduler_->Tick();
  WaitForReports(3);
  EXPECT_EQ(reported_[2].check, "fine");
  EXPECT_EQ(blocking_->started, 1);
  EXPECT_EQ(scheduler_->stats().skipped_running, 1u);

  blocking_->Release();  // its late result is dropped, it was already reported
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (scheduler_->running() > 0 && std::chrono::steady_clock::now() < deadline) {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(reported_.size(), 3u);
  EXPECT_EQ(scheduler_->running(), 0u);
}

TEST_F(SchedulerTest, ANewPolicyRunsNewAndChangedChecksAtOnce) {
  config::CheckSpec same = Check("same", "counting", minutes(10), seconds(10));
  config::CheckSpec changed = Check("changed", "other", minutes(10), seconds(10));
  scheduler_->SetPolicy(MakePolicy(1, {same, changed}));
  WaitForReports(2);

  clock_.Advance(minutes(1));
  changed.interval = minutes(20);
  scheduler_->SetPolicy(
      MakePolicy(2, {same, changed, Check("new", "counting", minutes(10), seconds(10))}));
  WaitForReports(4);
  std::set<std::string> rerun = {reported_[2].check, reported_[3].check};
  EXPECT_EQ(rerun, (std::set<std::string>{"changed", "new"}));
  EXPECT_EQ(reported_[2].policy_version, 2u);
  EXPECT_EQ(reported_[3].policy_version, 2u);
}

TEST_F(SchedulerTest, RunAllOnceFinishesWhenEveryCheckReportedEvenATimedOutOne) {
  bool done = false;
  scheduler_->RunAllOnce(MakePolicy(1, {Check("stuck", "blocking", minutes(1), seconds(5)),
                                        Check("fine", "counting", minutes(1), seconds(5))}),
                         [&] { done = true; });
  WaitForReports(1);
  EXPECT_FALSE(done);
  clock_.Advance(seconds(5));
  scheduler_->Tick();
  EXPECT_TRUE(done);
  EXPECT_THAT(reported_[1].result.reason, HasSubstr("timed out after 5s"));
}

TEST_F(SchedulerTest, ChecksForAnotherPlatformDoNotRun) {
  config::CheckSpec elsewhere = Check("elsewhere", "counting", minutes(1), seconds(5));
  elsewhere.platforms = {config::CurrentPlatform() == config::Platform::kWindows
                             ? config::Platform::kLinux
                             : config::Platform::kWindows};
  scheduler_->SetPolicy(MakePolicy(1, {elsewhere, Check("here", "other", minutes(1), seconds(5))}));
  WaitForReports(1);
  EXPECT_EQ(reported_[0].check, "here");
  EXPECT_EQ(counting_->runs, 0);
}

TEST_F(SchedulerTest, AnUnknownCollectorIsAnErrorResultNotACrash) {
  scheduler_->SetPolicy(MakePolicy(1, {Check("x", "no_such_collector", minutes(1), seconds(5))}));
  ASSERT_EQ(reported_.size(), 1u);
  EXPECT_EQ(reported_[0].result.status, collectors::CheckStatus::kError);
  EXPECT_THAT(reported_[0].result.reason, HasSubstr("not in this agent"));
}

}  // namespace
}  // namespace candor::agent
