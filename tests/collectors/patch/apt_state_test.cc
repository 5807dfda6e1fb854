#include "collectors/patch/apt_state.h"

#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

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

std::filesystem::path Tree(const std::string& name) {
  return std::filesystem::path(CANDOR_TEST_DATA) / "hosts" / name;
}

// What real apt says about a host tree: `apt list --upgradable` with its Dir set to it.
std::optional<std::set<std::string>> AptOnTree(const std::filesystem::path& tree,
                                               const std::string& native_arch) {
  candor::testing::TempDir dir;
  const std::string t = tree.string();
  candor::testing::WriteFile(
      dir / "apt.conf",
      "Dir \"" + t + "/\";\nDir::State::status \"" + t + "/var/lib/dpkg/status\";\n" +
          "Dir::Cache \"" + dir.path().string() + "/\";\nDir::Cache::pkgcache \"\";\n" +
          "Dir::Cache::srcpkgcache \"\";\nDir::Log \"" + dir.path().string() + "/\";\n" +
          "APT::Architecture \"amd64\";\nAPT::Architectures { \"amd64\"; };\n" +
          "Debug::NoLocking \"1\";\n");
  const candor::testing::RunResult apt =
      candor::testing::Run({"/usr/bin/env", "APT_CONFIG=" + (dir / "apt.conf").string(),
                            "/usr/bin/apt", "list", "--upgradable"},
                           std::chrono::seconds(60));
  if (apt.exit_code != 0) return std::nullopt;
  std::set<std::string> expected;
  for (std::string line : ParseAptList(apt.out)) {
    const size_t all = line.find(":all ");
    if (all != std::string::npos) line.replace(all, 5, ":" + native_arch + " ");
    expected.insert(line);
  }
  return expected;
}

std::set<std::string> Security(const AptState& state) {
  std::set<std::string> names;
  for (const AptUpgrade& u : PendingUpgrades(state)) {
    if (u.security) names.insert(u.name);
  }
  return names;
}

TEST(AptStateTest, SeveralSuitesNotAutomaticButAutomaticUpgradesAndSecurity) {
  absl::StatusOr<AptState> state = LoadAptState(HostView(Tree("apt-suites")));
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_TRUE(state->problems.empty()) << state->problems.front();
  EXPECT_EQ(state->native_arch, "amd64");
  // Lists in lz4, gzip and plain; an InRelease and a plain Release file.
  const std::set<std::string> expected = {
      "a:amd64 1.0-2",       // stable beats the installed version
      "c:amd64 1.1-1",       // stable's 1.1 beats security's 1.0-1+sec1; experimental (1) never
      "d:amd64 4.0-1~bpo1",  // only in backports (NotAutomatic + ButAutomaticUpgrades)
      "f:amd64 1.1",         // Architecture: all, in stable and security
      "k:amd64 1.0-1+sec1",  // security; experimental's 9.0 is NotAutomatic
      "tilde:amd64 1.0-1"};  // 1.0~rc1 sorts before 1.0
  EXPECT_EQ(Ours(*state), expected);
  // b: backports' 3.0 (100) loses to the installed 2.0-1 also in stable (500); m: a lower
  // epoch is older; local-only is in no list; "removed" only has config files.
  EXPECT_EQ(Security(*state), (std::set<std::string>{"f", "k"}));
  if (std::optional<std::set<std::string>> apt = AptOnTree(Tree("apt-suites"), "amd64")) {
    EXPECT_EQ(Ours(*state), *apt) << "apt itself disagrees";
  }
}

TEST(AptStateTest, PinsByVersionReleaseOriginAndRegexAndTheDefaultRelease) {
  absl::StatusOr<AptState> state = LoadAptState(HostView(Tree("apt-pinning")));
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->default_release, "stable");
  EXPECT_EQ(state->pins.size(), 4u);  // ignored.dpkg-old is not a preferences file
  const std::set<std::string> expected = {
      "g:amd64 5.0-1",           // origin pin 995 beats the default release (990)
      "libregex-bar:amd64 2.0",  // the /^libregex-f/ pin (-1) does not name it
      "n:amd64 1.1",             // the default release (990) beats testing (500)
      "p:amd64 2.5",             // vendor (995) beats stable's installed 2.0 and testing's 3.0
      "q:amd64 1.2"};            // its own pin for n=beta (999)
  // e: held at 1.0* by a 1001 pin; libregex-foo: pinned to -1 in stable.
  EXPECT_EQ(Ours(*state), expected);
  if (std::optional<std::set<std::string>> apt = AptOnTree(Tree("apt-pinning"), "amd64")) {
    EXPECT_EQ(Ours(*state), *apt) << "apt itself disagrees";
  }
}

TEST(AptStateTest, AHostWithoutDpkgIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(LoadAptState(HostView(Tree("fedora-setup-mode"))).status()));
}

}  // namespace
}  // namespace candor::collectors
