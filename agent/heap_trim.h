#pragma once

// Gives the memory malloc holds free back to the kernel once the agent goes quiet after a
// burst of work. glibc keeps what a collection round freed (patch_level alone reads
// megabytes of package lists) in the arenas of the pool and gRPC threads that used it, so
// without this the agent stays at its peak between rounds (docs/benchmarks.md, "Agent
// footprint").

#include <chrono>
#include <cstdint>
#include <functional>

#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"

namespace candor::agent {

// Returns the free memory of every malloc arena to the kernel (glibc's malloc_trim); true
// when some was returned. Without glibc it does nothing and returns false. Thread-safe; it
// walks the arenas' free lists, so it is for quiet moments, not for every free.
bool TrimHeap();

// Fixes malloc's thresholds so that memory freed after a collection goes back to the
// kernel: blocks of 256 KiB and more are mapped on their own (unmapped when freed), and a
// heap's free top past 256 KiB is cut off. Without this glibc raises both thresholds after
// the first large free (up to 32 and 64 MiB), and the per-thread arenas keep the megabytes
// patch_level freed: malloc_trim does not cut the top of a thread's arena. Call it once,
// before threads start. Without glibc it does nothing.
void LimitHeapRetention();

// Calls `trim` once, `quiet` after the last Poke(): a round of check results and its
// delivery cost one trim, and an idle agent is never woken for it. Not thread-safe: the
// io_context's thread only (post to it from other threads).
class HeapTrimmer {
 public:
  HeapTrimmer(
      boost::asio::io_context& io, std::chrono::milliseconds quiet,
      std::function<void()> trim = [] { TrimHeap(); });

  // Work happened: trim once nothing more happens for `quiet`.
  void Poke();
  uint64_t trims() const { return trims_; }

 private:
  boost::asio::steady_timer timer_;
  const std::chrono::milliseconds quiet_;
  const std::function<void()> trim_;
  uint64_t trims_ = 0;
};

}  // namespace candor::agent
