#include "agent/schedule.h"

#include <set>

#include "gtest/gtest.h"

namespace candor::agent {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using TimePoint = Schedule::TimePoint;

const TimePoint kT0{std::chrono::seconds(1'800'000'000)};

config::CheckSpec Check(const std::string& id, seconds interval, seconds splay = seconds(0)) {
  config::CheckSpec spec;
  spec.id = id;
  spec.collector = "os_info";
  spec.interval = interval;
  spec.splay = splay;
  spec.timeout = seconds(10);
  return spec;
}

TEST(ScheduleTest, NewChecksAreDueAtOnceThenEveryInterval) {
  Schedule schedule(1);
  schedule.SetChecks({Check("a", minutes(5)), Check("b", hours(1))}, kT0);
  EXPECT_EQ(schedule.TakeDue(kT0), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(schedule.NextDue(), kT0 + minutes(5));
  EXPECT_TRUE(schedule.TakeDue(kT0 + minutes(4)).empty());
  EXPECT_EQ(schedule.TakeDue(kT0 + minutes(5)), std::vector<std::string>{"a"});
  EXPECT_EQ(schedule.DueOf("a"), kT0 + minutes(10));
  EXPECT_EQ(schedule.DueOf("b"), kT0 + hours(1));
}

TEST(ScheduleTest, RunsStayOnTheGridWhenWokenALittleLate) {
  Schedule schedule(1);
  schedule.SetChecks({Check("a", minutes(5))}, kT0);
  schedule.TakeDue(kT0);
  // A timer that fires 2 s late does not shift every later run by 2 s.
  EXPECT_EQ(schedule.TakeDue(kT0 + minutes(5) + seconds(2)), std::vector<std::string>{"a"});
  EXPECT_EQ(schedule.DueOf("a"), kT0 + minutes(10));
}

TEST(ScheduleTest, SplayPlacesEachRunInsideItsWindowAndSpreadsThem) {
  Schedule schedule(42);
  schedule.SetChecks({Check("a", hours(1), minutes(10))}, kT0);
  schedule.TakeDue(kT0);
  std::set<int64_t> offsets;
  for (int period = 1; period <= 100; ++period) {
    const TimePoint due = *schedule.DueOf("a");
    const TimePoint base = kT0 + hours(period);
    ASSERT_GE(due, base);
    ASSERT_LE(due, base + minutes(10));
    offsets.insert(std::chrono::duration_cast<seconds>(due - base).count());
    ASSERT_EQ(schedule.TakeDue(due), std::vector<std::string>{"a"});
  }
  EXPECT_GT(offsets.size(), 50u);
}

TEST(ScheduleTest, ALaptopThatSleptRunsEachCheckOnceSoonAfterWaking) {
  Schedule schedule(7);
  schedule.SetChecks({Check("a", hours(1))}, kT0);
  schedule.TakeDue(kT0);
  const TimePoint wake = kT0 + hours(10);  // slept through nine due times
  EXPECT_TRUE(schedule.TakeDue(wake).empty());
  const TimePoint due = *schedule.DueOf("a");
  EXPECT_GE(due, wake);
  EXPECT_LE(due, wake + Schedule::kCatchUpWindow);
  EXPECT_EQ(schedule.TakeDue(due), std::vector<std::string>{"a"});  // once, not nine times
  EXPECT_TRUE(schedule.TakeDue(due + seconds(1)).empty());
  EXPECT_EQ(schedule.DueOf("a"), wake + hours(1));
}

TEST(ScheduleTest, ChecksOverdueAfterWakeAreSpreadNotAllAtOnce) {
  Schedule schedule(3);
  std::vector<config::CheckSpec> checks;
  for (int i = 0; i < 50; ++i) checks.push_back(Check("c" + std::to_string(i), hours(1)));
  schedule.SetChecks(checks, kT0);
  schedule.TakeDue(kT0);
  const TimePoint wake = kT0 + hours(30);
  EXPECT_TRUE(schedule.TakeDue(wake).empty());
  std::set<TimePoint> due_times;
  for (const auto& check : checks) due_times.insert(*schedule.DueOf(check.id));
  EXPECT_GT(due_times.size(), 25u);
  EXPECT_LE(*due_times.rbegin(), wake + Schedule::kCatchUpWindow);
}

TEST(ScheduleTest, AClockSetBackwardsDoesNotPostponeChecksForHours) {
  Schedule schedule(5);
  schedule.SetChecks({Check("a", hours(1))}, kT0);
  schedule.TakeDue(kT0);
  const TimePoint earlier = kT0 - hours(5);
  EXPECT_TRUE(schedule.TakeDue(earlier).empty());
  EXPECT_LE(*schedule.DueOf("a"), earlier + Schedule::kCatchUpWindow);
}

TEST(ScheduleTest, SwappingChecksKeepsUnchangedOnesAndRunsNewAndChangedAtOnce) {
  Schedule schedule(1);
  schedule.SetChecks(
      {Check("same", hours(1)), Check("changed", hours(1)), Check("removed", hours(1))}, kT0);
  schedule.TakeDue(kT0);
  const TimePoint later = kT0 + minutes(10);
  config::CheckSpec changed = Check("changed", hours(1));
  changed.timeout = seconds(20);
  schedule.SetChecks({Check("same", hours(1)), changed, Check("new", hours(2))}, later);
  EXPECT_EQ(schedule.TakeDue(later), (std::vector<std::string>{"changed", "new"}));
  EXPECT_EQ(schedule.DueOf("same"), kT0 + hours(1));
  EXPECT_FALSE(schedule.DueOf("removed").has_value());
}

TEST(ScheduleTest, NoChecksMeansNoWakeUp) {
  Schedule schedule(1);
  schedule.SetChecks({}, kT0);
  EXPECT_FALSE(schedule.NextDue().has_value());
}

}  // namespace
}  // namespace candor::agent
