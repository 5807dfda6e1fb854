#include "agent/heap_trim.h"

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "gtest/gtest.h"

namespace candor::agent {
namespace {

using std::chrono::milliseconds;

TEST(HeapTrimmerTest, ABurstOfPokesEndsInOneTrimAfterTheQuietTime) {
  boost::asio::io_context io;
  int trims = 0;
  HeapTrimmer trimmer(io, milliseconds(30), [&] { ++trims; });
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) trimmer.Poke();
  io.run_for(std::chrono::seconds(5));  // returns once the last wait ended
  EXPECT_EQ(trims, 1);
  EXPECT_EQ(trimmer.trims(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(30));

  io.restart();
  trimmer.Poke();  // the next round trims again
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(trims, 2);
}

TEST(HeapTrimmerTest, APokeDuringTheQuietTimePostponesTheTrim) {
  boost::asio::io_context io;
  int trims = 0;
  HeapTrimmer trimmer(io, milliseconds(100), [&] { ++trims; });
  trimmer.Poke();
  boost::asio::steady_timer later(io, milliseconds(50));
  later.async_wait([&](const boost::system::error_code&) { trimmer.Poke(); });
  io.run_for(milliseconds(120));  // the first poke's time has passed, the second's not
  EXPECT_EQ(trims, 0);
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(trims, 1);
}

TEST(HeapTrimmerTest, WithoutWorkNothingWakes) {
  boost::asio::io_context io;
  int trims = 0;
  HeapTrimmer trimmer(io, milliseconds(10), [&] { ++trims; });
  EXPECT_EQ(io.run_for(milliseconds(50)), 0u);  // no handler ran: no timer was set
  EXPECT_EQ(trims, 0);
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// What the agent's pool threads leave behind after a check: many small blocks freed in the
// thread's own arena, below one still in use (so free() alone cannot shrink the heap).
TEST(TrimHeapTest, ReturnsWhatAThreadFreedInItsArena) {
  std::unique_ptr<char[]> kept;
  std::thread worker([&] {
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 20'000; ++i) blocks.push_back(std::make_unique<char[]>(400));
    for (auto& block : blocks) block[0] = 1;  // touched, so resident
    kept = std::make_unique<char[]>(400);
  });
  worker.join();
  EXPECT_TRUE(TrimHeap());
}

// After a large block was freed glibc would serve the next one from the heap and keep it.
TEST(LimitHeapRetentionTest, LargeBlocksAreMappedOnTheirOwn) {
  LimitHeapRetention();
  auto freed = std::make_unique<char[]>(8 << 20);  // would raise the threshold to 8 MiB
  freed[0] = 1;
  freed.reset();
  const size_t mapped_before = mallinfo2().hblks;
  auto block = std::make_unique<char[]>(1 << 20);
  block[0] = 1;
  EXPECT_EQ(mallinfo2().hblks, mapped_before + 1);
}
#endif

}  // namespace
}  // namespace candor::agent
