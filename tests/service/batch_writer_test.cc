#include "service/batch_writer.h"

#include <condition_variable>
#include <mutex>

#include "gtest/gtest.h"
#include "service/storage/sqlite_store.h"
#include "tests/service/test_events.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

using testing::MakeBatch;

TEST(BatchWriterTest, StoresInSubmissionOrderAndReportsEachBatch) {
  candor::testing::TempDir dir;
  auto store = SqliteStore::Open(dir / "s.db", {});
  ASSERT_TRUE(store.ok()) << store.status();
  Ingest ingest(**store, [] { return EventStore::Clock::now(); });
  const DeviceIdentity device{"acme", "dev-1"};
  ServerMetrics metrics;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> acked;
  {
    BatchWriter writer(ingest, metrics);
    for (uint64_t first = 1; first <= 4901; first += 100) {
      absl::StatusOr<PreparedBatch> prepared = ingest.Prepare(device, MakeBatch(first, first + 99));
      ASSERT_TRUE(prepared.ok()) << prepared.status();
      writer.Submit(device, std::move(*prepared), [&](absl::StatusOr<uint64_t> seq) {
        std::lock_guard<std::mutex> lock(mu);
        acked.push_back(seq.ok() ? *seq : 0);
        cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return acked.size() == 50; }));
  }
  for (size_t i = 0; i < acked.size(); ++i) EXPECT_EQ(acked[i], 100 * (i + 1));
  EXPECT_EQ(*(*store)->HighestSeq(device), 5000u);
}

TEST(BatchWriterTest, StoresWhatIsQueuedBeforeItStops) {
  candor::testing::TempDir dir;
  auto store = SqliteStore::Open(dir / "s.db", {});
  ASSERT_TRUE(store.ok()) << store.status();
  Ingest ingest(**store, [] { return EventStore::Clock::now(); });
  const DeviceIdentity device{"acme", "dev-1"};
  ServerMetrics metrics;
  int done = 0;
  {
    BatchWriter writer(ingest, metrics);
    for (uint64_t first = 1; first <= 901; first += 100) {
      writer.Submit(device, *ingest.Prepare(device, MakeBatch(first, first + 99)),
                    [&](absl::StatusOr<uint64_t> seq) { done += seq.ok(); });
    }
  }  // the destructor drains the queue
  EXPECT_EQ(done, 10);
  EXPECT_EQ(*(*store)->HighestSeq(device), 1000u);
}

}  // namespace
}  // namespace candor::service
