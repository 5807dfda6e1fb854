#include "service/ingest.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/storage/sqlite_store.h"
#include "tests/service/test_events.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

using ::testing::HasSubstr;
using testing::MakeBatch;

std::string Invalid(const v1::EventBatch& batch) {
  const absl::Status status = ValidateBatch(batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

TEST(ValidateBatchTest, AcceptsAWellFormedBatch) {
  EXPECT_TRUE(ValidateBatch(MakeBatch(1, 5)).ok());
}

TEST(ValidateBatchTest, RejectsBadSequenceRanges) {
  EXPECT_THAT(Invalid(v1::EventBatch()), HasSubstr("no events"));
  v1::EventBatch batch = MakeBatch(3, 5);
  batch.set_first_seq(2);
  EXPECT_THAT(Invalid(batch), HasSubstr("does not match"));
  batch = MakeBatch(3, 5);
  batch.mutable_events(1)->set_seq(3);
  EXPECT_THAT(Invalid(batch), HasSubstr("event 1 has seq 3, not above the one before it"));
  batch = MakeBatch(3, 5);
  batch.mutable_events(1)->set_seq(9);
  EXPECT_THAT(Invalid(batch), HasSubstr("event 2 has seq 5, not above"));
  batch = MakeBatch(0, 0);
  EXPECT_THAT(Invalid(batch), HasSubstr("batch range 0..0"));
  batch = MakeBatch(1, 1);
  batch.set_first_seq(UINT64_MAX);
  batch.set_last_seq(UINT64_MAX);
  batch.mutable_events(0)->set_seq(UINT64_MAX);
  EXPECT_THAT(Invalid(batch), HasSubstr("does not match"));
}

TEST(ValidateBatchTest, AcceptsGapsTheAgentReported) {
  // Events the agent dropped (spool full) or lost (damage) leave holes; a spool_dropped or
  // spool_damaged event names them.
  v1::EventBatch batch = MakeBatch(3, 5);
  batch.mutable_events(1)->set_seq(4);
  batch.mutable_events(2)->set_seq(9);
  batch.set_last_seq(9);
  EXPECT_TRUE(ValidateBatch(batch).ok());
}

TEST(ValidateBatchTest, RejectsTooManyEvents) {
  EXPECT_THAT(Invalid(MakeBatch(1, 1001)), HasSubstr("the limit is 1000"));
}

TEST(ValidateBatchTest, RejectsBadEventFields) {
  v1::EventBatch batch = MakeBatch(1, 1);
  batch.mutable_events(0)->set_status(static_cast<v1::CheckStatus>(42));
  EXPECT_THAT(Invalid(batch), HasSubstr("unknown status 42"));
  batch = MakeBatch(1, 1);
  batch.mutable_events(0)->set_status(v1::CHECK_STATUS_UNSPECIFIED);
  EXPECT_THAT(Invalid(batch), HasSubstr("unknown status 0"));
  batch = MakeBatch(1, 1);
  batch.mutable_events(0)->set_check_id("a b");
  EXPECT_THAT(Invalid(batch), HasSubstr("must be identifiers"));
  batch = MakeBatch(1, 1);
  batch.mutable_events(0)->set_reason(std::string(2000, 'x'));
  EXPECT_THAT(Invalid(batch), HasSubstr("reason longer than 1024"));
  batch = MakeBatch(1, 1);
  batch.mutable_events(0)->set_reason("bad \xff");
  EXPECT_THAT(Invalid(batch), HasSubstr("reason is not UTF-8"));
  batch = MakeBatch(1, 1);
  (*batch.mutable_events(0)->mutable_facts())["x"].mutable_list()->add_values("\xc0\x80");
  EXPECT_THAT(Invalid(batch), HasSubstr("fact list item is not UTF-8"));
  batch = MakeBatch(1, 1);
  batch.mutable_events(0)->set_severity(static_cast<v1::Severity>(9));
  EXPECT_THAT(Invalid(batch), HasSubstr("unknown severity 9"));
  batch = MakeBatch(1, 1);
  batch.mutable_events(0)->set_interval_seconds(31 * 86400);
  EXPECT_THAT(Invalid(batch), HasSubstr("interval longer"));
  batch = MakeBatch(1, 1);
  batch.mutable_events(0)->clear_observed_at();
  EXPECT_THAT(Invalid(batch), HasSubstr("no valid observed_at"));
}

TEST(IngestTest, StoresAndReturnsTheSeqToAck) {
  candor::testing::TempDir dir;
  auto store = SqliteStore::Open(dir / "s.db", {});
  ASSERT_TRUE(store.ok()) << store.status();
  Ingest ingest(**store, [] { return EventStore::Clock::time_point(std::chrono::seconds(5)); });
  const DeviceIdentity device{"acme", "dev-1"};
  EXPECT_EQ(*ingest.HandleBatch(device, MakeBatch(1, 3)), 3u);
  v1::EventBatch bad = MakeBatch(4, 4);
  bad.mutable_events(0)->set_status(v1::CHECK_STATUS_UNSPECIFIED);
  EXPECT_EQ(ingest.HandleBatch(device, bad).status().code(), absl::StatusCode::kInvalidArgument);
  int rows = 0;
  ASSERT_TRUE((*store)
                  ->ForEachEvent([&](const StoredEvent& e) {
                    ++rows;
                    EXPECT_EQ(e.received_at_ms, 5000);
                  })
                  .ok());
  EXPECT_EQ(rows, 3);
}

// A batch parsed off the wire onto an arena is prepared and stored where it is: the
// prepared batch owns that arena, and the store reads every event from it.
TEST(IngestTest, PreparesAndStoresABatchParsedOntoAnArena) {
  candor::testing::TempDir dir;
  auto store = SqliteStore::Open(dir / "s.db", {});
  ASSERT_TRUE(store.ok()) << store.status();
  Ingest ingest(**store, [] { return EventStore::Clock::now(); });
  const DeviceIdentity device{"acme", "dev-1"};
  const std::string wire = MakeBatch(1, 20).SerializeAsString();

  std::unique_ptr<google::protobuf::Arena> arena = NewBatchArena();
  google::protobuf::Arena* const where = arena.get();
  auto* batch = google::protobuf::Arena::CreateMessage<v1::EventBatch>(where);
  ASSERT_TRUE(batch->ParseFromString(wire));
  absl::StatusOr<PreparedBatch> prepared = ingest.Prepare(device, std::move(arena), batch);
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_EQ(prepared->arena.get(), where);
  EXPECT_EQ(prepared->batch, batch);
  EXPECT_EQ(prepared->facts_json.size(), 20u);
  EXPECT_EQ(*ingest.Store(device, *prepared), 20u);

  // A bad batch on an arena is refused, and its arena freed with it (ASan would see a leak).
  arena = NewBatchArena();
  batch = google::protobuf::Arena::CreateMessage<v1::EventBatch>(arena.get());
  ASSERT_TRUE(batch->ParseFromString(wire));
  batch->mutable_events(3)->set_status(v1::CHECK_STATUS_UNSPECIFIED);
  EXPECT_EQ(ingest.Prepare(device, std::move(arena), batch).status().code(),
            absl::StatusCode::kInvalidArgument);

  uint64_t rows = 0;
  ASSERT_TRUE((*store)->ForEachEvent([&](const StoredEvent&) { ++rows; }).ok());
  EXPECT_EQ(rows, 20u);
}

TEST(IngestTest, AnswersAHelloWithTheHighestStoredSeq) {
  candor::testing::TempDir dir;
  auto store = SqliteStore::Open(dir / "s.db", {});
  ASSERT_TRUE(store.ok()) << store.status();
  Ingest ingest(**store, [] { return EventStore::Clock::now(); });
  const DeviceIdentity device{"acme", "dev-1"};
  EXPECT_EQ(*ingest.HighestSeq(device), 0u);
  ASSERT_TRUE(ingest.HandleBatch(device, MakeBatch(1, 7)).ok());
  EXPECT_EQ(*ingest.HighestSeq(device), 7u);
  EXPECT_EQ(*ingest.HighestSeq(DeviceIdentity{"acme", "dev-2"}), 0u);
}

TEST(IngestTest, SlowsDownAFloodingDeviceAndNotTheOthers) {
  candor::testing::TempDir dir;
  auto store = SqliteStore::Open(dir / "s.db", {});
  ASSERT_TRUE(store.ok()) << store.status();
  RateLimiter::Clock::time_point now{};
  RateLimiter limiter({.per_second = 100, .burst = 10}, [&now] { return now; });
  Ingest ingest(
      **store, [] { return EventStore::Clock::now(); }, &limiter);
  const DeviceIdentity flooder{"acme", "dev-1"};
  const DeviceIdentity quiet{"acme", "dev-2"};
  EXPECT_EQ(*ingest.HandleBatch(flooder, MakeBatch(1, 10)), 10u);
  const auto refused = ingest.HandleBatch(flooder, MakeBatch(11, 11));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(*ingest.HighestSeq(flooder), 10u);  // nothing of the refused batch stored
  EXPECT_EQ(*ingest.HandleBatch(quiet, MakeBatch(1, 10)), 10u);
  now += std::chrono::milliseconds(50);  // 5 tokens back
  EXPECT_EQ(*ingest.HandleBatch(flooder, MakeBatch(11, 15)), 15u);
  EXPECT_FALSE(ingest.HandleBatch(flooder, MakeBatch(16, 16)).ok());
  now += std::chrono::seconds(60);  // refills up to the burst only
  EXPECT_TRUE(ingest.HandleBatch(flooder, MakeBatch(16, 25)).ok());
  EXPECT_FALSE(ingest.HandleBatch(flooder, MakeBatch(26, 26)).ok());
}

}  // namespace
}  // namespace candor::service
