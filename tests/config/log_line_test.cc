#include "config/log_line.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace candor::config {
namespace {

TEST(LogLineTest, PlainOutsideTheJournal) {
  EXPECT_EQ(FormatLogLine("candor-agent", LogLevel::kError, "spool: disk full", false),
            "candor-agent: spool: disk full\n");
}

TEST(LogLineTest, JournalLinesCarryTheSdDaemonLevel) {
  EXPECT_EQ(FormatLogLine("candor-agent", LogLevel::kError, "x", true), "<3>candor-agent: x\n");
  EXPECT_EQ(FormatLogLine("candor-server", LogLevel::kWarning, "x", true), "<4>candor-server: x\n");
  EXPECT_EQ(FormatLogLine("candor-agent", LogLevel::kInfo, "x", true), "<6>candor-agent: x\n");
}

class JournalStreamTest : public ::testing::Test {
 protected:
  void TearDown() override { unsetenv("JOURNAL_STREAM"); }
};

TEST_F(JournalStreamTest, MatchesOnlyTheStreamSystemdNamed) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  const int fd = fileno(file);
  struct stat st {};
  ASSERT_EQ(fstat(fd, &st), 0);
  unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(IsJournalStream(fd));
  const std::string same = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  setenv("JOURNAL_STREAM", same.c_str(), 1);
  EXPECT_TRUE(IsJournalStream(fd));
  // Inherited by a child whose stderr went elsewhere (a pipe, a terminal): plain lines.
  const std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  setenv("JOURNAL_STREAM", other.c_str(), 1);
  EXPECT_FALSE(IsJournalStream(fd));
  setenv("JOURNAL_STREAM", "garbage", 1);
  EXPECT_FALSE(IsJournalStream(fd));
  std::fclose(file);
}

}  // namespace
}  // namespace candor::config
