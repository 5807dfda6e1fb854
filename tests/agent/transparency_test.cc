// explain, ledger and status as the employee runs them, and the public part of state_dir.

#include <sys/stat.h>

#include <sstream>

#include "absl/strings/str_split.h"
#include "agent/explain.h"
#include "agent/ledger.h"
#include "agent/local_commands.h"
#include "agent/public_dir.h"
#include "agent/spool.h"
#include "agent/state_dir.h"
#include "agent/status_board.h"
#include "collectors/builtin.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPolicy = R"(apiVersion: candor/v1
kind: Policy
metadata: {name: laptops, tenant: acme, version: 4}
notice: >
  Acme IT checks that this computer is patched and encrypted. Nothing about you or your
  family is collected.
checks:
  - id: disk
    collector: disk_encryption
    interval: 6h
    severity: critical
  - id: fw
    collector: firewall
    interval: 15m
    severity: high
)";

unsigned Mode(const std::filesystem::path& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class TransparencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(PrepareStateDir(state_dir()).ok());
    ASSERT_TRUE(PreparePublicDir(state_dir()).ok());
    options_.state_dir = state_dir();
  }
  std::filesystem::path state_dir() const { return dir_ / "state"; }
  config::Policy Policy() const {
    absl::StatusOr<config::Policy> policy =
        config::ParsePolicyText(kPolicy, "policy.yaml", collectors::BuiltinCatalog());
    EXPECT_TRUE(policy.ok()) << policy.status();
    return *policy;
  }

  testing::TempDir dir_;
  LocalCommandOptions options_;
  std::ostringstream out_, err_;
};

TEST_F(TransparencyTest, PublicDirIsReachableButNothingElseIsListable) {
  EXPECT_EQ(Mode(state_dir()), 0711u);
  EXPECT_EQ(Mode(PublicDir(state_dir())), 0755u);
  EXPECT_EQ(Mode(PublicDir(state_dir()) / "ledger"), 0755u);
  const mode_t old = ::umask(077);
  const absl::Status written = WritePublicFile(state_dir(), "status.json", "{}");
  ::umask(old);
  ASSERT_TRUE(written.ok()) << written;
  EXPECT_EQ(Mode(PublicDir(state_dir()) / "status.json"), 0644u);
}

TEST_F(TransparencyTest, APublicDirThatIsASymlinkIsRefused) {
  testing::TempDir other;
  std::filesystem::remove_all(PublicDir(state_dir()));
  std::filesystem::create_directory_symlink(other.path(), PublicDir(state_dir()));
  const absl::Status s = PreparePublicDir(state_dir());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("symbolic link"));
}

TEST_F(TransparencyTest, ExplainSaysTheNoticeEachCheckAndWhatIsNeverCollected) {
  const config::CollectorCatalog catalog = collectors::BuiltinCatalog();
  const std::string text = ExplainPolicy(Policy(), catalog, "sent by the server");
  EXPECT_THAT(text, HasSubstr("Policy \"laptops\" version 4 of acme, sent by the server."));
  EXPECT_THAT(text, HasSubstr("Acme IT checks that this computer is patched and encrypted."));
  EXPECT_THAT(text, HasSubstr("(2 checks)"));
  EXPECT_THAT(text, HasSubstr("disk: every 6 hours, importance critical"));
  EXPECT_THAT(text, HasSubstr("fw: every 15 minutes, importance high"));
  const config::CollectorSpec* firewall = catalog.Find("firewall");
  ASSERT_NE(firewall, nullptr);
  EXPECT_THAT(text, HasSubstr(firewall->description));
  EXPECT_THAT(text, HasSubstr("Reports: " + firewall->data_categories.front()));
  for (absl::string_view never : NeverCollected()) EXPECT_THAT(text, HasSubstr(never));
  for (absl::string_view line : absl::StrSplit(text, '\n')) EXPECT_LE(line.size(), 88u) << line;
}

TEST_F(TransparencyTest, IntervalsReadAsPeopleSayThem) {
  EXPECT_EQ(DescribeInterval(std::chrono::minutes(15)), "every 15 minutes");
  EXPECT_EQ(DescribeInterval(std::chrono::hours(1)), "every hour");
  EXPECT_EQ(DescribeInterval(std::chrono::hours(48)), "every 2 days");
  EXPECT_EQ(DescribeInterval(std::chrono::seconds(90)), "every 90 seconds");
}

TEST_F(TransparencyTest, ExplainReadsThePolicyInForceFromState) {
  ASSERT_TRUE(WritePublicFile(state_dir(), "policy.yaml", kPolicy).ok());
  EXPECT_EQ(RunExplainCommand(options_, std::nullopt, out_, err_), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("Policy \"laptops\" version 4"));
}

TEST_F(TransparencyTest, ExplainWithoutAPolicySaysNothingRunsYet) {
  EXPECT_EQ(RunExplainCommand(options_, std::nullopt, out_, err_), 0);
  EXPECT_THAT(out_.str(), HasSubstr("No policy is in force yet"));
  EXPECT_THAT(out_.str(), HasSubstr("What Candor never collects"));
}

TEST_F(TransparencyTest, ExplainNamesAWrongStateDirAndABadPolicyFile) {
  options_.state_dir = dir_ / "nowhere";
  EXPECT_EQ(RunExplainCommand(options_, std::nullopt, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("the agent has not run with this state_dir"));
  testing::WriteFile(dir_ / "bad.yaml", "apiVersion: candor/v1\nkind: Policy\nchecks: 3\n");
  EXPECT_EQ(RunExplainCommand(options_, dir_ / "bad.yaml", out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("bad.yaml:"));
}

TEST_F(TransparencyTest, LedgerCommandPrintsEventsDecodedAsTextAndJson) {
  absl::StatusOr<std::unique_ptr<LedgerWriter>> writer = LedgerWriter::Open(
      PublicDir(state_dir()) / "ledger", {}, [] { return std::chrono::system_clock::now(); });
  ASSERT_TRUE(writer.ok());
  v1::Event event;
  event.set_seq(9);
  event.set_collector("firewall");
  event.set_check_id("fw");
  event.set_status(v1::CHECK_STATUS_FAIL);
  event.set_reason("no firewall is active");
  event.set_severity(v1::SEVERITY_HIGH);
  event.set_policy_version(4);
  (*event.mutable_facts())["backend"].set_text("none");
  ASSERT_TRUE((*writer)->Record({event}).ok());

  EXPECT_EQ(RunLedgerCommand(options_, std::nullopt, out_, err_), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("1 event(s) sent to the server"));
  EXPECT_THAT(out_.str(), HasSubstr("#9  observed"));
  EXPECT_THAT(out_.str(), HasSubstr("fw (firewall): FAIL, importance high, policy version 4"));
  EXPECT_THAT(out_.str(), HasSubstr("no firewall is active"));
  EXPECT_THAT(out_.str(), HasSubstr("backend = none"));

  std::ostringstream json;
  options_.format = "json";
  EXPECT_EQ(RunLedgerCommand(options_, std::string("1h"), json, err_), 0);
  const nlohmann::json line = nlohmann::json::parse(json.str());
  EXPECT_EQ(line["event"]["check_id"], "fw");
  EXPECT_EQ(line["event"]["seq"], "9");
}

TEST_F(TransparencyTest, LedgerCommandRefusesBadOptions) {
  EXPECT_EQ(RunLedgerCommand(options_, std::string("last week"), out_, err_), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--since: expected a time like"));
  options_.format = "xml";
  EXPECT_EQ(RunLedgerCommand(options_, std::nullopt, out_, err_), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--format: expected text or json, got \"xml\""));
}

TEST_F(TransparencyTest, StatusShowsTheRunningAgentsState) {
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(state_dir());
  ASSERT_TRUE(spool.ok());
  v1::Event event;
  event.set_check_id("fw");
  ASSERT_TRUE((*spool)->Append(event).ok());
  ASSERT_TRUE((*spool)->Sync().ok());
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  StatusBoard board(**spool, "0.1.0", "candor.example.net:7443", [now] { return now; });
  board.PolicyInForce(Policy(), /*from_server=*/true);
  board.Connected();
  board.CheckRan("fw", v1::CHECK_STATUS_FAIL, "no firewall is active", now);
  board.CheckRan("gone", v1::CHECK_STATUS_PASS, "", now);
  board.PolicyInForce(Policy(), true);  // "gone" is not in the policy any more
  board.Acked(0);

  ASSERT_TRUE(WritePublicFile(state_dir(), "status.json", board.ToJson()).ok());
  EXPECT_EQ(RunStatusCommand(options_, out_, err_), 0) << err_.str();
  const std::string text = out_.str();
  EXPECT_THAT(text, HasSubstr("candor-agent 0.1.0: running (pid " + std::to_string(::getpid())));
  EXPECT_THAT(text, HasSubstr("candor.example.net:7443, connected since 2027-01-15T08:00:00"));
  EXPECT_THAT(text, HasSubstr("\"laptops\" version 4 from the server"));
  EXPECT_THAT(text, HasSubstr("1 event(s) waiting"));
  EXPECT_THAT(text, HasSubstr("last event #1"));
  EXPECT_THAT(text, HasSubstr("fw"));
  EXPECT_THAT(text, HasSubstr("FAIL"));
  EXPECT_THAT(text, Not(HasSubstr("gone")));

  board.Disconnected("connection refused");
  board.Stopping();
  ASSERT_TRUE(WritePublicFile(state_dir(), "status.json", board.ToJson()).ok());
  std::ostringstream stopped;
  EXPECT_EQ(RunStatusCommand(options_, stopped, err_), 3);
  EXPECT_THAT(stopped.str(), HasSubstr(": stopped;"));
  EXPECT_THAT(stopped.str(), HasSubstr("not connected"));

  std::ostringstream json;
  options_.format = "json";
  EXPECT_EQ(RunStatusCommand(options_, json, err_), 3);
  const nlohmann::json doc = nlohmann::json::parse(json.str());
  EXPECT_EQ(doc["alive"], false);
  EXPECT_EQ(doc["policy"]["version"], 4);
  EXPECT_EQ(doc["spool"]["waiting_events"], 1);
}

TEST_F(TransparencyTest, StatusSaysWhyACheckErredAndUntilWhenItIsHeldBack) {
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(state_dir());
  ASSERT_TRUE(spool.ok());
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  StatusBoard board(**spool, "0.1.0", "localhost:1", [&now] { return now; });
  config::Policy policy = Policy();
  policy.checks.resize(3);
  policy.checks[0].id = "pkgs";
  policy.checks[1].id = "held";  // held back by a cool-down an earlier process left
  policy.checks[2].id = "fw";
  board.PolicyInForce(policy, true);
  board.CheckRan("fw", v1::CHECK_STATUS_FAIL, "no firewall is active", now);
  board.CheckRan("pkgs", v1::CHECK_STATUS_ERROR,
                 "stopped by the agent's watchdog: 300 MiB is over budget (128 MiB)", now);
  board.CoolingDown("pkgs", now + std::chrono::hours(1));
  board.CoolingDown("held", now + std::chrono::hours(2));
  board.CoolingDown("not-in-the-policy", now + std::chrono::hours(2));

  nlohmann::json doc = nlohmann::json::parse(board.ToJson());
  ASSERT_EQ(doc["checks"].size(), 3u);
  const nlohmann::json& fw = doc["checks"][0];
  EXPECT_EQ(fw["check"], "fw");
  EXPECT_EQ(fw["reason"], "no firewall is active");
  EXPECT_EQ(fw["not_before"], nullptr);
  const nlohmann::json& held = doc["checks"][1];
  EXPECT_EQ(held["check"], "held");
  EXPECT_EQ(held["last_run"], nullptr);
  EXPECT_EQ(held["status"], nullptr);
  EXPECT_EQ(held["not_before"], "2027-01-15T10:00:00.000Z");
  const nlohmann::json& pkgs = doc["checks"][2];
  EXPECT_EQ(pkgs["status"], "ERROR");
  EXPECT_EQ(pkgs["not_before"], "2027-01-15T09:00:00.000Z");

  ASSERT_TRUE(WritePublicFile(state_dir(), "status.json", board.ToJson()).ok());
  EXPECT_EQ(RunStatusCommand(options_, out_, err_), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("stopped by the agent's watchdog: 300 MiB is over budget"));
  EXPECT_THAT(out_.str(), HasSubstr("held back until 2027-01-15T09:00:00.000Z"));
  EXPECT_THAT(out_.str(), HasSubstr("held back until 2027-01-15T10:00:00.000Z"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("no firewall is active")));  // FAIL: a finding, not ours
  EXPECT_THAT(out_.str(), Not(HasSubstr("not-in-the-policy")));

  // Once a cool-down is over the check is not shown as held back, whether or not the
  // Cooldowns said so yet; a cool-down that ended is taken back.
  now += std::chrono::hours(1);
  board.CoolingDown("held", std::nullopt);
  doc = nlohmann::json::parse(board.ToJson());
  ASSERT_EQ(doc["checks"].size(), 2u);
  EXPECT_EQ(doc["checks"][1]["check"], "pkgs");
  EXPECT_EQ(doc["checks"][1]["not_before"], nullptr);
}

TEST_F(TransparencyTest, StatusOfAnAgentThatDiedSaysSo) {
  testing::WriteFile(PublicDir(state_dir()) / "status.json",
                     R"({"agent_version":"0.1.0","pid":2147483000,"running":true})");
  EXPECT_EQ(RunStatusCommand(options_, out_, err_), 3);
  EXPECT_THAT(out_.str(), HasSubstr("NOT RUNNING: it ended without stopping cleanly"));
}

TEST_F(TransparencyTest, StatusWithoutAnyOrADamagedFileSaysWhy) {
  EXPECT_EQ(RunStatusCommand(options_, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("no status"));
  testing::WriteFile(PublicDir(state_dir()) / "status.json", "{\"pid\": ");
  std::ostringstream err;
  EXPECT_EQ(RunStatusCommand(options_, out_, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("damaged"));
}

TEST_F(TransparencyTest, PublisherWritesAfterAChangeOnTheEventLoop) {
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(state_dir());
  ASSERT_TRUE(spool.ok());
  StatusBoard board(**spool, "0.1.0", "localhost:1",
                    [] { return std::chrono::system_clock::now(); });
  boost::asio::io_context io;
  StatusPublisher publisher(io, board, state_dir(), std::chrono::milliseconds(10));
  board.Acked(41);
  board.Acked(42);                      // coalesced into one write
  io.run_for(std::chrono::seconds(5));  // returns once the write is done
  const nlohmann::json doc =
      nlohmann::json::parse(testing::ReadFile(PublicDir(state_dir()) / "status.json"));
  EXPECT_EQ(doc["last_ack"]["seq"], 42);
  EXPECT_EQ(doc["running"], true);
}

}  // namespace
}  // namespace candor::agent
