#include "service/batch_writer.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "service/storage/sqlite_store.h"
#include "tests/service/test_events.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

using testing::MakeBatch;

// A writer's surroundings as in the server: a SQLite store, Ingest on it, one device.
class BatchWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::Open(dir_ / "s.db", {});
    ASSERT_TRUE(opened.ok()) << opened.status();
    store = std::move(*opened);
    ingest = std::make_unique<Ingest>(*store, [] { return EventStore::Clock::now(); });
  }

  candor::testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<Ingest> ingest;
  const DeviceIdentity device{"acme", "dev-1"};
  ServerMetrics metrics;
};

TEST_F(BatchWriterTest, StoresInSubmissionOrderAndReportsEachBatch) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> acked;
  {
    BatchWriter writer(*ingest, metrics);
    for (uint64_t first = 1; first <= 4901; first += 100) {
      absl::StatusOr<PreparedBatch> prepared =
          ingest->Prepare(device, MakeBatch(first, first + 99));
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
  EXPECT_EQ(*store->HighestSeq(device), 5000u);
}

TEST_F(BatchWriterTest, StoresWhatIsQueuedBeforeItStops) {
  int done = 0;
  {
    BatchWriter writer(*ingest, metrics);
    for (uint64_t first = 1; first <= 901; first += 100) {
      writer.Submit(device, *ingest->Prepare(device, MakeBatch(first, first + 99)),
                    [&](absl::StatusOr<uint64_t> seq) { done += seq.ok(); });
    }
  }  // the destructor drains the queue
  EXPECT_EQ(done, 10);
  EXPECT_EQ(*store->HighestSeq(device), 1000u);
}

// A callback (sending an ack on a slow stream) runs off the writer thread: while the first
// batch's callback waits, the next batch is still stored.
TEST_F(BatchWriterTest, ASlowCallbackDoesNotHoldUpTheNextCommit) {
  std::mutex mu;
  std::condition_variable cv;
  bool second_stored = false;
  bool first_saw_second = false;
  std::vector<uint64_t> acked;
  {
    BatchWriter writer(*ingest, metrics);
    writer.Submit(device, *ingest->Prepare(device, MakeBatch(1, 100)),
                  [&](absl::StatusOr<uint64_t> seq) {
                    std::unique_lock<std::mutex> lock(mu);
                    // Bounded: under the old design (callbacks on the writer) this times out.
                    first_saw_second =
                        cv.wait_for(lock, std::chrono::seconds(20), [&] { return second_stored; });
                    acked.push_back(seq.ok() ? *seq : 0);
                  });
    // Submitted after the first commit began or ended; stored while the callback waits.
    writer.Submit(device, *ingest->Prepare(device, MakeBatch(101, 200)),
                  [&](absl::StatusOr<uint64_t> seq) {
                    std::lock_guard<std::mutex> lock(mu);
                    acked.push_back(seq.ok() ? *seq : 0);
                  });
    // Watch the store, not the callbacks: the second batch lands while the first waits.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (*store->HighestSeq(device) < 200 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::lock_guard<std::mutex> lock(mu);
    second_stored = *store->HighestSeq(device) == 200;
    cv.notify_all();
  }
  EXPECT_TRUE(first_saw_second);
  EXPECT_EQ(acked, (std::vector<uint64_t>{100, 200}));  // still in submission order
}

// A store whose disk has gone: every write fails.
class FailingStore final : public EventStore {
 public:
  using EventStore::StoreBatch;
  absl::StatusOr<uint64_t> StoreBatch(const DeviceIdentity&, const PreparedBatch&,
                                      Clock::time_point) override {
    return absl::UnavailableError("disk I/O error");
  }
  absl::Status StoreBatches(absl::Span<const BatchToStore>, Clock::time_point) override {
    return absl::UnavailableError("disk I/O error");
  }
  absl::StatusOr<uint64_t> HighestSeq(const DeviceIdentity&) override { return 0; }
  absl::Status ForEachEvent(const std::function<void(const StoredEvent&)>&) override {
    return absl::OkStatus();
  }
  absl::Status ForEachEventSince(int64_t, const std::function<void(const StoredEvent&)>&) override {
    return absl::OkStatus();
  }
  absl::Status ForEachLatestResult(const ResultFilter&,
                                   const std::function<void(const LatestResult&)>&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<uint64_t> PruneEvents(int64_t) override { return 0; }
};

// The fixture's metrics and device; the store is one that fails.
TEST_F(BatchWriterTest, AFailedTransactionIsOneStorageErrorAndEveryBatchHearsOfIt) {
  FailingStore failing;
  Ingest failing_ingest(failing, [] { return EventStore::Clock::now(); });
  const std::string errors = "candor_server_storage_errors_total{operation=\"store_events\"} ";
  std::vector<absl::Status> outcomes;
  {
    BatchWriter writer(failing_ingest, metrics);
    for (uint64_t first : {1, 101}) {
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
      writer.Submit(device, *failing_ingest.Prepare(device, MakeBatch(first, first + 99)),
                    [&](absl::StatusOr<uint64_t> seq) {
                      std::lock_guard<std::mutex> lock(mu);
                      outcomes.push_back(seq.status());
                      done = true;
                      cv.notify_all();
                    });
      std::unique_lock<std::mutex> lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
    }
  }
  ASSERT_EQ(outcomes.size(), 2u);
  for (const absl::Status& s : outcomes) EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(metrics.Render().find(errors + "2\n"), std::string::npos) << metrics.Render();
}

}  // namespace
}  // namespace candor::service
