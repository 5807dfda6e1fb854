#pragma once

#include <chrono>

namespace candor::agent {

// The agent's source of wall-clock time, injected so tests can set and move time.
class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace candor::agent
