#include "agent/stop_request.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"

namespace candor::agent {
namespace {

using std::chrono_literals::operator""s;

TEST(StopRequestTest, FirstReasonIsKept) {
  StopRequest stop;
  EXPECT_FALSE(stop.requested());
  stop.Request("the Service Control Manager asked the service to stop");
  stop.Request("Windows is shutting down");
  EXPECT_TRUE(stop.requested());
  EXPECT_EQ(stop.reason(), "the Service Control Manager asked the service to stop");
}

TEST(StopRequestTest, ListenerHearsARequestOnce) {
  StopRequest stop;
  int heard = 0;
  std::string reason;
  StopRequest::Listening listening = stop.Listen([&](const std::string& why) {
    ++heard;
    reason = why;
  });
  stop.Request("one");
  stop.Request("two");
  EXPECT_EQ(heard, 1);
  EXPECT_EQ(reason, "one");
}

TEST(StopRequestTest, RequestBeforeListeningIsHeardAtOnce) {
  // The SCM can send stop while RunAgent is still opening the spool.
  StopRequest stop;
  stop.Request("early");
  std::string reason;
  StopRequest::Listening listening = stop.Listen([&](const std::string& why) { reason = why; });
  EXPECT_EQ(reason, "early");
}

TEST(StopRequestTest, NoCallAfterListeningEnds) {
  // A stop that comes after RunAgent returned must not touch its (gone) event loop.
  StopRequest stop;
  int heard = 0;
  {
    StopRequest::Listening listening = stop.Listen([&](const std::string&) { ++heard; });
  }
  stop.Request("late");
  EXPECT_EQ(heard, 0);
  EXPECT_TRUE(stop.requested());
}

// RunAgent's loop in small: io.run() with work that never ends (the scheduler's timers),
// stopped from another thread as the service's control handler does.
TEST(StopRequestTest, RequestFromAnotherThreadEndsTheLoop) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  boost::asio::steady_timer forever(io, std::chrono::hours(24));
  forever.async_wait([](const boost::system::error_code&) {});
  StopRequest stop;
  std::thread::id stopped_on;
  std::string stopped_for;
  StopRequest::Listening listening = StopLoopOnRequest(stop, io, [&](const std::string& reason) {
    stopped_on = std::this_thread::get_id();
    stopped_for = reason;
  });
  std::thread control([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop.Request("Windows is shutting down");
  });
  const auto started = std::chrono::steady_clock::now();
  io.run();
  control.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(stopped_on, std::this_thread::get_id()) << "on_stop runs on the loop's thread";
  EXPECT_EQ(stopped_for, "Windows is shutting down");
  EXPECT_TRUE(io.stopped());
}

TEST(StopRequestTest, RequestBeforeTheLoopRunsStopsItAtOnce) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  StopRequest stop;
  stop.Request("early");
  bool stopped = false;
  StopRequest::Listening listening =
      StopLoopOnRequest(stop, io, [&](const std::string&) { stopped = true; });
  io.run();
  EXPECT_TRUE(stopped);
}

}  // namespace
}  // namespace candor::agent
