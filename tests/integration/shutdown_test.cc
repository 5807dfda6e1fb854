// SIGTERM, as systemd sends it at `systemctl stop`: the real agent against the real server
// over mutual TLS on loopback. It must exit 0 well within the unit's TimeoutStopSec, close
// the stream itself after the server acknowledged what it sent, and lose nothing: what
// the server does not hold stays in the spool for the next start.

#include <signal.h>

#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sqlite3.h"
#include "tests/integration/harness.h"

namespace candor::testing {
namespace {

using ::testing::HasSubstr;
using Steady = std::chrono::steady_clock;

// The agent gives acks 3 s (agent/run.cc kStopGrace) plus a short slack for the close.
constexpr auto kStopBound = std::chrono::seconds(5);

// Holds SQLite's write lock on the server's database until Release(): the server's ingest
// waits for it (its busy timeout is 5 s), so the batches an agent sends meanwhile stay
// unacknowledged. WAL mode: export still reads.
class DatabaseLock {
 public:
  explicit DatabaseLock(const std::filesystem::path& db) {
    EXPECT_EQ(sqlite3_open(db.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  ~DatabaseLock() { Release(); }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  std::mutex mu_;
  sqlite3* db_ = nullptr;
};

// An agent with its stream open, its first 20 events stored, and 20 more (policy version 3)
// sent to a server whose database is locked: they wait for their acks.
struct AgentWithEventsInFlight {
  std::filesystem::path config;
  std::unique_ptr<Process> agent;
  std::unique_ptr<DatabaseLock> lock;
};

class ShutdownTest : public ::testing::Test {
 protected:
  void SetUp() override { MakePki(pki()); }
  std::filesystem::path pki() const { return dir_ / "pki"; }

  std::unique_ptr<Process> StartAgent(const std::filesystem::path& config) {
    return std::make_unique<Process>(
        std::vector<std::string>{CANDOR_AGENT_BIN, "--config", config.string()});
  }

  // SIGTERMs `agent`; expects exit 0 within kStopBound.
  void Terminate(Process& agent) {
    const auto start = Steady::now();
    const std::optional<int> code = agent.Stop(SIGTERM, std::chrono::seconds(20));
    const auto took = Steady::now() - start;
    ASSERT_TRUE(code.has_value()) << "no exit after SIGTERM\n" << agent.err();
    EXPECT_EQ(*code, 0) << agent.err();
    EXPECT_LT(took, kStopBound) << agent.err();
    EXPECT_THAT(agent.err(), HasSubstr("stay in the spool for the next start"));
  }

  // Starts an agent (20 checks), waits until the server holds their events, locks the
  // server's database and has the agent send 20 more (policy version 3, applied when the
  // file changes).
  AgentWithEventsInFlight StartWithEventsInFlight(const ServerUnderTest& server) {
    AgentWithEventsInFlight started;
    WriteManyChecksPolicy(dir_.path(), 2, 20, "1h");
    started.config =
        WriteAgentConfig(dir_.path(), pki(), server.port(), "device", "ca", kFastSpool);
    started.agent = StartAgent(started.config);
    EXPECT_GE(WaitForEvents(server.config(), 20, std::chrono::seconds(30)).size(), 20u);
    started.lock = std::make_unique<DatabaseLock>(dir_.path() / "server.db");
    WriteManyChecksPolicy(dir_.path(), 3, 20, "1h", "d");
    // Time to notice the file, run the checks and send (the server's ingest then waits up
    // to 5 s for the lock before it gives up).
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return started;
  }

  TempDir dir_;
};

// SIGTERM with batches in flight: the agent waits for their acks (they come 1.5 s later,
// inside its 3 s grace), closes the stream and keeps nothing in the spool.
TEST_F(ShutdownTest, SigtermWaitsForTheAcksOfWhatWasSent) {
  ServerUnderTest server(dir_.path(), pki());
  AgentWithEventsInFlight in_flight = StartWithEventsInFlight(server);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    in_flight.lock->Release();
  });
  const auto start = Steady::now();
  Terminate(*in_flight.agent);
  const auto took = Steady::now() - start;
  release.join();
  EXPECT_GE(took, std::chrono::milliseconds(1000)) << "it did not wait for the acks";
  EXPECT_THAT(in_flight.agent->err(), HasSubstr("stopped; 0 event(s) stay in the spool"));

  const std::vector<uint64_t> stored = Seqs(ExportEvents(server.config()));
  ASSERT_GE(stored.size(), 40u);
  EXPECT_EQ(stored, Range(1, stored.back()));
  const RunResult next = RunAgentOnce(in_flight.config);
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(Seqs(ExportEvents(server.config())), Range(1, DeliveredUpTo(next)));
}

// Acks that do not come within the grace: the agent still exits in time; the events stay
// in the spool (or, when the server stored them after all, its hello answer says so) and
// the next start delivers them exactly once.
TEST_F(ShutdownTest, SigtermGivesUpOnLateAcksInTimeAndLosesNothing) {
  ServerUnderTest server(dir_.path(), pki());
  AgentWithEventsInFlight in_flight = StartWithEventsInFlight(server);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(3800));
    in_flight.lock->Release();
  });
  const auto start = Steady::now();
  Terminate(*in_flight.agent);
  const auto took = Steady::now() - start;
  release.join();
  EXPECT_GE(took, std::chrono::milliseconds(2500)) << in_flight.agent->err();
  EXPECT_THAT(in_flight.agent->err(),
              ::testing::Not(HasSubstr("stopped; 0 event(s) stay in the spool")));

  const RunResult next = RunAgentOnce(in_flight.config);
  ASSERT_EQ(next.exit_code, 0) << next.err;
  const uint64_t total = DeliveredUpTo(next);
  ASSERT_GE(total, 60u);
  EXPECT_EQ(Seqs(ExportEvents(server.config())), Range(1, total));
}

// SIGTERM at any moment of start-up, collection or delivery: a prompt exit 0 every time,
// and across the restarts every event reaches the server exactly once. (From 100 ms on: a
// SIGTERM before main() has run kills the process, which systemd counts as a clean stop
// too and which loses nothing, as the SIGKILL fault test shows.)
TEST_F(ShutdownTest, SigtermAtAnyMomentLosesAndDuplicatesNothing) {
  ServerUnderTest server(dir_.path(), pki());
  WriteManyChecksPolicy(dir_.path(), 2, 50, "1h");
  const auto config =
      WriteAgentConfig(dir_.path(), pki(), server.port(), "device", "ca", kFastSpool);
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  // The agent holds stop signals from the start of RunAgent and publishes its policy soon
  // after; before that (the loader, sanitizer start-up) SIGTERM's default action applies,
  // which is not what this test is about.
  const std::filesystem::path published = dir_ / "state-device" / "public" / "policy.yaml";
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    std::filesystem::remove(published);
    auto agent = StartAgent(config);
    ASSERT_TRUE(WaitForPublishedPolicy(dir_ / "state-device", std::chrono::seconds(30)))
        << agent->err();
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 700)(rng)));
    ASSERT_NO_FATAL_FAILURE(Terminate(*agent));
  }
  const RunResult last = RunAgentOnce(config);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  const uint64_t total = DeliveredUpTo(last);
  ASSERT_GT(total, 50u);
  EXPECT_EQ(Seqs(ExportEvents(server.config())), Range(1, total));
}

// No server: SIGTERM does not wait for one; the events stay in the spool and reach the
// server on the next start.
TEST_F(ShutdownTest, SigtermWithoutAServerExitsAtOnceAndKeepsTheSpool) {
  int port = 0;
  {
    ServerUnderTest gone(dir_.path() / "gone", pki());
    port = gone.port();
    ASSERT_EQ(gone.Stop(), 0);
  }
  WriteManyChecksPolicy(dir_.path(), 2, 20, "1h");
  const auto config = WriteAgentConfig(dir_.path(), pki(), port, "device", "ca", kFastSpool);
  auto agent = StartAgent(config);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto start = Steady::now();
  ASSERT_NO_FATAL_FAILURE(Terminate(*agent));
  EXPECT_LT(Steady::now() - start, std::chrono::seconds(2)) << agent->err();
  EXPECT_THAT(agent->err(), HasSubstr("stopped; 20 event(s) stay in the spool"));

  ServerUnderTest server(dir_.path(), pki(), port);
  const RunResult next = RunAgentOnce(config);
  ASSERT_EQ(next.exit_code, 0) << next.err;
  const uint64_t total = DeliveredUpTo(next);
  EXPECT_EQ(total, 40u);  // the 20 kept, then the 20 of this run
  EXPECT_EQ(Seqs(ExportEvents(server.config())), Range(1, total));
}

}  // namespace
}  // namespace candor::testing
