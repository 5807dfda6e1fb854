// Fault tests of delivery with the real binaries over real mutual TLS on loopback: the
// agent killed with SIGKILL again and again, the server killed and restarted, a damaged
// spool, a full disk. Each test is bounded in time and checks that the server ends up
// with every event exactly once, in order, or with an explicit report of what was lost.

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "absl/base/internal/endian.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace candor::testing {
namespace {

using ::testing::HasSubstr;

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override { MakePki(pki()); }
  std::filesystem::path pki() const { return dir_ / "pki"; }
  std::filesystem::path state() const { return dir_ / "state-device"; }

  std::unique_ptr<Process> StartAgent(const std::filesystem::path& config) {
    return std::make_unique<Process>(
        std::vector<std::string>{CANDOR_AGENT_BIN, "--config", config.string()});
  }

  TempDir dir_;
};

TEST_F(FaultTest, AgentKilledAHundredTimesLosesAndDuplicatesNothing) {
  ServerUnderTest server(dir_.path(), pki());
  WriteManyChecksPolicy(dir_.path(), 2, 20, "10s");
  const auto config =
      WriteAgentConfig(dir_.path(), pki(), server.port(), "device", "ca", kFastSpool);
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  // Each start runs all 20 checks at once, spools them and sends them: the kill lands
  // anywhere in start-up, collection, group commit, sending or acking. Half the rounds kill
  // at a random moment after the start; the other half at a random moment after the agent
  // published its policy, so that those land in collection and delivery however long
  // start-up takes (several hundred milliseconds under AddressSanitizer on a busy machine).
  const std::filesystem::path published = state() / "public" / "policy.yaml";
  for (int round = 0; round < 100; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    std::filesystem::remove(published);
    auto agent = StartAgent(config);
    if (round % 2 == 1) {
      ASSERT_TRUE(WaitForPublishedPolicy(state(), std::chrono::seconds(30))) << agent->err();
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 300)(rng)));
    ASSERT_TRUE(agent->Stop(SIGKILL, std::chrono::seconds(10)).has_value());
  }
  const RunResult last = RunAgentOnce(config);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  const uint64_t total = DeliveredUpTo(last);
  ASSERT_GT(total, 100u);

  const std::vector<nlohmann::json> events = ExportEvents(server.config());
  // Every seq once, none missing, in order; nothing was damaged or dropped on the way.
  EXPECT_EQ(Seqs(events), Range(1, total));
  std::map<std::string, std::string> last_seen;  // per check: observation times never go back
  for (const nlohmann::json& e : events) {
    ASSERT_EQ(e["collector"], "os_info") << e.dump();
    const std::string at = e["observed_at"].get<std::string>();  // RFC 3339, UTC: sortable
    EXPECT_GE(at, last_seen[e["check"].get<std::string>()]) << e.dump();
    last_seen[e["check"].get<std::string>()] = at;
  }
}

TEST_F(FaultTest, ServerKilledMidStreamAndDownForAWhileLosesNothing) {
  auto server = std::make_unique<ServerUnderTest>(dir_.path(), pki());
  const int port = server->port();
  WriteManyChecksPolicy(dir_.path(), 2, 200, "10s");
  const auto config = WriteAgentConfig(dir_.path(), pki(), port, "device", "ca", kFastSpool);
  auto agent = StartAgent(config);
  // Kill the server while the first events stream in.
  const size_t stored_before_kill =
      WaitForEvents(server->config(), 1, std::chrono::seconds(30)).size();
  server->Kill();
  RecordProperty("stored_before_kill", static_cast<int>(stored_before_kill));
  // Down for a while: the agent keeps producing (a policy with new checks runs them at once).
  WriteManyChecksPolicy(dir_.path(), 3, 200, "10s", "d");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  server = std::make_unique<ServerUnderTest>(dir_.path(), pki(), port);
  // The running agent delivers by itself once the server is back (its backoff is 2 s).
  const std::vector<nlohmann::json> delivered =
      WaitForEvents(server->config(), 400, std::chrono::seconds(60));
  EXPECT_GE(delivered.size(), 400u);
  ASSERT_EQ(agent->Stop(SIGTERM, std::chrono::seconds(20)), 0) << agent->err();
  EXPECT_THAT(agent->err(), HasSubstr("cannot deliver, will retry"));
  EXPECT_THAT(agent->err(), HasSubstr("delivery works again"));

  const RunResult last = RunAgentOnce(config);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(Seqs(ExportEvents(server->config())), Range(1, DeliveredUpTo(last)));
}

// Offsets of the records in a spool segment (agent/spool_record.h).
std::vector<size_t> RecordOffsets(const std::string& segment) {
  std::vector<size_t> offsets;
  for (size_t at = 0; at + 16 <= segment.size();) {
    offsets.push_back(at);
    at += 16 + absl::little_endian::Load32(segment.data() + at);
  }
  return offsets;
}

std::filesystem::path OnlySegment(const std::filesystem::path& state) {
  std::vector<std::filesystem::path> segments;
  for (const auto& entry : std::filesystem::directory_iterator(state)) {
    if (entry.path().extension() == ".seg") segments.push_back(entry.path());
  }
  if (segments.size() != 1) throw std::runtime_error("expected one spool segment");
  return segments.front();
}

TEST_F(FaultTest, DamagedSpoolDeliversEverythingElseAndReportsTheDamage) {
  int port = 0;
  {
    ServerUnderTest gone(dir_.path() / "gone", pki());
    port = gone.port();
    ASSERT_EQ(gone.Stop(), 0);
  }
  WriteManyChecksPolicy(dir_.path(), 2, 5, "1h");
  const auto offline = WriteAgentConfig(dir_.path(), pki(), port);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(RunAgentOnce(offline).exit_code, 1);  // 10 events kept

  const std::filesystem::path segment = OnlySegment(state());
  std::string bytes = ReadFile(segment);
  const std::vector<size_t> offsets = RecordOffsets(bytes);
  ASSERT_EQ(offsets.size(), 10u);
  bytes[offsets[2] + 40] ^= 0x10;                            // flip a byte in seq 3
  for (int i = 0; i < 4; ++i) bytes[offsets[6] + i] = '\0';  // zero seq 7's length
  bytes.resize(bytes.size() - 5);                            // tear seq 10
  WriteFile(segment, bytes);

  ServerUnderTest server(dir_.path(), pki(), port);
  const RunResult run = RunAgentOnce(offline);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("the spool was damaged: 2 damaged region(s) skipped"));
  EXPECT_THAT(run.err, HasSubstr("seq 3, 7 lost"));

  const std::vector<nlohmann::json> events = ExportEvents(server.config());
  std::vector<uint64_t> expected = {1, 2, 4, 5, 6, 8, 9};
  // The torn record's seq was never sent, so the damage report takes it; then this run's
  // five checks.
  for (uint64_t s = 10; s <= 15; ++s) expected.push_back(s);
  EXPECT_EQ(Seqs(events), expected);
  const nlohmann::json& report = events[7];
  EXPECT_EQ(report["collector"], "agent");
  EXPECT_EQ(report["check"], "spool_damaged");
  EXPECT_EQ(report["facts"]["lost_seqs"], nlohmann::json::array({"3", "7"}));
  EXPECT_GT(report["facts"]["cut_bytes"].get<int64_t>(), 0);
}

TEST_F(FaultTest, FullDiskLosesOnlyWhatCouldNotBeWrittenSaysSoAndRecovers) {
  const std::filesystem::path mount = dir_.path() / "small-fs";
  std::filesystem::create_directory(mount);
  if (::mount("tmpfs", mount.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): " << std::strerror(errno)
                 << "; the full-disk rules are covered by the spool's fault-injection tests";
  }
  struct Unmount {
    std::filesystem::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount};

  ServerUnderTest server(dir_.path(), pki());
  WriteManyChecksPolicy(dir_.path(), 2, 20, "10s");
  const std::string state_dir = (mount / "state").string();
  const auto config = WriteAgentConfig(dir_.path(), pki(), server.port(), "device", "ca",
                                       std::string(kFastSpool) + "state_dir: " + state_dir + "\n");
  {
    // The state directory on the small file system replaces the default one.
    std::string text = ReadFile(config);
    const size_t line = text.find("state_dir: ");
    text.erase(line, text.find('\n', line) - line + 1);
    WriteFile(config, text);
  }
  const auto started = std::chrono::steady_clock::now();
  auto agent = StartAgent(config);
  std::vector<nlohmann::json> events = WaitForEvents(server.config(), 20, std::chrono::seconds(30));
  ASSERT_EQ(events.size(), 20u) << agent->err();

  // Fill the file system, so that the next round of checks (10 s later) cannot be spooled.
  {
    std::ofstream filler(mount / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), block.size())) {
    }
  }
  // The second round runs 10 s after the first; give it time to fail, then free space.
  std::this_thread::sleep_until(started + std::chrono::seconds(14));
  std::filesystem::remove(mount / "filler");  // space comes back

  // The next round is spooled again, behind a report of what was lost.
  events = WaitForEvents(server.config(), 41, std::chrono::seconds(60));
  ASSERT_EQ(agent->Stop(SIGTERM, std::chrono::seconds(20)), 0);
  EXPECT_THAT(agent->err(), HasSubstr("event not stored"));
  std::set<uint64_t> seqs;
  const nlohmann::json* report = nullptr;
  for (const nlohmann::json& e : events) {
    seqs.insert(e["seq"].get<uint64_t>());
    if (e["check"] == "spool_dropped") report = &e;
  }
  EXPECT_EQ(seqs.size(), events.size());
  EXPECT_EQ(*seqs.rbegin(), events.size()) << "no seq skipped: the lost events never had one";
  ASSERT_NE(report, nullptr) << agent->err();
  EXPECT_EQ((*report)["facts"]["cause"], "write_failed");
  EXPECT_GE((*report)["facts"]["dropped"].get<int64_t>(), 1);
  for (const nlohmann::json& e : events) EXPECT_NE(e["check"], "spool_damaged") << e.dump();
}

}  // namespace
}  // namespace candor::testing
