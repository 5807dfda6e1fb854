#include "agent/group_commit.h"

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "agent/delivery.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

v1::Event Event() {
  v1::Event event;
  event.set_collector("os_info");
  event.set_check_id("os");
  event.set_status(v1::CHECK_STATUS_PASS);
  return event;
}

TEST(GroupCommitTest, MakesAppendsDurableWithinTheIntervalAndSaysSo) {
  candor::testing::TempDir dir;
  auto spool = Spool::Open(dir.path());
  ASSERT_TRUE(spool.ok()) << spool.status();
  std::mutex mu;
  std::condition_variable cv;
  int durable_calls = 0;
  GroupCommit commit(**spool, std::chrono::milliseconds(20), [&] {
    std::lock_guard<std::mutex> lock(mu);
    ++durable_calls;
    cv.notify_all();
  });
  commit.Start();
  ASSERT_TRUE((*spool)->Append(Event()).ok());
  commit.Appended();
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return durable_calls > 0; }));
  EXPECT_EQ((*spool)->durable_seq(), 1u);
  EXPECT_EQ((*spool)->sendable_count(), 1u);
}

TEST(GroupCommitTest, StopSyncsWhatIsLeft) {
  candor::testing::TempDir dir;
  auto spool = Spool::Open(dir.path());
  ASSERT_TRUE(spool.ok()) << spool.status();
  // An interval far longer than the test: only Stop() can make these durable.
  GroupCommit commit(**spool, std::chrono::milliseconds(600'000), [] {});
  commit.Start();
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE((*spool)->Append(Event()).ok());
        commit.Appended();
      }
    });
  }
  for (std::thread& w : writers) w.join();
  commit.Stop();
  EXPECT_EQ((*spool)->durable_seq(), 200u);
  EXPECT_FALSE((*spool)->has_unsynced());
}

TEST(DeliveryBackoffTest, DoublesFromOneSecondToTheCapWithJitterInTheUpperHalf) {
  std::mt19937_64 rng(7);
  const std::chrono::milliseconds cap(300'000);
  for (int failures = 1; failures <= 20; ++failures) {
    const int64_t base =
        std::min<int64_t>(int64_t{1000} << std::min(failures - 1, 20), cap.count());
    for (int i = 0; i < 50; ++i) {
      const int64_t wait = Delivery::Backoff(failures, cap, rng).count();
      EXPECT_GE(wait, base / 2) << failures;
      EXPECT_LE(wait, base) << failures;
    }
  }
  // A configured cap is honoured, and the waits of many agents spread out.
  std::set<int64_t> waits;
  for (int i = 0; i < 100; ++i) {
    const int64_t wait = Delivery::Backoff(30, std::chrono::milliseconds(60'000), rng).count();
    EXPECT_LE(wait, 60'000);
    waits.insert(wait);
  }
  EXPECT_GT(waits.size(), 90u);
}

}  // namespace
}  // namespace candor::agent
