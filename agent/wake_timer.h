#pragma once

// WakeTimer: wakes the scheduler at a wall-clock time. The Linux implementation arms a
// timerfd on CLOCK_REALTIME with an absolute expiry, so it fires on time after a suspend
// (the monotonic clock asio's own timers use stops while suspended) and fires early when
// the wall clock is set (TFD_TIMER_CANCEL_ON_SET), so the schedule can be re-planned.
// Not thread-safe: used from the io_context's thread.

#include <chrono>
#include <functional>
#include <memory>

#include "boost/asio/io_context.hpp"

namespace candor::agent {

class WakeTimer {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  virtual ~WakeTimer() = default;
  // Replaces any earlier wait: `on_wake` runs on the io_context once `when` has passed or
  // the wall clock was changed.
  virtual void WakeAt(TimePoint when, std::function<void()> on_wake) = 0;
  virtual void Cancel() = 0;
};

// The timer for the real system clock.
std::unique_ptr<WakeTimer> MakeSystemWakeTimer(boost::asio::io_context& io);

}  // namespace candor::agent
