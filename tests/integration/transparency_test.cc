// What the employee sees (explain, ledger, status) against the real agent and server over
// real mutual TLS on loopback: the ledger must hold exactly what the server stored.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace candor::testing {
namespace {

using ::testing::HasSubstr;

class TransparencyE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { MakePki(pki()); }
  std::filesystem::path pki() const { return dir_ / "pki"; }
  std::filesystem::path state_dir() const { return dir_ / "state-device"; }
  RunResult Local(const std::filesystem::path& config, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CANDOR_AGENT_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--config", config.string()});
    return ::candor::testing::Run(argv);
  }

  TempDir dir_;
};

std::set<uint64_t> LedgerSeqs(const std::string& jsonl) {
  std::set<uint64_t> seqs;
  for (absl::string_view line : absl::StrSplit(jsonl, '\n', absl::SkipEmpty())) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    seqs.insert(std::stoull(entry["event"]["seq"].get<std::string>()));
  }
  return seqs;
}

TEST_F(TransparencyE2eTest, TheLedgerHoldsExactlyWhatTheServerStored) {
  ServerUnderTest server(dir_.path(), pki());
  const auto config = WriteAgentConfig(dir_.path(), pki(), server.port());
  ASSERT_EQ(RunAgentOnce(config).exit_code, 0);
  ASSERT_EQ(RunAgentOnce(config).exit_code, 0);

  std::set<uint64_t> stored;
  for (const nlohmann::json& event : ExportEvents(server.config())) {
    stored.insert(event["seq"].get<uint64_t>());
  }
  ASSERT_EQ(stored.size(), 2u);
  const RunResult ledger = Local(config, {"ledger", "--format", "json"});
  ASSERT_EQ(ledger.exit_code, 0) << ledger.err;
  EXPECT_EQ(LedgerSeqs(ledger.out), stored);

  const RunResult text = Local(config, {"ledger", "--since", "1h"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("2 event(s) sent to the server and acknowledged"));
  EXPECT_THAT(text.out, HasSubstr("os (os_info): PASS"));

  const RunResult status = Local(config, {"status"});
  EXPECT_EQ(status.exit_code, 3) << status.out << status.err;  // --once has ended
  EXPECT_THAT(status.out, HasSubstr(": stopped;"));
  EXPECT_THAT(status.out, HasSubstr("last ack:  #" + std::to_string(*stored.rbegin())));

  const RunResult explain = Local(config, {"explain"});
  ASSERT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_THAT(explain.out, HasSubstr("Policy \"test\" version 2 of demo, from a local file"));
  EXPECT_THAT(explain.out, HasSubstr("Integration test policy."));
  EXPECT_THAT(explain.out, HasSubstr("os: every hour"));
  EXPECT_THAT(explain.out, HasSubstr("What Candor never collects"));
}

TEST_F(TransparencyE2eTest, OnlyThePublicPartOfStateDirIsOpenToOtherUsers) {
  ServerUnderTest server(dir_.path(), pki());
  const auto config = WriteAgentConfig(dir_.path(), pki(), server.port());
  ASSERT_EQ(RunAgentOnce(config).exit_code, 0);
  const std::filesystem::path public_dir = state_dir() / "public";
  std::filesystem::path private_file;  // e.g. the spool's cursor
  for (const auto& entry : std::filesystem::recursive_directory_iterator(state_dir())) {
    struct stat st;
    ASSERT_EQ(::lstat(entry.path().c_str(), &st), 0);
    const bool is_public = entry.path().string().rfind(public_dir.string(), 0) == 0;
    if (!is_public) {
      if (S_ISREG(st.st_mode)) private_file = entry.path();
      EXPECT_EQ(st.st_mode & S_IROTH, 0u) << entry.path() << " is readable by other users";
    }
    EXPECT_EQ(st.st_mode & S_IWOTH, 0u) << entry.path() << " is writable by other users";
  }
  struct stat st;
  ASSERT_EQ(::stat(state_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0711u);
  ASSERT_EQ(::stat((public_dir / "policy.yaml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  // And another user can in fact read it (when the test may become one).
  if (::geteuid() != 0 || !std::filesystem::exists("/usr/bin/setpriv")) {
    GTEST_SKIP() << "reading as another user needs root and setpriv";
  }
  const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                              "--clear-groups"};
  auto run_as_nobody = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = as_nobody;
    argv.push_back(CANDOR_AGENT_BIN);
    argv.insert(argv.end(), args.begin(), args.end());
    return ::candor::testing::Run(argv);
  };
  if (run_as_nobody({"--version"}).exit_code != 0) {
    GTEST_SKIP() << "the build directory is not reachable for user nobody";
  }
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  const RunResult ledger = run_as_nobody({"ledger", "--state-dir", state_dir().string()});
  EXPECT_EQ(ledger.exit_code, 0) << ledger.err;
  EXPECT_THAT(ledger.out, HasSubstr("os (os_info)"));
  const RunResult explain = run_as_nobody({"explain", "--state-dir", state_dir().string()});
  EXPECT_EQ(explain.exit_code, 0) << explain.err;
  // Nothing else: the spool stays closed.
  ASSERT_FALSE(private_file.empty());
  const RunResult spool = ::candor::testing::Run(
      {as_nobody[0], as_nobody[1], as_nobody[2], as_nobody[3], "/bin/cat", private_file.string()});
  EXPECT_NE(spool.exit_code, 0) << private_file;
  EXPECT_THAT(spool.err, HasSubstr("Permission denied"));
}

TEST_F(TransparencyE2eTest, StatusFollowsTheRunningAgent) {
  ServerUnderTest server(dir_.path(), pki());
  const auto config = WriteAgentConfig(dir_.path(), pki(), server.port());
  Process agent({CANDOR_AGENT_BIN, "--config", config.string()});
  // Bounded wait for a status that shows the stream up, the check run and its ack.
  RunResult status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    status = Local(config, {"status", "--format", "json"});
    if (status.exit_code == 0) {
      const nlohmann::json doc = nlohmann::json::parse(status.out);
      if (doc["server"]["connected"] == true && doc["last_ack"]["seq"] == 1 &&
          doc["checks"].size() == 1) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(status.exit_code, 0) << status.out << status.err;
  const nlohmann::json doc = nlohmann::json::parse(status.out);
  EXPECT_EQ(doc["server"]["connected"], true);
  EXPECT_EQ(doc["alive"], true);
  EXPECT_EQ(doc["pid"], agent.pid());
  EXPECT_EQ(doc["policy"]["version"], 2);
  EXPECT_EQ(doc["checks"][0]["check"], "os");
  EXPECT_EQ(doc["last_ack"]["seq"], 1);

  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(10)), 0);
  const RunResult stopped = Local(config, {"status"});
  EXPECT_EQ(stopped.exit_code, 3);
  EXPECT_THAT(stopped.out, HasSubstr(": stopped;"));
}

TEST_F(TransparencyE2eTest, StatusShowsACheckHeldBackAfterTheAgentDiedRunningIt) {
  ServerUnderTest server(dir_.path(), pki());
  const auto config = WriteAgentConfig(dir_.path(), pki(), server.port());
  // What an agent that died (power cut, OOM kill) while "os" ran leaves in state_dir.
  std::filesystem::create_directories(state_dir());
  std::filesystem::permissions(state_dir(), std::filesystem::perms::owner_all);
  WriteFile(state_dir() / "checks.running", "os\n");
  Process agent({CANDOR_AGENT_BIN, "--config", config.string()});
  RunResult status;
  nlohmann::json os;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    status = Local(config, {"status", "--format", "json"});
    if (status.exit_code == 0) {
      const nlohmann::json doc = nlohmann::json::parse(status.out);
      if (doc["checks"].size() == 1 && doc["checks"][0]["status"] == "ERROR") {
        os = doc["checks"][0];
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(os.is_object()) << status.out << status.err;
  EXPECT_EQ(os["check"], "os");
  EXPECT_THAT(os["reason"].get<std::string>(),
              HasSubstr("the agent stopped while this check ran; not run again before"));
  ASSERT_TRUE(os["not_before"].is_string()) << os;
  // The cool-down (config: limits.cooldown, 1 h by default) is in the future.
  EXPECT_GT(os["not_before"].get<std::string>(), os["last_run"].get<std::string>());

  const RunResult text = Local(config, {"status"});
  EXPECT_THAT(text.out, HasSubstr("held back until " + os["not_before"].get<std::string>()));
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace candor::testing
