#include "agent/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include "agent/state_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using ::testing::HasSubstr;

v1::Event Event(const std::string& check) {
  v1::Event event;
  event.set_collector("os_info");
  event.set_check_id(check);
  event.set_status(v1::CHECK_STATUS_PASS);
  return event;
}

std::vector<uint64_t> PendingSeqs(const Spool& spool) {
  std::vector<uint64_t> seqs;
  for (const v1::Event& e : spool.Pending(1000, 1 << 20)) seqs.push_back(e.seq());
  return seqs;
}

class SpoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<Spool> Open() {
    auto spool = Spool::Open(dir_.path());
    EXPECT_TRUE(spool.ok()) << spool.status();
    return spool.ok() ? std::move(*spool) : nullptr;
  }
  void Fill(int n) {
    auto spool = Open();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(spool->Append(Event("c" + std::to_string(i))).ok());
    ASSERT_TRUE(spool->Sync().ok());
  }
  std::string LogBytes() { return candor::testing::ReadFile(dir_ / "spool.log"); }
  void SetLogBytes(const std::string& bytes) {
    candor::testing::WriteFile(dir_ / "spool.log", bytes);
  }

  candor::testing::TempDir dir_;
};

TEST_F(SpoolTest, AssignsIncreasingSeqsThatSurviveARestart) {
  Fill(3);
  auto spool = Open();
  EXPECT_EQ(spool->last_seq(), 3u);
  EXPECT_EQ(PendingSeqs(*spool), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(spool->Pending(10, 1 << 20)[1].check_id(), "c1");
  EXPECT_EQ(*spool->Append(Event("next")), 4u);
}

TEST_F(SpoolTest, AckTrimsDurablyAndSeqsNeverRestart) {
  Fill(3);
  {
    auto spool = Open();
    ASSERT_TRUE(spool->Ack(2).ok());
    EXPECT_EQ(PendingSeqs(*spool), (std::vector<uint64_t>{3}));
  }
  {
    auto spool = Open();
    EXPECT_EQ(spool->acked_seq(), 2u);
    EXPECT_EQ(PendingSeqs(*spool), (std::vector<uint64_t>{3}));
    ASSERT_TRUE(spool->Ack(3).ok());
    EXPECT_EQ(spool->pending_count(), 0u);
    EXPECT_EQ(LogBytes().size(), 0u);  // fully acknowledged: the log is emptied
  }
  auto spool = Open();
  EXPECT_EQ(spool->last_seq(), 3u);
  EXPECT_EQ(*spool->Append(Event("after")), 4u);
}

TEST_F(SpoolTest, RefusesAnAckBeyondWhatWasSpooled) {
  Fill(1);
  auto spool = Open();
  EXPECT_EQ(spool->Ack(7).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(spool->Ack(0).ok());
}

TEST_F(SpoolTest, PendingRespectsCountAndByteBounds) {
  Fill(10);
  auto spool = Open();
  EXPECT_EQ(spool->Pending(4, 1 << 20).size(), 4u);
  EXPECT_EQ(spool->Pending(100, 1).size(), 1u);  // at least one event, however large
}

TEST_F(SpoolTest, CutsATornTail) {
  Fill(3);
  const std::string bytes = LogBytes();
  SetLogBytes(bytes.substr(0, bytes.size() - 3));
  auto spool = Open();
  EXPECT_EQ(PendingSeqs(*spool), (std::vector<uint64_t>{1, 2}));
  EXPECT_GT(spool->recovery().cut_bytes, 0u);
  EXPECT_EQ(*spool->Append(Event("x")), 3u);
  spool.reset();
  EXPECT_EQ(PendingSeqs(*Open()), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(SpoolTest, SkipsARecordWithAFlippedByteAndKeepsTheRest) {
  Fill(3);
  std::string bytes = LogBytes();
  const size_t record = bytes.size() / 3;
  bytes[record + record / 2] ^= 0x40;  // inside the second record's payload
  SetLogBytes(bytes);
  auto spool = Open();
  EXPECT_EQ(PendingSeqs(*spool), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(spool->recovery().skipped_records, 1u);
  EXPECT_EQ(spool->recovery().cut_bytes, 0u);
}

TEST_F(SpoolTest, AZeroedLengthCutsFromThere) {
  Fill(3);
  std::string bytes = LogBytes();
  const size_t record = bytes.size() / 3;
  for (size_t i = 0; i < 4; ++i) bytes[record * 2 + i] = '\0';
  SetLogBytes(bytes);
  auto spool = Open();
  EXPECT_EQ(PendingSeqs(*spool), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(spool->recovery().cut_bytes, record);
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
  EXPECT_EQ(PendingSeqs(*spool), (std::vector<uint64_t>{1, 2, 3}));
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
