#include "collectors/program_runner.h"

#include <unistd.h>

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::collectors {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

SystemProgramRunner Runner(size_t max_output = 1 << 20, milliseconds timeout = milliseconds(5000)) {
  return SystemProgramRunner(
      {"/bin/echo", "/bin/sleep", "/usr/bin/yes", "/bin/sh", "/nonexistent/tool"}, timeout,
      max_output);
}

TEST(SystemProgramRunnerTest, RunsWithArgumentsAsAListAndNoShell) {
  absl::StatusOr<ProgramOutput> out = Runner().Run("/bin/echo", {"$HOME;", "ls", "*"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->exit_code, 0);
  EXPECT_EQ(out->out, "$HOME; ls *\n");
}

TEST(SystemProgramRunnerTest, ReportsTheExitCodeAndDropsStandardError) {
  absl::StatusOr<ProgramOutput> out =
      Runner().Run("/bin/sh", {"-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_EQ(out->out, "out\n");
}

TEST(SystemProgramRunnerTest, TheEnvironmentIsMinimal) {
  absl::StatusOr<ProgramOutput> out = Runner().Run("/bin/sh", {"-c", "echo \"$HOME|$LC_ALL\""});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->out, "|C\n");
}

TEST(SystemProgramRunnerTest, RefusesProgramsOffTheAllowlistAndMissingOnes) {
  EXPECT_EQ(Runner().Run("/bin/cat", {"/etc/passwd"}).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Runner().Run("/nonexistent/tool", {}).status().code(), absl::StatusCode::kNotFound);
}

TEST(SystemProgramRunnerTest, KillsAProgramPastItsTimeout) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ProgramOutput> out = Runner(1 << 20, milliseconds(200)).Run("/bin/sleep", {"30"});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(SystemProgramRunnerTest, KillsTheProgramOfAThreadWhenAskedAndOnlyThat) {
  const SystemProgramRunner runner = Runner(1 << 20, milliseconds(60'000));
  std::atomic<int64_t> thread_id{0};
  absl::StatusOr<ProgramOutput> out;
  std::thread worker([&] {
    thread_id = ::gettid();
    out = runner.Run("/bin/sleep", {"30"});
  });
  while (thread_id == 0) std::this_thread::yield();
  EXPECT_EQ(runner.KillProgramsOfThread(::gettid()), 0);  // this thread runs none
  // Until the worker's program is running (bounded: the test's own timeout).
  while (runner.KillProgramsOfThread(thread_id) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  worker.join();
  EXPECT_EQ(out.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("/bin/sleep was stopped"));
  EXPECT_EQ(runner.KillProgramsOfThread(thread_id), 0);  // forgotten once reaped
}

TEST(SystemProgramRunnerTest, KillsAProgramPrintingTooMuch) {
  absl::StatusOr<ProgramOutput> out = Runner(4096).Run("/usr/bin/yes", {});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("more than 4096 bytes"));
}

TEST(RecordedProgramRunnerTest, AnswersFromTheTreeOrSaysWhyNot) {
  candor::testing::TempDir tree;
  candor::testing::WriteFile(tree / "usr/sbin/nft", "");
  candor::testing::WriteFile(tree / ".candor-programs/nft_-j_list_ruleset.out",
                             "exit: 1\nOperation not permitted\n");
  RecordedProgramRunner runner(tree.path());
  absl::StatusOr<ProgramOutput> out = runner.Run("/usr/sbin/nft", {"-j", "list", "ruleset"});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->exit_code, 1);
  EXPECT_EQ(out->out, "Operation not permitted\n");
  EXPECT_EQ(runner.Run("/usr/sbin/nft", {"list"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(runner.Run("/usr/sbin/iptables-save", {}).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace candor::collectors
