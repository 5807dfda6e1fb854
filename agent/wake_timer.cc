#include "agent/wake_timer.h"

#include "boost/asio/system_timer.hpp"

#if defined(__linux__)
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

#include "boost/asio/posix/stream_descriptor.hpp"
#endif

namespace candor::agent {
namespace {

#if defined(__linux__)

class TimerFdWakeTimer final : public WakeTimer {
 public:
  explicit TimerFdWakeTimer(boost::asio::io_context& io)
      : fd_(io, ::timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC)) {}

  void WakeAt(TimePoint when, std::function<void()> on_wake) override {
    Cancel();
    on_wake_ = std::move(on_wake);
    const auto since_epoch = when.time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    itimerspec spec{};
    spec.it_value.tv_sec = std::max<time_t>(secs.count(), 0);
    spec.it_value.tv_nsec =
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs).count();
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
    ::timerfd_settime(fd_.native_handle(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec,
                      nullptr);
    const uint64_t generation = ++generation_;
    fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                   [this, generation](const boost::system::error_code& ec) {
                     if (ec || generation != generation_) return;
                     uint64_t expirations = 0;
                     // ECANCELED: the wall clock was set; wake so the schedule is re-planned.
                     (void)!::read(fd_.native_handle(), &expirations, sizeof expirations);
                     if (auto wake = std::move(on_wake_)) wake();
                   });
  }

  void Cancel() override {
    ++generation_;
    on_wake_ = nullptr;
    itimerspec off{};
    ::timerfd_settime(fd_.native_handle(), 0, &off, nullptr);
    boost::system::error_code ignored;
    fd_.cancel(ignored);
  }

 private:
  boost::asio::posix::stream_descriptor fd_;
  std::function<void()> on_wake_;
  uint64_t generation_ = 0;
};

#else

// Elsewhere: asio's system_timer (re-planned on every wake; a suspended machine wakes it
// late). The Windows service replaces this with a waitable timer.
class AsioWakeTimer final : public WakeTimer {
 public:
  explicit AsioWakeTimer(boost::asio::io_context& io) : timer_(io) {}
  void WakeAt(TimePoint when, std::function<void()> on_wake) override {
    timer_.expires_at(when);
    timer_.async_wait([wake = std::move(on_wake)](const boost::system::error_code& ec) {
      if (!ec) wake();
    });
  }
  void Cancel() override { timer_.cancel(); }

 private:
  boost::asio::system_timer timer_;
};

#endif

}  // namespace

std::unique_ptr<WakeTimer> MakeSystemWakeTimer(boost::asio::io_context& io) {
#if defined(__linux__)
  return std::make_unique<TimerFdWakeTimer>(io);
#else
  return std::make_unique<AsioWakeTimer>(io);
#endif
}

}  // namespace candor::agent
