#include "agent/watchdog.h"

#include <fstream>
#include <thread>

#include "agent/cooldowns.h"
#include "agent/resource_reader.h"
#include "agent/running_record.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agent/fake_resources.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using TimePoint = Watchdog::TimePoint;

constexpr uint64_t kMiB = uint64_t{1} << 20;
const TimePoint kStart{seconds(1'800'000'000)};

config::LimitsSettings Limits() {
  config::LimitsSettings limits;  // 64 MiB, 20% of a core over 60 s, 1 h cool-down
  return limits;
}

class WatchdogTest : public ::testing::Test {
 protected:
  WatchdogTest() : watchdog_(Limits(), resources_) {}

  // The check's thread has used `cpu` by `at`; samples then.
  std::vector<Watchdog::Breach> SampleAt(TimePoint at, ResourceReader::ThreadHandle thread,
                                         seconds cpu) {
    resources_.SetCpu(thread, cpu);
    return watchdog_.SampleIfDue(at);
  }

  FakeResources resources_;
  Watchdog watchdog_;
};

TEST_F(WatchdogTest, SamplesOnlyWhileACheckRuns) {
  EXPECT_EQ(watchdog_.NextSample(), std::nullopt);
  watchdog_.Began("a", 1, seconds(0), 20 * kMiB, kStart);
  EXPECT_EQ(watchdog_.NextSample(), kStart + seconds(10));  // a sixth of the window
  EXPECT_TRUE(watchdog_.SampleIfDue(kStart + seconds(5)).empty());
  EXPECT_EQ(watchdog_.stats().samples, 0u);  // not due yet
  EXPECT_TRUE(watchdog_.SampleIfDue(kStart + seconds(10)).empty());
  EXPECT_EQ(watchdog_.NextSample(), kStart + seconds(20));
  watchdog_.Ended("a");
  EXPECT_EQ(watchdog_.NextSample(), std::nullopt);
  EXPECT_EQ(watchdog_.stats().samples, 1u);
}

TEST_F(WatchdogTest, WithinTheCpuBudgetNothingIsStopped) {
  watchdog_.Began("a", 1, seconds(0), 20 * kMiB, kStart);
  // A burst of 10 s at the start of every minute, for five minutes: 50 s of CPU in all, but
  // never more than the 12 s a 60 s window allows.
  for (int k = 1; k <= 30; ++k) {
    EXPECT_TRUE(SampleAt(kStart + seconds(10 * k), 1, seconds(10 * ((k - 1) / 6 + 1))).empty())
        << k;
  }
  EXPECT_EQ(watchdog_.stats().cpu_breaches, 0u);
}

TEST_F(WatchdogTest, ACheckOverTheCpuBudgetForTheWindowIsNamedOnce) {
  watchdog_.Began("idle", 1, seconds(0), 20 * kMiB, kStart);
  watchdog_.Began("hog", 2, seconds(3), 20 * kMiB, kStart);
  EXPECT_TRUE(SampleAt(kStart + seconds(10), 2, seconds(13)).empty());  // 10 s: not over 12
  std::vector<Watchdog::Breach> breaches = SampleAt(kStart + seconds(20), 2, seconds(16));
  ASSERT_EQ(breaches.size(), 1u);
  EXPECT_EQ(breaches[0].check, "hog");
  EXPECT_EQ(breaches[0].limit, Watchdog::Limit::kCpu);
  EXPECT_EQ(breaches[0].measured, "CPU 13.0 s in 20 s (65% of one core)");
  EXPECT_EQ(breaches[0].budget, "20% of one core over 60 s");
  // Not named again; "idle" is still measured.
  EXPECT_TRUE(SampleAt(kStart + seconds(30), 2, seconds(30)).empty());
  EXPECT_EQ(watchdog_.stats().cpu_breaches, 1u);
  watchdog_.Ended("idle");
  EXPECT_EQ(watchdog_.NextSample(), std::nullopt);  // only a stopped run is left
}

TEST_F(WatchdogTest, TheWindowSlides) {
  watchdog_.Began("a", 1, seconds(0), 20 * kMiB, kStart);
  for (int i = 1; i <= 12; ++i) {  // 1 s of CPU per 10 s: 6 s a window
    EXPECT_TRUE(SampleAt(kStart + seconds(10 * i), 1, seconds(i)).empty());
  }
  // Then 8 s in 10 s: with the 5 s of the window's other 50 s, 13 s in the last 60 s.
  std::vector<Watchdog::Breach> breaches = SampleAt(kStart + seconds(130), 1, seconds(20));
  ASSERT_EQ(breaches.size(), 1u);
  EXPECT_EQ(breaches[0].measured, "CPU 13.0 s in 60 s (21% of one core)");
}

TEST_F(WatchdogTest, AWallClockSteppedBackMeasuresAfresh) {
  watchdog_.Began("a", 1, seconds(0), 20 * kMiB, kStart);
  EXPECT_TRUE(SampleAt(kStart + seconds(10), 1, seconds(10)).empty());
  // The clock went back an hour: a sample an hour away cannot be right; it is due at once,
  // and the run is measured afresh from there.
  EXPECT_EQ(watchdog_.stats().samples, 1u);
  EXPECT_TRUE(watchdog_.SampleIfDue(kStart - hours(1)).empty());
  EXPECT_EQ(watchdog_.stats().samples, 2u);
  EXPECT_TRUE(SampleAt(kStart + seconds(20), 1, seconds(11)).empty());
  EXPECT_EQ(watchdog_.stats().cpu_breaches, 0u);
}

TEST_F(WatchdogTest, OverTheMemoryBudgetTheCheckThatGrewItIsStopped) {
  watchdog_.Began("small", 1, seconds(0), 20 * kMiB, kStart);
  resources_.SetRss(30 * kMiB);
  watchdog_.Began("big", 2, seconds(0), 30 * kMiB, kStart + seconds(1));
  resources_.SetRss(60 * kMiB);
  EXPECT_TRUE(watchdog_.SampleIfDue(kStart + seconds(10)).empty());  // under 64 MiB
  resources_.SetRss(100 * kMiB);
  std::vector<Watchdog::Breach> breaches = watchdog_.SampleIfDue(kStart + seconds(20));
  ASSERT_EQ(breaches.size(), 1u);
  EXPECT_EQ(breaches[0].check, "small");  // grew it by 80 MiB, "big" by 70
  EXPECT_EQ(breaches[0].limit, Watchdog::Limit::kMemory);
  EXPECT_EQ(breaches[0].measured, "memory 100.0 MiB resident (80.0 MiB more than when it began)");
  EXPECT_EQ(breaches[0].budget, "64.0 MiB");
  // The memory stays taken while the stopped check's thread runs on; "big" is not blamed.
  EXPECT_TRUE(watchdog_.SampleIfDue(kStart + seconds(30)).empty());
  EXPECT_EQ(watchdog_.stats().memory_breaches, 1u);
  EXPECT_EQ(watchdog_.stats().memory_unattributed, 1u);
}

TEST_F(WatchdogTest, MemoryNoCheckGrewStopsNothing) {
  resources_.SetRss(70 * kMiB);
  watchdog_.Began("a", 1, seconds(0), 68 * kMiB, kStart);
  resources_.SetRss(72 * kMiB);  // 4 MiB: less than an eighth of the budget
  EXPECT_TRUE(watchdog_.SampleIfDue(kStart + seconds(10)).empty());
  EXPECT_EQ(watchdog_.stats().memory_unattributed, 1u);
}

// Between rounds the agent pages its code out (agent/idle_code.h); the round's first check
// sees it mapped back in. File pages are no check's allocation: over the budget with only
// them grown, nothing is stopped; the check's own data growing is still caught.
TEST_F(WatchdogTest, CodeMappedBackInIsNoChecksDoing) {
  resources_.SetRss(20 * kMiB);
  resources_.SetFileBacked(5 * kMiB);
  watchdog_.Began("first", 1, seconds(0), 15 * kMiB, kStart);
  resources_.SetRss(70 * kMiB);  // 50 MiB more, all of it file pages
  resources_.SetFileBacked(55 * kMiB);
  EXPECT_TRUE(watchdog_.SampleIfDue(kStart + seconds(10)).empty());
  EXPECT_EQ(watchdog_.stats().memory_unattributed, 1u);

  resources_.SetRss(90 * kMiB);  // now 20 MiB of its own
  std::vector<Watchdog::Breach> breaches = watchdog_.SampleIfDue(kStart + seconds(20));
  ASSERT_EQ(breaches.size(), 1u);
  EXPECT_EQ(breaches[0].check, "first");
  EXPECT_EQ(breaches[0].measured, "memory 90.0 MiB resident (20.0 MiB more than when it began)");
}

TEST(CooldownsTest, EachRepeatDoublesTheWaitUpToADayAndACompletedRunResetsIt) {
  Cooldowns cooldowns(hours(1), "");
  EXPECT_EQ(cooldowns.Until("a", kStart), std::nullopt);
  EXPECT_EQ(cooldowns.Put("a", kStart), kStart + hours(1));
  EXPECT_EQ(cooldowns.Until("a", kStart + seconds(3599)), kStart + hours(1));
  EXPECT_EQ(cooldowns.Until("a", kStart + hours(1)), std::nullopt);
  EXPECT_EQ(cooldowns.Put("a", kStart), kStart + hours(2));
  EXPECT_EQ(cooldowns.Put("a", kStart), kStart + hours(4));
  for (int i = 0; i < 10; ++i) cooldowns.Put("a", kStart);
  EXPECT_EQ(cooldowns.Put("a", kStart), kStart + hours(24));
  cooldowns.Completed("a", kStart + hours(1));  // still cooling down: no effect
  EXPECT_EQ(cooldowns.Until("a", kStart + hours(1)), kStart + hours(24));
  cooldowns.Completed("a", kStart + hours(25));
  EXPECT_EQ(cooldowns.Put("a", kStart + hours(25)), kStart + hours(26));
}

TEST(CooldownsTest, ACooldownSurvivesARestart) {
  testing::TempDir dir;
  {
    Cooldowns cooldowns(hours(1), dir.path());
    cooldowns.Put("a", kStart);
    cooldowns.Put("b", kStart);
    cooldowns.Put("b", kStart);
  }
  testing::WriteFile(dir / "junk", "");
  { std::ofstream(dir / Cooldowns::kFileName, std::ios::app) << "damaged\n"; }
  Cooldowns after(hours(1), dir.path());
  after.Load();
  EXPECT_EQ(after.Until("a", kStart), kStart + hours(1));
  EXPECT_EQ(after.Until("b", kStart), kStart + hours(2));
  EXPECT_EQ(after.Put("b", kStart), kStart + hours(4));  // the repeats were kept too
}

TEST(CooldownsTest, AWatcherHearsOfHeldChecksAtOnceAndOfEachChange) {
  testing::TempDir dir;
  { Cooldowns(hours(1), dir.path()).Put("left-by-the-last-process", kStart); }
  Cooldowns cooldowns(hours(1), dir.path());
  cooldowns.Load();
  std::vector<std::pair<std::string, std::optional<TimePoint>>> heard;
  cooldowns.Watch([&](const std::string& check, std::optional<TimePoint> until) {
    heard.emplace_back(check, until);
  });
  cooldowns.Put("a", kStart);
  cooldowns.Completed("a", kStart + seconds(10));  // still held: nothing changes
  cooldowns.Completed("b", kStart + hours(2));     // never held: nothing to say
  cooldowns.Completed("a", kStart + hours(1));
  using Heard = std::pair<std::string, std::optional<TimePoint>>;
  EXPECT_THAT(heard, ElementsAre(Heard{"left-by-the-last-process", kStart + hours(1)},
                                 Heard{"a", kStart + hours(1)}, Heard{"a", std::nullopt}));
}

TEST(RunningRecordTest, NamesTheChecksAProcessDiedRunningAndACleanExitClearsThem) {
  testing::TempDir dir;
  const std::filesystem::path file = dir / "checks.running";
  std::vector<std::string> interrupted;
  absl::StatusOr<std::unique_ptr<RunningRecord>> first = RunningRecord::Open(file, &interrupted);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(interrupted.empty());
  (*first)->Add("a");
  (*first)->Add("b");
  (*first)->Add("c");
  (*first)->Remove("b");
  // The process "dies" here: the next one reads the file as it was left.
  absl::StatusOr<std::unique_ptr<RunningRecord>> second = RunningRecord::Open(file, &interrupted);
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(interrupted, ElementsAre("a", "c"));
  // Nothing runs in the new process yet.
  EXPECT_EQ(testing::ReadFile(file), "");
  // Later lists are padded to the longest one (one pwrite, no truncate); a torn or foreign
  // line is not a check id and is skipped.
  (*second)->Add("abc");
  (*second)->Add("x");
  (*second)->Remove("abc");
  EXPECT_EQ(testing::ReadFile(file), "x\n\n\n\n\n");
  (*second)->Remove("x");
  testing::WriteFile(dir / "other", "");

  (*second)->Add("d");
  (*second)->Close();
  (*second)->Add("e");  // a queued run after the clean exit is not recorded
  interrupted.clear();
  ASSERT_TRUE(RunningRecord::Open(file, &interrupted).ok());
  EXPECT_TRUE(interrupted.empty());
  EXPECT_EQ((*second)->write_failures(), 0u);
}

TEST(RunningRecordTest, LinesThatAreNoCheckIdAreSkipped) {
  testing::TempDir dir;
  testing::WriteFile(dir / "checks.running", "ok-1\n\nBAD id\n\xff\xfe\nok.2\nok-1\n");
  std::vector<std::string> interrupted;
  ASSERT_TRUE(RunningRecord::Open(dir / "checks.running", &interrupted).ok());
  EXPECT_THAT(interrupted, ElementsAre("ok-1", "ok.2"));
}

TEST(RunningRecordTest, AnUnwritableStateDirIsAnError) {
  std::vector<std::string> interrupted;
  absl::StatusOr<std::unique_ptr<RunningRecord>> record =
      RunningRecord::Open("/nonexistent-candor-dir/checks.running", &interrupted);
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(record.status().message()), HasSubstr("checks.running"));
}

TEST(ProcResourceReaderTest, ReadsThisProcessAndThisThread) {
  ProcResourceReader reader;
  std::optional<uint64_t> rss = reader.ResidentBytes();
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, uint64_t{1} << 20);
  EXPECT_LT(*rss, uint64_t{4} << 30);
  std::optional<uint64_t> anonymous = reader.AnonymousBytes();
  ASSERT_TRUE(anonymous.has_value());
  EXPECT_GT(*anonymous, 0u);
  EXPECT_LT(*anonymous, *reader.ResidentBytes());  // this test's code is resident file pages
  const ResourceReader::ThreadHandle self = reader.CurrentThread();
  std::optional<std::chrono::nanoseconds> before = reader.ThreadCpu(self);
  ASSERT_TRUE(before.has_value());
  // Another thread reads this one's clock; it only grows while this thread works.
  std::optional<std::chrono::nanoseconds> seen;
  std::thread([&] { seen = reader.ThreadCpu(self); }).join();
  ASSERT_TRUE(seen.has_value());
  EXPECT_GE(*seen, *before);
  volatile uint64_t sink = 0;
  while (*reader.ThreadCpu(self) == *seen) sink = sink + 1;
  EXPECT_GT(*reader.ThreadCpu(self), *seen);
}

}  // namespace
}  // namespace candor::agent
