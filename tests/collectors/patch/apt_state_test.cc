#include "collectors/patch/apt_state.h"

#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace candor::collectors {
namespace {

// (name, arch, candidate) as `apt list --upgradable` prints them:
// "bash/oldstable 5.2.15-2+b13 amd64 [upgradable from: 5.2.15-2+b8]".
std::set<std::string> ParseAptList(const std::string& out) {
  std::set<std::string> upgrades;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos || line.find("[upgradable from:") == std::string::npos) continue;
    std::istringstream words(line.substr(slash + 1));
    std::string suites, version, arch;
    words >> suites >> version >> arch;
    upgrades.insert(line.substr(0, slash) + ":" + arch + " " + version);
  }
  return upgrades;
}

std::set<std::string> Ours(const AptState& state) {
  std::set<std::string> upgrades;
  for (const AptUpgrade& u : PendingUpgrades(state)) {
    upgrades.insert(u.name + ":" + u.arch + " " + u.candidate);
  }
  return upgrades;
}

TEST(AptStateTest, TheLiveHostMatchesAptListUpgradable) {
  const candor::testing::RunResult apt =
      candor::testing::Run({"/usr/bin/apt", "list", "--upgradable"}, std::chrono::seconds(60));
  if (apt.exit_code != 0) GTEST_SKIP() << "apt is not usable here: " << apt.err;
  absl::StatusOr<AptState> state = LoadAptState(HostView("/"));
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_TRUE(state->problems.empty()) << state->problems.front();
  // apt prints arch "all" packages with "all"; we report them under the native arch.
  std::set<std::string> expected;
  for (std::string line : ParseAptList(apt.out)) {
    const size_t all = line.find(":all ");
    if (all != std::string::npos) line.replace(all, 5, ":" + state->native_arch + " ");
    expected.insert(line);
  }
  EXPECT_EQ(Ours(*state), expected);
}

}  // namespace
}  // namespace candor::collectors
