// The event half of storage, against both back ends (store_backends.h), then what only
// SQLite or only PostgreSQL has: locks held by another process, schema upgrades, connection
// errors.

#include <sqlite3.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/export.h"
#include "service/storage/postgres_store.h"
#include "service/storage/sqlite_store.h"
#include "tests/service/store_backends.h"
#include "tests/service/test_events.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

using ::testing::AllOf;
using testing::Backend;
using ::testing::HasSubstr;
using testing::MakeBatch;
using ::testing::Not;
using testing::TestBackend;

const DeviceIdentity kDevice{"acme", "dev-1"};
const EventStore::Clock::time_point kNow{std::chrono::seconds(1'800'000'000)};

std::vector<StoredEvent> All(EventStore& store) {
  std::vector<StoredEvent> events;
  EXPECT_TRUE(store.ForEachEvent([&](const StoredEvent& e) { events.push_back(e); }).ok());
  return events;
}

// Counts rows through a connection of its own, as another process would see them (SQLite).
int64_t CountFromOutside(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT COALESCE(SUM(event_count), 0) FROM event_batches", -1, &stmt,
                     nullptr);
  int64_t count = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) count = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

class EventStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CANDOR_SKIP_WITHOUT_POSTGRES(GetParam());
    ASSERT_TRUE(backend_.Create().ok());
    auto store = backend_.Open();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  TestBackend backend_{GetParam()};
  std::unique_ptr<Storage> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, EventStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_ / "events.db", {});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  candor::testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_P(EventStoreTest, StoresSeveralDevicesBatchesInOneTransaction) {
  const DeviceIdentity other{"globex", "dev-9"};
  const PreparedBatch first = PrepareBatch(MakeBatch(1, 3));
  const PreparedBatch second = PrepareBatch(MakeBatch(1, 2));
  const PreparedBatch third = PrepareBatch(MakeBatch(4, 5));
  const EventStore::BatchToStore group[] = {
      {&kDevice, &first}, {&other, &second}, {&kDevice, &third}};
  ASSERT_TRUE(store_->StoreBatches(group, kNow).ok());
  EXPECT_EQ(All(*store_).size(), 7u);
  EXPECT_EQ(*store_->HighestSeq(kDevice), 5u);
  EXPECT_EQ(*store_->HighestSeq(other), 2u);
  EXPECT_EQ(backend_.CountEventsOutside(), 7);
}

TEST_F(SqliteStoreTest, AFailedGroupStoresNothingOfIt) {
  // A second connection holds the write lock, so the group's transaction cannot start.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "events.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto store =
      SqliteStore::Open(dir_ / "events.db", {.busy_timeout = std::chrono::milliseconds(10)});
  ASSERT_TRUE(store.ok()) << store.status();
  const PreparedBatch batch = PrepareBatch(MakeBatch(1, 3));
  const EventStore::BatchToStore group[] = {{&kDevice, &batch}};
  EXPECT_EQ((*store)->StoreBatches(group, kNow).code(), absl::StatusCode::kUnavailable);
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(CountFromOutside(dir_ / "events.db"), 0);
}

TEST_P(EventStoreTest, StoresEveryFieldOfABatch) {
  ASSERT_EQ(*store_->StoreBatch(kDevice, MakeBatch(1, 2), kNow), 2u);
  const std::vector<StoredEvent> events = All(*store_);
  ASSERT_EQ(events.size(), 2u);
  const StoredEvent& e = events[1];
  EXPECT_EQ(e.tenant, "acme");
  EXPECT_EQ(e.device_id, "dev-1");
  EXPECT_EQ(e.seq, 2u);
  EXPECT_EQ(e.collector, "os_info");
  EXPECT_EQ(e.check_id, "os");
  EXPECT_EQ(e.status, "PASS");
  EXPECT_EQ(e.reason, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(e.facts_json, R"({"cores":8,"os_id":"debian"})");
  EXPECT_EQ(e.observed_at_ms, 1'790'000'002'000);
  EXPECT_EQ(e.received_at_ms, 1'800'000'000'000);
  EXPECT_EQ(e.policy_version, 3u);
}

TEST_P(EventStoreTest, InsertIsIdempotentOnDeviceAndSeq) {
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(1, 3), kNow).ok());
  // A replay, and an overlapping batch: acked again, stored once, first copy kept.
  v1::EventBatch replay = MakeBatch(1, 3);
  replay.mutable_events(0)->set_reason("changed");
  EXPECT_EQ(*store_->StoreBatch(kDevice, replay, kNow), 3u);
  EXPECT_EQ(*store_->StoreBatch(kDevice, MakeBatch(2, 5), kNow), 5u);
  const std::vector<StoredEvent> events = All(*store_);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].reason, "Debian GNU/Linux 12 (bookworm)");
  // The same seq from another device is another event.
  ASSERT_TRUE(store_->StoreBatch({"acme", "dev-2"}, MakeBatch(1, 1), kNow).ok());
  EXPECT_EQ(All(*store_).size(), 6u);
}

TEST_P(EventStoreTest, ReturnsTheAckOnlyAfterTheCommitIsVisibleToOthers) {
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(1, 4), kNow).ok());
  EXPECT_EQ(backend_.CountEventsOutside(), 4);
}

TEST_F(SqliteStoreTest, ALockedDatabaseGivesNoAckAndStoresNothing) {
  store_.reset();
  SqliteStore::Options options;
  options.busy_timeout = std::chrono::milliseconds(50);
  auto store = SqliteStore::Open(dir_ / "events.db", options);
  ASSERT_TRUE(store.ok());
  // Another writer holds the database.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "events.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  absl::StatusOr<uint64_t> acked = (*store)->StoreBatch(kDevice, MakeBatch(1, 2), kNow);
  EXPECT_EQ(acked.status().code(), absl::StatusCode::kUnavailable);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(All(**store).empty());
  // Once the lock is gone the same batch goes through.
  EXPECT_EQ(*(*store)->StoreBatch(kDevice, MakeBatch(1, 2), kNow), 2u);
}

// More rows than PostgresStore fetches at a time (10,000): all of them, in order.
TEST_P(EventStoreTest, ReadsEveryRowOfALargeTableInOrder) {
  std::vector<DeviceIdentity> devices;
  for (int d = 0; d < 25; ++d) devices.push_back({"acme", "dev-" + std::to_string(100 + d)});
  const PreparedBatch batch = PrepareBatch(MakeBatch(1, 1000));
  std::vector<EventStore::BatchToStore> group;
  for (const DeviceIdentity& device : devices) group.push_back({&device, &batch});
  ASSERT_TRUE(store_->StoreBatches(group, kNow).ok());
  size_t count = 0;
  bool ordered = true;
  std::pair<std::string, uint64_t> previous;
  ASSERT_TRUE(store_
                  ->ForEachEvent([&](const StoredEvent& e) {
                    std::pair<std::string, uint64_t> key{e.device_id, e.seq};
                    ordered = ordered && (count == 0 || previous < key);
                    previous = key;
                    ++count;
                  })
                  .ok());
  EXPECT_EQ(count, 25'000u);
  EXPECT_TRUE(ordered);
  EXPECT_EQ(previous, (std::pair<std::string, uint64_t>{"dev-124", 1000}));
}

TEST_P(EventStoreTest, SurvivesReopenAndRefusesANewerSchema) {
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(1, 1), kNow).ok());
  store_.reset();
  auto reopened = backend_.Open();
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(All(**reopened).size(), 1u);
  reopened->reset();

  if (GetParam() == Backend::kSqlite) {
    sqlite3* db = nullptr;
    sqlite3_open(backend_.location().c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  } else {
    ASSERT_TRUE(backend_.ExecOutside("UPDATE schema_version SET version = 99").ok());
  }
  auto newer = backend_.Open();
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(newer.status().message()), HasSubstr("upgrade candor-server"));
}

TEST_P(EventStoreTest, ExportsJsonLinesAndATable) {
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(1, 1), kNow).ok());
  std::ostringstream jsonl;
  ASSERT_TRUE(ExportEvents(*store_, ExportFormat::kJsonLines, jsonl).ok());
  EXPECT_EQ(jsonl.str(),
            R"j({"device_id":"dev-1","tenant":"acme","seq":1,"collector":"os_info","check":"os",)j"
            R"j("status":"PASS","reason":"Debian GNU/Linux 12 (bookworm)","facts":{"cores":8,)j"
            R"j("os_id":"debian"},"observed_at":"2026-09-21T14:13:21.000Z",)j"
            R"j("received_at":"2027-01-15T08:00:00.000Z","policy_version":3})j"
            "\n");
  std::ostringstream table;
  ASSERT_TRUE(ExportEvents(*store_, ExportFormat::kTable, table).ok());
  EXPECT_THAT(table.str(), HasSubstr("acme     dev-1        1 os           PASS"));
  EXPECT_THAT(table.str(), HasSubstr("(1 event)"));
  std::istringstream lines(table.str());
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 100u) << line;
}

TEST_P(EventStoreTest, ExportSinceGivesEventsInTheOrderReceived) {
  const DeviceIdentity other{"acme", "dev-0"};
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(1, 2), kNow).ok());
  ASSERT_TRUE(store_->StoreBatch(other, MakeBatch(1, 1), kNow + std::chrono::seconds(5)).ok());
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(3, 3), kNow + std::chrono::seconds(9)).ok());
  std::vector<std::pair<std::string, uint64_t>> seen;
  ASSERT_TRUE(
      store_
          ->ForEachEventSince(UnixMillis(kNow + std::chrono::seconds(5)),
                              [&](const StoredEvent& e) { seen.emplace_back(e.device_id, e.seq); })
          .ok());
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, uint64_t>>{{"dev-0", 1}, {"dev-1", 3}}));
  std::ostringstream jsonl;
  ASSERT_TRUE(ExportEvents(*store_, ExportFormat::kJsonLines, jsonl,
                           UnixMillis(kNow + std::chrono::seconds(6)))
                  .ok());
  const std::string text = jsonl.str();
  EXPECT_THAT(text, HasSubstr("\"seq\":3"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST_P(EventStoreTest, RetentionDeletesOldEventsButEachDevicesNewest) {
  const DeviceIdentity quiet{"acme", "dev-quiet"};
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(1, 3), kNow).ok());
  ASSERT_TRUE(store_->StoreBatch(quiet, MakeBatch(1, 1), kNow).ok());
  ASSERT_TRUE(store_->StoreBatch(quiet, MakeBatch(2, 2), kNow).ok());
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(4, 5), kNow + std::chrono::hours(48)).ok());
  absl::StatusOr<uint64_t> deleted = store_->PruneEvents(UnixMillis(kNow + std::chrono::hours(24)));
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 4u);  // dev-1's 1..3 and dev-quiet's 1; its 2 is its newest
  std::vector<std::pair<std::string, uint64_t>> left;
  for (const StoredEvent& e : All(*store_)) left.emplace_back(e.device_id, e.seq);
  EXPECT_EQ(left, (std::vector<std::pair<std::string, uint64_t>>{
                      {"dev-1", 4}, {"dev-1", 5}, {"dev-quiet", 2}}));
  // What a reconnecting agent is told was stored does not go back.
  EXPECT_EQ(*store_->HighestSeq(quiet), 2u);
  // The latest results survive: check "os" of each device, its newest event.
  std::vector<std::pair<std::string, uint64_t>> latest;
  ASSERT_TRUE(store_
                  ->ForEachLatestResult({},
                                        [&](const LatestResult& r) {
                                          latest.emplace_back(
                                              r.device_id, r.observed_at_ms / 1000 - 1'790'000'000);
                                        })
                  .ok());
  EXPECT_EQ(latest,
            (std::vector<std::pair<std::string, uint64_t>>{{"dev-1", 5}, {"dev-quiet", 2}}));
}

// One text value through a connection of its own ("" when there is none).
std::string OneText(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string text;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return text;
}

// Runs `sql` on the database, as an older server would have left it.
void ExecOutside(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// The events table of schema 1 (one row per event, WITHOUT ROWID), in place of today's.
constexpr const char* kSchema1Events = R"sql(
DROP TABLE event_batches;
CREATE TABLE events (
  device_id TEXT NOT NULL, seq INTEGER NOT NULL, tenant TEXT NOT NULL, collector TEXT NOT NULL,
  check_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, facts TEXT NOT NULL,
  observed_at_ms INTEGER NOT NULL, received_at_ms INTEGER NOT NULL,
  policy_version INTEGER NOT NULL, PRIMARY KEY (device_id, seq)) WITHOUT ROWID;
)sql";

// Closes `store` and leaves its database `file` as an older server would have: the events
// table of schema 1 in place of today's, then `sql`.
void BackToOneRowPerEvent(std::unique_ptr<SqliteStore>& store, const std::filesystem::path& file,
                          const char* sql) {
  store.reset();
  ExecOutside(file, kSchema1Events);
  ExecOutside(file, sql);
}

TEST_F(SqliteStoreTest, UpgradingKeepsEventsAndDerivesLatestResults) {
  const std::filesystem::path file = dir_ / "events.db";
  // Back to schema 3, as a server before reports left it, with three events of one check.
  BackToOneRowPerEvent(store_, file, R"sql(
DROP TABLE check_results;
INSERT INTO events VALUES
  ('dev-1', 1, 'acme', 'os_info', 'os', 'PASS', 'a', '{}', 1790000001000, 1800000000000, 3),
  ('dev-1', 2, 'acme', 'os_info', 'os', 'PASS', 'b', '{}', 1790000002000, 1800000000000, 3),
  ('dev-1', 3, 'acme', 'os_info', 'os', 'FAIL', 'c', '{}', 1790000003000, 1800000000000, 3);
PRAGMA user_version = 3;
)sql");
  auto upgraded = SqliteStore::Open(file, {});
  ASSERT_TRUE(upgraded.ok()) << upgraded.status();
  std::vector<LatestResult> latest;
  ASSERT_TRUE((*upgraded)
                  ->ForEachLatestResult({.tenant = "acme"},
                                        [&](const LatestResult& r) { latest.push_back(r); })
                  .ok());
  ASSERT_EQ(latest.size(), 1u);  // one check, "os", its newest event
  EXPECT_EQ(latest[0].check_id, "os");
  EXPECT_EQ(latest[0].status, "FAIL");
  EXPECT_EQ(latest[0].observed_at_ms, (1'790'000'000 + 3) * 1000LL);
  EXPECT_EQ(latest[0].severity, 0);  // not known for events stored before
  EXPECT_EQ(All(**upgraded).size(), 3u);
  EXPECT_EQ(OneText(file, "PRAGMA user_version"), "6");
}

// Schema 4 (one row per event, WITHOUT ROWID) through 5 (a rowid table) to 6 (a row per
// batch): every event kept with every field, a device's events received together in one
// row, and (device, seq) still stored once.
TEST_F(SqliteStoreTest, UpgradingPutsEachDevicesEventsReceivedTogetherInOneRow) {
  const std::filesystem::path file = dir_ / "events.db";
  BackToOneRowPerEvent(store_, file, R"sql(
CREATE INDEX events_by_received ON events (received_at_ms);
INSERT INTO events VALUES
  ('dev-1', 2, 'acme', 'os_info', 'os', 'FAIL', 'old', '{"a":1}', 1000, 5000, 2),
  ('dev-1', 1, 'acme', 'os_info', 'os', 'PASS', 'older', '{}', 900, 5000, 2),
  ('dev-1', 5, 'acme', 'firewall', 'fw', 'PASS', '', '{}', 1100, 6000, 2),
  ('dev-1', 4, 'acme', 'os_info', 'os', 'PASS', 'filled in later', '{}', 1050, 7000, 2),
  ('dev-0', 7, 'acme', 'firewall', 'fw', 'ERROR', 'x', '{"b":"c"}', 800, 4500, 1);
PRAGMA user_version = 4;
)sql");

  auto upgraded = SqliteStore::Open(file, {});
  ASSERT_TRUE(upgraded.ok()) << upgraded.status();
  const std::vector<StoredEvent> events = All(**upgraded);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].device_id, "dev-0");
  EXPECT_EQ(events[0].seq, 7u);
  EXPECT_EQ(events[0].collector, "firewall");
  EXPECT_EQ(events[0].check_id, "fw");
  EXPECT_EQ(events[0].status, "ERROR");
  EXPECT_EQ(events[0].reason, "x");
  EXPECT_EQ(events[0].facts_json, R"({"b":"c"})");
  EXPECT_EQ(events[0].observed_at_ms, 800);
  EXPECT_EQ(events[0].received_at_ms, 4500);
  EXPECT_EQ(events[0].policy_version, 1u);
  std::vector<std::pair<uint64_t, int64_t>> dev1;  // seq, received_at_ms
  for (size_t i = 1; i < events.size(); ++i) {
    dev1.emplace_back(events[i].seq, events[i].received_at_ms);
  }
  EXPECT_EQ(dev1, (std::vector<std::pair<uint64_t, int64_t>>{
                      {1, 5000}, {2, 5000}, {4, 7000}, {5, 6000}}));
  EXPECT_EQ(events[2].reason, "old");
  EXPECT_EQ(*(*upgraded)->HighestSeq(kDevice), 5u);
  // dev-0's event, dev-1's 1..2, 4 and 5: four rows, in the order of seq within a device.
  EXPECT_EQ(OneText(file,
                    "SELECT group_concat(device_id || ':' || first_seq || '-' || last_seq, "
                    "' ') FROM (SELECT * FROM event_batches ORDER BY device_id, last_seq)"),
            "dev-0:7-7 dev-1:1-2 dev-1:4-4 dev-1:5-5");
  // A batch sent again stores only what is new.
  ASSERT_TRUE((*upgraded)->StoreBatch(kDevice, MakeBatch(5, 6), kNow).ok());
  EXPECT_EQ(All(**upgraded).size(), 6u);
  EXPECT_EQ(*(*upgraded)->HighestSeq(kDevice), 6u);
  upgraded->reset();

  EXPECT_EQ(OneText(file, "SELECT count(*) FROM sqlite_master WHERE name = 'events'"), "0");
  EXPECT_THAT(OneText(file,
                      "SELECT group_concat(name) FROM sqlite_master WHERE "
                      "tbl_name = 'event_batches' AND type = 'index'"),
              AllOf(HasSubstr("event_batches_by_device"), HasSubstr("event_batches_by_received")));
  EXPECT_EQ(OneText(file, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(OneText(file, "PRAGMA user_version"), "6");
}

// A failed migration leaves the database as it was: the server says which step failed and
// a later server can try again.
TEST_F(SqliteStoreTest, AFailedUpgradeChangesNothing) {
  const std::filesystem::path file = dir_ / "events.db";
  // A row schema 5's unique index refuses: (device, seq) twice is impossible in schema 4,
  // so the table is made without its key here to provoke the failure.
  BackToOneRowPerEvent(store_, file, R"sql(
DROP TABLE events;
CREATE TABLE events (device_id, seq, tenant, collector, check_id, status, reason, facts,
                     observed_at_ms, received_at_ms, policy_version);
INSERT INTO events VALUES ('dev-1', 1, 'acme', 'c', 'k', 'PASS', '', '{}', 1, 2, 3),
                          ('dev-1', 1, 'acme', 'c', 'k', 'PASS', '', '{}', 1, 2, 3);
PRAGMA user_version = 4;
)sql");
  auto store = SqliteStore::Open(file, {});
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("schema migration 5"));
  EXPECT_EQ(OneText(file, "PRAGMA user_version"), "4");
  EXPECT_EQ(OneText(file, "SELECT count(*) FROM events"), "2");
}

// Export opens the database read-only and cannot migrate it: a database an older server left
// is a clear error saying what to do, not "no such table".
TEST_F(SqliteStoreTest, AReadOnlyOpenOfAnOlderSchemaSaysToStartTheServerFirst) {
  const std::filesystem::path file = dir_ / "events.db";
  BackToOneRowPerEvent(store_, file, "PRAGMA user_version = 5");
  auto store = SqliteStore::Open(file, {.read_only = true});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()),
              AllOf(HasSubstr("schema version 5 is older"), HasSubstr("start the server once")));
  EXPECT_EQ(OneText(file, "PRAGMA user_version"), "5");
}

// SQLite keeps a device's events one row per batch, from past the highest seq it stored:
// an agent resends from its last ack, so what is at or below that is stored already.
TEST_F(SqliteStoreTest, StoresABatchFromPastTheDevicesHighestSeqAsOneRow) {
  const std::filesystem::path file = dir_ / "events.db";
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(1, 3), kNow).ok());
  EXPECT_EQ(*store_->StoreBatch(kDevice, MakeBatch(2, 6), kNow), 6u);
  EXPECT_EQ(*store_->StoreBatch(kDevice, MakeBatch(1, 6), kNow), 6u);  // nothing new
  EXPECT_EQ(OneText(file,
                    "SELECT group_concat(first_seq || '-' || last_seq || ':' || "
                    "event_count, ' ') FROM event_batches"),
            "1-3:3 4-6:3");
  std::vector<uint64_t> seqs;
  for (const StoredEvent& e : All(*store_)) seqs.push_back(e.seq);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
}

// A row that does not decode is a clear error naming the device, not a crash or a silent gap.
TEST_F(SqliteStoreTest, AnUnreadableRowIsAClearError) {
  ASSERT_TRUE(store_->StoreBatch(kDevice, MakeBatch(1, 3), kNow).ok());
  ExecOutside(dir_ / "events.db", "UPDATE event_batches SET events = x'ffffffff'");
  const absl::Status status = store_->ForEachEvent([](const StoredEvent&) {});
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("dev-1"));
}

TEST(SqliteStoreOpenTest, UnwritableLocationIsAClearError) {
  auto store = SqliteStore::Open("/nonexistent-dir/events.db", {});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("/nonexistent-dir/events.db"));
}

// PostgreSQL: another transaction holds the table; the store waits lock_timeout, then the
// batch fails kUnavailable with nothing stored, and goes through once the lock is gone.
TEST(PostgresStoreTest, ALockedTableGivesNoAckAndStoresNothing) {
  CANDOR_SKIP_WITHOUT_POSTGRES(Backend::kPostgres);
  TestBackend backend(Backend::kPostgres);
  ASSERT_TRUE(backend.Create().ok());
  auto store = PostgresStore::Open(backend.location(),
                                   {.pool_size = 2, .lock_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(store.ok()) << store.status();
  auto other = pg::Connection::Open(backend.location());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(
      (*other)->ExecScript("lock", "BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE").ok());
  absl::StatusOr<uint64_t> acked = (*store)->StoreBatch(kDevice, MakeBatch(1, 2), kNow);
  EXPECT_EQ(acked.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(acked.status().message()), HasSubstr("lock timeout"));
  ASSERT_TRUE((*other)->ExecScript("unlock", "ROLLBACK").ok());
  EXPECT_EQ(backend.CountEventsOutside(), 0);
  EXPECT_EQ(*(*store)->StoreBatch(kDevice, MakeBatch(1, 2), kNow), 2u);
  EXPECT_EQ(backend.CountEventsOutside(), 2);
}

// PostgreSQL text holds no NUL byte; rather than refuse the batch forever, it becomes
// U+FFFD, in the history and in the latest result.
TEST(PostgresStoreTest, ANulInAReasonIsReplacedNotRefused) {
  CANDOR_SKIP_WITHOUT_POSTGRES(Backend::kPostgres);
  TestBackend backend(Backend::kPostgres);
  ASSERT_TRUE(backend.Create().ok());
  auto store = backend.Open();
  ASSERT_TRUE(store.ok()) << store.status();
  v1::EventBatch batch = MakeBatch(1, 1);
  batch.mutable_events(0)->set_reason(std::string("a\0b", 3));
  ASSERT_EQ(*(*store)->StoreBatch(kDevice, batch, kNow), 1u);
  EXPECT_EQ(All(**store)[0].reason,
            "a\xEF\xBF\xBD"
            "b");
  std::string latest;
  ASSERT_TRUE(
      (*store)->ForEachLatestResult({}, [&](const LatestResult& r) { latest = r.reason; }).ok());
  EXPECT_EQ(latest,
            "a\xEF\xBF\xBD"
            "b");
}

// The error names where it tried to connect, never the password.
TEST(PostgresStoreTest, AnUnreachableServerIsUnavailableWithoutThePassword) {
  auto store = PostgresStore::Open("postgresql://candor:s3cret@127.0.0.1:1/candor", {});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("cannot connect to PostgreSQL at 127.0.0.1:1/candor"));
  EXPECT_THAT(std::string(store.status().message()), ::testing::Not(HasSubstr("s3cret")));
}

// Two stores on one database are two servers: each sees what the other stored, a batch
// both receive is stored once, and the migrations ran once.
TEST(PostgresStoreTest, TwoStoresOnOneDatabaseShareEverything) {
  CANDOR_SKIP_WITHOUT_POSTGRES(Backend::kPostgres);
  TestBackend backend(Backend::kPostgres);
  ASSERT_TRUE(backend.Create().ok());
  auto a = backend.Open();
  auto b = backend.Open();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->StoreBatch(kDevice, MakeBatch(1, 3), kNow).ok());
  EXPECT_EQ(*(*b)->StoreBatch(kDevice, MakeBatch(2, 4), kNow), 4u);  // 2 and 3 again
  EXPECT_EQ(*(*a)->HighestSeq(kDevice), 4u);
  EXPECT_EQ(All(**b).size(), 4u);
  auto versions = pg::Connection::Open(backend.location());
  ASSERT_TRUE(versions.ok());
  auto rows = (*versions)->Exec("read", "SELECT version FROM schema_version", {});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->rows(), 1);
  EXPECT_EQ(rows->Int(0, 0), PostgresSchemaVersion());
}

}  // namespace
}  // namespace candor::service
