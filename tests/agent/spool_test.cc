#include "agent/spool.h"

#include <algorithm>
#include <limits>

#include "agent/spool_record.h"
#include "agent/state_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Event Event(const std::string& check, size_t reason_bytes = 10) {
  v1::Event event;
  event.set_collector("os_info");
  event.set_check_id(check);
  event.set_status(v1::CHECK_STATUS_PASS);
  event.set_reason(std::string(reason_bytes, 'r'));
  event.mutable_observed_at()->set_seconds(1'790'000'000);
  return event;
}

std::vector<v1::Event> All(Spool& spool) {
  return spool.Read(0, std::numeric_limits<size_t>::max(), std::numeric_limits<size_t>::max());
}

std::vector<uint64_t> Seqs(Spool& spool) {
  std::vector<uint64_t> seqs;
  for (const v1::Event& e : All(spool)) seqs.push_back(e.seq());
  return seqs;
}

std::vector<std::string> Checks(Spool& spool) {
  std::vector<std::string> checks;
  for (const v1::Event& e : All(spool)) checks.push_back(e.check_id());
  return checks;
}

class SpoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<Spool> Open(Spool::Options options = {}) {
    auto spool = Spool::Open(dir_.path(), std::move(options));
    EXPECT_TRUE(spool.ok()) << spool.status();
    return spool.ok() ? std::move(*spool) : nullptr;
  }
  void Fill(int n, Spool::Options options = {}) {
    auto spool = Open(std::move(options));
    for (int i = 0; i < n; ++i) ASSERT_TRUE(spool->Append(Event("c" + std::to_string(i))).ok());
    ASSERT_TRUE(spool->Sync().ok());
  }
  std::vector<std::string> Segments() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".seg")) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string SegmentBytes() { return candor::testing::ReadFile(dir_ / Segments().at(0)); }
  void SetSegmentBytes(const std::string& bytes) {
    candor::testing::WriteFile(dir_ / Segments().at(0), bytes);
  }
  // Offsets of the records in the first segment.
  std::vector<size_t> RecordOffsets() {
    const std::string bytes = SegmentBytes();
    std::vector<size_t> offsets;
    ScanRecords(bytes, 0, v1::kMaxEventBytes,
                [&](const RecordView& r) { offsets.push_back(r.offset); });
    return offsets;
  }

  candor::testing::TempDir dir_;
};

TEST_F(SpoolTest, AssignsIncreasingSeqsThatSurviveARestart) {
  Fill(3);
  auto spool = Open();
  EXPECT_EQ(spool->last_seq(), 3u);
  EXPECT_THAT(Seqs(*spool), ElementsAre(1, 2, 3));
  EXPECT_THAT(Checks(*spool), ElementsAre("c0", "c1", "c2"));
  EXPECT_EQ(*spool->Append(Event("next")), 4u);
  EXPECT_EQ(Segments(), std::vector<std::string>{"spool-00000000000000000001.seg"});
  EXPECT_FALSE(spool->recovery().any());
}

TEST_F(SpoolTest, HandsOutOnlyDurableEvents) {
  auto spool = Open();
  ASSERT_TRUE(spool->Append(Event("a")).ok());
  EXPECT_TRUE(spool->has_unsynced());
  EXPECT_TRUE(All(*spool).empty());  // not fsynced yet: a crash could still take it
  EXPECT_EQ(spool->pending_count(), 1u);
  EXPECT_EQ(spool->sendable_count(), 0u);
  ASSERT_TRUE(spool->Sync().ok());
  EXPECT_FALSE(spool->has_unsynced());
  EXPECT_THAT(Seqs(*spool), ElementsAre(1));
  EXPECT_EQ(spool->sendable_count(), 1u);
}

TEST_F(SpoolTest, AckTrimsDurablyAndSeqsNeverRestart) {
  Fill(3);
  {
    auto spool = Open();
    ASSERT_TRUE(spool->Ack(2).ok());
    EXPECT_THAT(Seqs(*spool), ElementsAre(3));
  }
  {
    auto spool = Open();
    EXPECT_EQ(spool->acked_seq(), 2u);
    EXPECT_THAT(Seqs(*spool), ElementsAre(3));
    ASSERT_TRUE(spool->Ack(3).ok());
    EXPECT_EQ(spool->pending_count(), 0u);
    EXPECT_TRUE(Segments().empty());  // everything acknowledged: no segment left
  }
  auto spool = Open();
  EXPECT_EQ(spool->last_seq(), 3u);
  EXPECT_EQ(*spool->Append(Event("after")), 4u);
  EXPECT_EQ(Segments(), std::vector<std::string>{"spool-00000000000000000004.seg"});
}

TEST_F(SpoolTest, RefusesAnAckBeyondWhatWasSent) {
  Fill(1);
  auto spool = Open();
  EXPECT_EQ(spool->Ack(7).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(spool->Ack(0).ok());
}

TEST_F(SpoolTest, ReadRespectsCountAndByteBoundsAndContinuesWhereItStopped) {
  Fill(10);
  auto spool = Open();
  const std::vector<v1::Event> first = spool->Read(0, 4, 1 << 20);
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(first.back().seq(), 4u);
  EXPECT_EQ(spool->Read(4, 100, 1 << 20).front().seq(), 5u);
  EXPECT_EQ(spool->Read(0, 100, 1).size(), 1u);             // at least one event, however large
  EXPECT_EQ(spool->Read(2, 3, 1 << 20).front().seq(), 3u);  // going back works too
  EXPECT_TRUE(spool->Read(10, 100, 1 << 20).empty());
}

TEST_F(SpoolTest, RollsSegmentsAndRemovesOnlyAcknowledgedOnes) {
  Spool::Options options{.segment_bytes = 1024};
  auto spool = Open(options);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(spool->Append(Event("c", 100)).ok());
  ASSERT_TRUE(spool->Sync().ok());
  const size_t segments = Segments().size();
  ASSERT_GT(segments, 3u);
  ASSERT_TRUE(spool->Ack(20).ok());
  EXPECT_LT(Segments().size(), segments);
  EXPECT_GT(Segments().size(), 1u);
  spool.reset();
  spool = Open(options);
  EXPECT_EQ(Seqs(*spool).front(), 21u);
  EXPECT_EQ(Seqs(*spool).size(), 20u);
  EXPECT_FALSE(spool->recovery().any());
  ASSERT_TRUE(spool->Ack(40).ok());
  EXPECT_TRUE(Segments().empty());
}

TEST_F(SpoolTest, WhenFullDropsTheOldestUnsentEventsAndSaysWhich) {
  Spool::Options options{.max_bytes = 16 * 1024, .segment_bytes = 2048};
  auto spool = Open(options);
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(spool->Append(Event("c" + std::to_string(i), 100)).ok());
  ASSERT_TRUE(spool->Sync().ok());
  EXPECT_LE(spool->bytes(), options.max_bytes);
  EXPECT_GT(spool->dropped_total(), 0u);
  const std::vector<v1::Event> events = All(*spool);
  // The newest event is kept; the dropped ones are named by spool_dropped events whose
  // ranges, with the kept events, account for every seq.
  EXPECT_EQ(events.back().check_id(), "c199");
  std::vector<bool> covered(spool->last_seq() + 1, false);
  uint64_t dropped = 0;
  for (const v1::Event& e : events) {
    covered[e.seq()] = true;
    if (e.check_id() != "spool_dropped") continue;
    EXPECT_EQ(e.collector(), "agent");
    EXPECT_EQ(e.status(), v1::CHECK_STATUS_ERROR);
    EXPECT_EQ(e.facts().at("cause").text(), "spool_full");
    const auto first = static_cast<uint64_t>(e.facts().at("first_seq").integer());
    const auto last = static_cast<uint64_t>(e.facts().at("last_seq").integer());
    for (uint64_t s = first; s <= last; ++s) covered[s] = true;
    dropped += static_cast<uint64_t>(e.facts().at("dropped").integer());
    EXPECT_THAT(e.reason(), HasSubstr("spool full"));
  }
  // Notices that were themselves dropped later are counted by the newer notices' ranges.
  EXPECT_TRUE(std::all_of(covered.begin() + 1, covered.end(), [](bool c) { return c; }));
  EXPECT_GT(dropped, 0u);
  spool.reset();
  auto reopened = Open(options);
  EXPECT_FALSE(reopened->recovery().any())
      << "drops are not damage: " << SpoolDamagedEvent(reopened->recovery(), {}).reason();
  EXPECT_EQ(All(*reopened).size(), events.size());
}

TEST_F(SpoolTest, ReplacesAnEventTooLargeForABatchWithAnError) {
  auto spool = Open(Spool::Options{.max_event_bytes = 2000});
  v1::Event huge = Event("big", 5000);
  huge.set_status(v1::CHECK_STATUS_FAIL);
  EXPECT_EQ(*spool->Append(huge), 1u);
  EXPECT_EQ(*spool->Append(Event("small")), 2u);
  ASSERT_TRUE(spool->Sync().ok());
  const std::vector<v1::Event> events = All(*spool);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].check_id(), "big");
  EXPECT_EQ(events[0].status(), v1::CHECK_STATUS_ERROR);
  EXPECT_THAT(events[0].reason(), HasSubstr("more than one batch may carry (2000)"));
  EXPECT_EQ(events[0].facts().at("original_status").text(), "CHECK_STATUS_FAIL");
  EXPECT_EQ(events[1].check_id(), "small");
}

TEST_F(SpoolTest, CutsATornTail) {
  Fill(3);
  const std::string bytes = SegmentBytes();
  SetSegmentBytes(bytes.substr(0, bytes.size() - 3));
  auto spool = Open();
  EXPECT_GT(spool->recovery().cut_bytes, 0u);
  EXPECT_THAT(Checks(*spool), ElementsAre("c0", "c1", "spool_damaged"));
  EXPECT_EQ(spool->last_seq(), 3u);  // the damage report took the torn record's seq
  spool.reset();
  EXPECT_THAT(Seqs(*Open()), ElementsAre(1, 2, 3));  // reported once, not on every start
}

TEST_F(SpoolTest, SkipsARecordWithAFlippedByteReportsItsSeqAndKeepsTheRest) {
  Fill(3);
  std::string bytes = SegmentBytes();
  const std::vector<size_t> offsets = RecordOffsets();
  bytes[offsets[1] + kRecordHeaderBytes + 3] ^= 0x40;  // inside the second record's payload
  SetSegmentBytes(bytes);
  auto spool = Open();
  EXPECT_EQ(spool->recovery().regions, 1u);
  EXPECT_EQ(spool->recovery().cut_bytes, 0u);
  const std::vector<v1::Event> events = All(*spool);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].seq(), 1u);
  EXPECT_EQ(events[1].seq(), 3u);
  EXPECT_EQ(events[2].check_id(), "spool_damaged");
  EXPECT_EQ(events[2].seq(), 4u);
  EXPECT_THAT(events[2].reason(), HasSubstr("seq 2 lost"));
  EXPECT_EQ(events[2].facts().at("lost_events").integer(), 1);
  spool.reset();
  EXPECT_FALSE(Open()->recovery().any()) << "the damaged segment was rewritten";
}

TEST_F(SpoolTest, AZeroedLengthLosesOnlyThatRecord) {
  Fill(3);
  std::string bytes = SegmentBytes();
  const std::vector<size_t> offsets = RecordOffsets();
  for (size_t i = 0; i < 4; ++i) bytes[offsets[1] + i] = '\0';
  SetSegmentBytes(bytes);
  auto spool = Open();
  EXPECT_THAT(Checks(*spool), ElementsAre("c0", "c2", "spool_damaged"));
  EXPECT_EQ(spool->recovery().lost_seqs, (std::vector<std::pair<uint64_t, uint64_t>>{{2, 2}}));
}

TEST_F(SpoolTest, GarbageInTheMiddleOfASegmentIsSteppedOver) {
  Fill(5);
  std::string bytes = SegmentBytes();
  const std::vector<size_t> offsets = RecordOffsets();
  std::fill(bytes.begin() + static_cast<long>(offsets[1]) + 5,
            bytes.begin() + static_cast<long>(offsets[3]) + 2, '\xa5');
  SetSegmentBytes(bytes);
  auto spool = Open();
  EXPECT_THAT(Checks(*spool), ElementsAre("c0", "c4", "spool_damaged"));
  EXPECT_EQ(spool->recovery().lost_seqs, (std::vector<std::pair<uint64_t, uint64_t>>{{2, 4}}));
}

TEST_F(SpoolTest, ADamagedCursorResendsEverythingRatherThanLosingAny) {
  Fill(3);
  {
    auto spool = Open();
    ASSERT_TRUE(spool->Ack(1).ok());
  }
  candor::testing::WriteFile(dir_ / "spool.cursor", "garbage");
  auto spool = Open();
  EXPECT_TRUE(spool->recovery().cursor_damaged);
  EXPECT_THAT(Checks(*spool), ElementsAre("c0", "c1", "c2", "spool_damaged"));
}

TEST_F(SpoolTest, WhenTheServerHoldsMoreItsSeqsAreNeverReused) {
  Fill(3);
  auto spool = Open();
  // Seqs up to 2 are stored: that is an ack.
  EXPECT_EQ(*spool->ServerHolds(2), 0u);
  EXPECT_THAT(Seqs(*spool), ElementsAre(3));
  // The server holds seq 10 (this state_dir was restored from a backup): continue after it.
  EXPECT_EQ(*spool->ServerHolds(10), 1u);
  EXPECT_EQ(spool->last_seq(), 11u);
  ASSERT_TRUE(spool->Sync().ok());
  const std::vector<v1::Event> events = All(*spool);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].check_id(), "spool_dropped");
  EXPECT_EQ(events[0].facts().at("cause").text(), "seq_conflict");
  EXPECT_EQ(*spool->Append(Event("next")), 12u);
  spool.reset();
  EXPECT_EQ(Open()->last_seq(), 12u);
}

TEST(StateDirTest, CreatesAPrivateDirectory) {
  candor::testing::TempDir dir;
  ASSERT_TRUE(PrepareStateDir(dir / "state").ok());
  EXPECT_EQ(std::filesystem::status(dir / "state").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  EXPECT_TRUE(PrepareStateDir(dir / "state").ok());
}

TEST(StateDirTest, RefusesSymlinksFilesAndOpenModes) {
  candor::testing::TempDir dir;
  std::filesystem::create_directory(dir / "real");
  std::filesystem::create_directory_symlink(dir / "real", dir / "link");
  absl::Status link = PrepareStateDir(dir / "link");
  EXPECT_EQ(link.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(link.message()), HasSubstr("is a symbolic link"));

  candor::testing::WriteFile(dir / "file", "x");
  EXPECT_THAT(std::string(PrepareStateDir(dir / "file").message()), HasSubstr("not a directory"));

  std::filesystem::create_directory(dir / "open");
  std::filesystem::permissions(dir / "open", std::filesystem::perms::all);
  EXPECT_THAT(std::string(PrepareStateDir(dir / "open").message()),
              HasSubstr("writable by other users (mode 0777)"));
}

}  // namespace
}  // namespace candor::agent
