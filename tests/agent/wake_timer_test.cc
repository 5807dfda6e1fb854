#include "agent/wake_timer.h"

#include "gtest/gtest.h"

namespace candor::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

TEST(WakeTimerTest, WakesAtAWallClockTime) {
  boost::asio::io_context io;
  auto timer = MakeSystemWakeTimer(io);
  const auto target = system_clock::now() + milliseconds(50);
  system_clock::time_point woke;
  timer->WakeAt(target, [&] { woke = system_clock::now(); });
  io.run_for(std::chrono::seconds(5));
  EXPECT_GE(woke, target);
}

TEST(WakeTimerTest, APastTimeWakesAtOnceAndALaterCallReplacesTheWait) {
  boost::asio::io_context io;
  auto timer = MakeSystemWakeTimer(io);
  int first = 0, second = 0;
  timer->WakeAt(system_clock::now() + std::chrono::hours(1), [&] { ++first; });
  timer->WakeAt(system_clock::now() - std::chrono::hours(1), [&] { ++second; });
  io.run_for(milliseconds(200));
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

TEST(WakeTimerTest, CancelledWaitsNeverFire) {
  boost::asio::io_context io;
  auto timer = MakeSystemWakeTimer(io);
  int fired = 0;
  timer->WakeAt(system_clock::now() + milliseconds(20), [&] { ++fired; });
  timer->Cancel();
  io.run_for(milliseconds(200));
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace candor::agent
