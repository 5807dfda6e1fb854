#include "agent/heap_trim.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <utility>

namespace candor::agent {

bool TrimHeap() {
#if defined(__GLIBC__)
  return malloc_trim(0) == 1;
#else
  return false;
#endif
}

void LimitHeapRetention() {
#if defined(__GLIBC__)
  constexpr int kThreshold = 256 * 1024;
  mallopt(M_MMAP_THRESHOLD, kThreshold);  // setting them also ends glibc's raising them
  mallopt(M_TRIM_THRESHOLD, kThreshold);
#endif
}

HeapTrimmer::HeapTrimmer(boost::asio::io_context& io, std::chrono::milliseconds quiet,
                         std::function<void()> trim)
    : timer_(io), quiet_(quiet), trim_(std::move(trim)) {}

void HeapTrimmer::Poke() {
  // Re-arming cancels the pending wait: only the last poke's wait ends in a trim.
  timer_.expires_after(quiet_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled by a later poke, or the loop is going away
    ++trims_;
    trim_();
  });
}

}  // namespace candor::agent
