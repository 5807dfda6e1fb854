#include "agent/ledger.h"

#include <sys/stat.h>

#include <fstream>

#include "agent/public_dir.h"
#include "agent/state_dir.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Time = std::chrono::system_clock::time_point;

v1::Event MakeEvent(uint64_t seq, const std::string& reason = "Debian 12") {
  v1::Event event;
  event.set_seq(seq);
  event.set_collector("os_info");
  event.set_check_id("os");
  event.set_status(v1::CHECK_STATUS_PASS);
  event.set_reason(reason);
  (*event.mutable_facts())["os_id"].set_text("debian");
  (*event.mutable_facts())["supported"].set_flag(true);
  event.mutable_observed_at()->set_seconds(1'800'000'000);
  event.set_policy_version(3);
  event.set_severity(v1::SEVERITY_HIGH);
  return event;
}

int64_t Ms(Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::vector<uint64_t> Seqs(const LedgerContents& contents) {
  std::vector<uint64_t> seqs;
  for (const LedgerEntry& entry : contents.entries) seqs.push_back(entry.event.seq());
  return seqs;
}

size_t CountFiles(const std::filesystem::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(PrepareStateDir(state_dir()).ok());
    ASSERT_TRUE(PreparePublicDir(state_dir()).ok());
  }
  std::filesystem::path state_dir() const { return dir_ / "state"; }
  std::filesystem::path ledger_dir() const { return PublicDir(state_dir()) / "ledger"; }
  std::unique_ptr<LedgerWriter> Open(config::LedgerSettings settings = {}) {
    absl::StatusOr<std::unique_ptr<LedgerWriter>> writer =
        LedgerWriter::Open(ledger_dir(), settings, [this] { return now_; });
    EXPECT_TRUE(writer.ok()) << writer.status();
    return writer.ok() ? std::move(*writer) : nullptr;
  }

  testing::TempDir dir_;
  Time now_ =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
};

TEST_F(LedgerTest, KeepsEveryAcknowledgedEventAsSentWithItsAckTime) {
  std::unique_ptr<LedgerWriter> writer = Open();
  ASSERT_TRUE(writer->Record({MakeEvent(1), MakeEvent(2)}).ok());
  absl::StatusOr<LedgerContents> read = ReadLedger(ledger_dir(), 0);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_THAT(Seqs(*read), ElementsAre(1, 2));
  EXPECT_EQ(read->unreadable_lines, 0u);
  const LedgerEntry& first = read->entries[0];
  EXPECT_EQ(first.acked_at_ms, Ms(now_));
  EXPECT_TRUE(MessageDifferencer::Equals(first.event, MakeEvent(1)));

  // Any local user may read it.
  ASSERT_EQ(CountFiles(ledger_dir()), 1u);
  struct stat st;
  const auto file = std::filesystem::directory_iterator(ledger_dir())->path();
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(LedgerTest, LinesAreJsonWithTheEventsFieldNames) {
  const std::string line = LedgerLine(MakeEvent(7), 1'800'000'000'123);
  EXPECT_THAT(line, HasSubstr("\"acked_at\":\"2027-01-15T08:00:00.123Z\""));
  EXPECT_THAT(line, HasSubstr("\"check_id\":\"os\""));
  EXPECT_THAT(line, HasSubstr("\"status\":\"CHECK_STATUS_PASS\""));
  EXPECT_THAT(line, HasSubstr("\"os_id\":{\"text\":\"debian\"}"));
  absl::StatusOr<LedgerEntry> back = ParseLedgerLine(line);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(MessageDifferencer::Equals(back->event, MakeEvent(7)));
}

TEST_F(LedgerTest, AnEventRecordedTwiceAfterACrashIsShownOnceWithItsFirstAck) {
  std::unique_ptr<LedgerWriter> writer = Open();
  ASSERT_TRUE(writer->Record({MakeEvent(1), MakeEvent(2)}).ok());
  const Time first_ack = now_;
  now_ += std::chrono::minutes(5);
  writer.reset();
  writer = Open();  // restarted: the same seqs come back with the next ack
  ASSERT_TRUE(writer->Record({MakeEvent(2), MakeEvent(3)}).ok());
  absl::StatusOr<LedgerContents> read = ReadLedger(ledger_dir(), 0);
  ASSERT_TRUE(read.ok());
  ASSERT_THAT(Seqs(*read), ElementsAre(1, 2, 3));
  EXPECT_EQ(read->entries[1].acked_at_ms, Ms(first_ack));
  EXPECT_EQ(CountFiles(ledger_dir()), 1u);  // the young file is continued
}

TEST_F(LedgerTest, SinceLeavesOutEarlierAcks) {
  std::unique_ptr<LedgerWriter> writer = Open();
  ASSERT_TRUE(writer->Record({MakeEvent(1)}).ok());
  now_ += std::chrono::hours(2);
  ASSERT_TRUE(writer->Record({MakeEvent(2)}).ok());
  absl::StatusOr<LedgerContents> read = ReadLedger(ledger_dir(), Ms(now_ - std::chrono::hours(1)));
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(Seqs(*read), ElementsAre(2));
}

TEST_F(LedgerTest, DamagedAndForeignLinesAreSkippedAndCounted) {
  std::unique_ptr<LedgerWriter> writer = Open();
  ASSERT_TRUE(writer->Record({MakeEvent(1)}).ok());
  const auto file = std::filesystem::directory_iterator(ledger_dir())->path();
  {
    std::ofstream out(file, std::ios::app);
    out << "{\"acked_at\":\"yesterday\",\"event\":{}}\n"
        << "not json at all\n"
        << "{\"acked_at\":\"2027-01-15T08:00:00Z\",\"event\":{\"seq\":\"x\"}}\n"
        << LedgerLine(MakeEvent(2), Ms(now_)).substr(0, 40);  // torn by a crash
  }
  writer.reset();
  writer = Open();  // after the crash: a torn file is not continued
  ASSERT_TRUE(writer->Record({MakeEvent(3)}).ok());
  absl::StatusOr<LedgerContents> read = ReadLedger(ledger_dir(), 0);
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(Seqs(*read), ElementsAre(1, 3));
  EXPECT_EQ(read->unreadable_lines, 4u);
  EXPECT_EQ(CountFiles(ledger_dir()), 2u);
  EXPECT_EQ(ParseLedgerLine("[1,2]").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LedgerTest, FilesPastMaxAgeGo) {
  std::unique_ptr<LedgerWriter> writer = Open({.max_age = std::chrono::hours(24 * 30)});
  ASSERT_TRUE(writer->Record({MakeEvent(1)}).ok());
  now_ += std::chrono::hours(24 * 2);
  ASSERT_TRUE(writer->Record({MakeEvent(2)}).ok());  // a day passed: a new file
  EXPECT_EQ(CountFiles(ledger_dir()), 2u);
  now_ += std::chrono::hours(24 * 40);
  ASSERT_TRUE(writer->Record({MakeEvent(3)}).ok());
  absl::StatusOr<LedgerContents> read = ReadLedger(ledger_dir(), 0);
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(Seqs(*read), ElementsAre(3));
  EXPECT_EQ(CountFiles(ledger_dir()), 1u);
}

TEST_F(LedgerTest, TheOldestFilesGoPastMaxBytes) {
  const config::LedgerSettings settings{.max_age = std::chrono::hours(24 * 30),
                                        .max_bytes = uint64_t{1} << 20};
  std::unique_ptr<LedgerWriter> writer = Open(settings);
  const std::string reason(4000, 'r');
  uint64_t seq = 0;
  for (int round = 0; round < 40; ++round) {  // ~4 MB in rounds of ~100 KB
    std::vector<v1::Event> events;
    for (int i = 0; i < 25; ++i) events.push_back(MakeEvent(++seq, reason));
    ASSERT_TRUE(writer->Record(events).ok());
  }
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ledger_dir())) {
    total += std::filesystem::file_size(entry.path());
  }
  // Bounded by max_bytes plus the file being written.
  EXPECT_LE(total, settings.max_bytes + settings.max_bytes / 8 + 110'000);
  absl::StatusOr<LedgerContents> read = ReadLedger(ledger_dir(), 0);
  ASSERT_TRUE(read.ok());
  ASSERT_FALSE(read->entries.empty());
  EXPECT_EQ(read->entries.back().event.seq(), seq);  // the newest are kept
  EXPECT_GT(read->entries.front().event.seq(), 1u);  // the oldest went
}

TEST_F(LedgerTest, NoLedgerYetIsEmpty) {
  absl::StatusOr<LedgerContents> read = ReadLedger(dir_ / "nowhere", 0);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->entries.empty());
}

TEST_F(LedgerTest, AnUnwritableLedgerIsReportedAndRecovers) {
  // A ledger whose directory vanished cannot be written: the error says where.
  std::unique_ptr<LedgerWriter> writer = Open();
  std::filesystem::remove_all(ledger_dir());
  const absl::Status s = writer->Record({MakeEvent(1)});
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr(ledger_dir().string()));
  std::filesystem::create_directory(ledger_dir());
  ASSERT_TRUE(writer->Record({MakeEvent(2)}).ok());  // and it recovers
  absl::StatusOr<LedgerContents> read = ReadLedger(ledger_dir(), 0);
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(Seqs(*read), ElementsAre(2));
}

}  // namespace
}  // namespace candor::agent
