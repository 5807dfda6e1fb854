#include "collectors/patch/patch_level.h"

#include <map>
#include <mutex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collectors/memory_state_store.h"
#include "tests/support/temp_dir.h"

namespace candor::collectors {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Clock = std::chrono::system_clock;

using testing::MemoryStateStore;

std::filesystem::path Tree(const std::string& name) {
  return std::filesystem::path(CANDOR_TEST_DATA) / "hosts" / name;
}

// When apt last updated the tree's lists (the checkout time of the fixture).
Clock::time_point ListsUpdated(const std::filesystem::path& tree) {
  const HostView host(tree);
  Clock::time_point newest{};
  for (const auto& entry : std::filesystem::directory_iterator(tree / "var/lib/apt/lists")) {
    const std::string name = "/var/lib/apt/lists/" + entry.path().filename().string();
    newest = std::max(newest, host.ModifiedTime(name).value_or(newest));
  }
  return newest;
}

config::Params Params(int64_t max_security_days = 14, int64_t max_metadata_days = 7,
                      bool name_packages = true) {
  return {{"max_security_age_days", max_security_days},
          {"max_metadata_age_days", max_metadata_days},
          {"name_packages", name_packages}};
}

CheckResult CollectAt(const std::filesystem::path& tree, Clock::time_point now,
                      std::shared_ptr<StateStore> state, const config::Params& params = Params()) {
  HostView::Options options;
  options.now = [now] { return now; };
  options.state = std::move(state);
  return PatchLevel().Collect(HostView(tree, options), params);
}

std::vector<std::string> List(const CheckResult& r, const std::string& fact) {
  return std::get<std::vector<std::string>>(r.facts.at(fact));
}

TEST(PatchLevelTest, CountsPendingAndSecurityUpdatesAndPassesWhileTheyAreNew) {
  const auto tree = Tree("apt-suites");
  const CheckResult r = CollectAt(tree, ListsUpdated(tree) + std::chrono::hours(1),
                                  std::make_shared<MemoryStateStore>());
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(std::get<int64_t>(r.facts.at("pending_updates")), 6);
  EXPECT_EQ(std::get<int64_t>(r.facts.at("pending_security")), 2);
  EXPECT_THAT(List(r, "security_updates"), ElementsAre("f 1.1", "k 1.0-1+sec1"));
  EXPECT_EQ(std::get<int64_t>(r.facts.at("metadata_age_days")), 0);
  EXPECT_EQ(std::get<std::string>(r.facts.at("package_manager")), "dpkg");
  EXPECT_THAT(r.reason, HasSubstr("6 update(s) pending, 2 of them security"));
  EXPECT_THAT(r.reason, HasSubstr("automatic updates are off"));
}

TEST(PatchLevelTest, FailsOnceASecurityUpdateHasBeenPendingTooLong) {
  const auto tree = Tree("apt-suites");
  auto state = std::make_shared<MemoryStateStore>();
  const Clock::time_point first = ListsUpdated(tree) + std::chrono::hours(1);
  const config::Params params = Params(14, 365);
  EXPECT_EQ(CollectAt(tree, first, state, params).status, CheckStatus::kPass);
  EXPECT_THAT(*state->Load("patch_level.first_seen"), HasSubstr("k:amd64 1.0-1+sec1\t"));
  const CheckResult day10 = CollectAt(tree, first + std::chrono::hours(24 * 10), state, params);
  EXPECT_EQ(day10.status, CheckStatus::kPass) << day10.reason;
  EXPECT_EQ(std::get<int64_t>(day10.facts.at("oldest_security_days")), 10);
  const CheckResult day15 = CollectAt(tree, first + std::chrono::hours(24 * 15), state, params);
  EXPECT_EQ(day15.status, CheckStatus::kFail);
  EXPECT_THAT(
      day15.reason,
      HasSubstr("2 security update(s) pending for more than 14 days (f 1.1, k 1.0-1+sec1)"));
  // On a shared home PC: counts only, no package names anywhere.
  const CheckResult unnamed =
      CollectAt(tree, first + std::chrono::hours(24 * 15), state, Params(14, 365, false));
  EXPECT_EQ(unnamed.status, CheckStatus::kFail);
  EXPECT_FALSE(unnamed.facts.count("security_updates"));
  EXPECT_THAT(unnamed.reason, ::testing::Not(HasSubstr("k 1.0")));
  // Without memory (candor-agent check) every update counts as first seen now.
  EXPECT_EQ(CollectAt(tree, first + std::chrono::hours(24 * 15), nullptr, params).status,
            CheckStatus::kPass);
}

TEST(PatchLevelTest, StaleOrMissingPackageListsMakeTheAnswerUnknown) {
  const auto tree = Tree("apt-suites");
  const CheckResult stale = CollectAt(tree, ListsUpdated(tree) + std::chrono::hours(24 * 9),
                                      std::make_shared<MemoryStateStore>());
  EXPECT_EQ(stale.status, CheckStatus::kError);
  EXPECT_THAT(stale.reason, HasSubstr("package lists are 9 days old; pending updates are unknown"));

  candor::testing::TempDir dir;
  std::filesystem::create_directories(dir / "var/lib/dpkg");
  std::filesystem::copy(tree / "var/lib/dpkg/status", dir / "var/lib/dpkg/status");
  const CheckResult never = CollectAt(dir.path(), Clock::now(), nullptr);
  EXPECT_EQ(never.status, CheckStatus::kError);
  EXPECT_THAT(never.reason, HasSubstr("never downloaded"));
  EXPECT_EQ(std::get<int64_t>(never.facts.at("metadata_age_days")), -1);
}

TEST(PatchLevelTest, ADamagedListIsReportedAndTheOthersStillCount) {
  const auto tree = Tree("apt-suites");
  candor::testing::TempDir dir;
  std::filesystem::copy(tree, dir.path(), std::filesystem::copy_options::recursive);
  const auto list =
      dir / "var/lib/apt/lists/example.org_debian_dists_stable_main_binary-amd64_Packages.lz4";
  std::string bytes = candor::testing::ReadFile(list);
  bytes[bytes.size() / 2] ^= 0x55;
  bytes.resize(bytes.size() - 4);
  candor::testing::WriteFile(list, bytes);
  const CheckResult r = CollectAt(dir.path(), Clock::now(), nullptr);
  EXPECT_THAT(r.reason, HasSubstr("package list(s) unreadable"));
  EXPECT_THAT(r.reason, HasSubstr("lz4"));
  // The security list still shows k.
  EXPECT_THAT(List(r, "security_updates"), ::testing::Contains("k 1.0-1+sec1"));
}

TEST(PatchLevelTest, ANewerKernelThanTheRunningOneNeedsAReboot) {
  const auto tree = Tree("apt-reboot");
  const CheckResult r = CollectAt(tree, ListsUpdated(tree), nullptr);
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_TRUE(std::get<bool>(r.facts.at("reboot_required")));
  EXPECT_EQ(std::get<std::string>(r.facts.at("reboot_reason")),
            "a newer kernel is installed (6.1.0-18-amd64) than the one running (6.1.0-13-amd64)");
  // The last run that upgraded something, not the later install.
  EXPECT_EQ(std::get<std::string>(r.facts.at("last_upgrade")), "2026-11-02  08:16:30");
  EXPECT_EQ(std::get<int64_t>(r.facts.at("pending_updates")), 0);

  candor::testing::TempDir dir;
  std::filesystem::copy(tree, dir.path(), std::filesystem::copy_options::recursive);
  candor::testing::WriteFile(dir / "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
  EXPECT_FALSE(std::get<bool>(
      CollectAt(dir.path(), ListsUpdated(tree), nullptr).facts.at("reboot_required")));
  // This month's log without an upgrade: last month's rotated log has the answer.
  candor::testing::WriteFile(dir / "var/log/apt/history.log",
                             "\nStart-Date: 2026-11-20  09:00:00\nInstall: jq:amd64 (1.6)\n"
                             "End-Date: 2026-11-20  09:00:02\n");
  EXPECT_EQ(std::get<std::string>(
                CollectAt(dir.path(), ListsUpdated(tree), nullptr).facts.at("last_upgrade")),
            "2026-10-15  07:01:10");
  candor::testing::WriteFile(dir / "run/reboot-required", "*** System restart required ***\n");
  const CheckResult flagged = CollectAt(dir.path(), ListsUpdated(tree), nullptr);
  EXPECT_TRUE(std::get<bool>(flagged.facts.at("reboot_required")));
  EXPECT_THAT(flagged.reason, HasSubstr("reboot needed"));
}

TEST(PatchLevelTest, NotApplicableWithoutAPackageDatabase) {
  const CheckResult r = CollectAt(Tree("fedora-setup-mode"), Clock::now(), nullptr);
  EXPECT_EQ(r.status, CheckStatus::kNotApplicable);
  EXPECT_THAT(r.reason, HasSubstr("no dpkg or rpm package database"));
}

TEST(PatchLevelTest, OnFedoraSaysWhatIsNotEvaluatedAndStillSeesANewerKernel) {
  // rpm -qa as recorded in the tree; the running kernel is 6.5.6-300, 6.7.4-200 is installed.
  const CheckResult r = CollectAt(Tree("fedora-download-only"), Clock::now(), nullptr);
  EXPECT_EQ(r.status, CheckStatus::kNotApplicable);
  EXPECT_THAT(r.reason, HasSubstr("rpm-based system with 6 packages; pending updates are not "
                                  "evaluated yet"));
  EXPECT_EQ(std::get<std::string>(r.facts.at("package_manager")), "rpm");
  EXPECT_TRUE(std::get<bool>(r.facts.at("reboot_required")));
  EXPECT_EQ(std::get<std::string>(r.facts.at("reboot_reason")),
            "a newer kernel is installed (6.7.4-200.fc39.x86_64) than the one running "
            "(6.5.6-300.fc39.x86_64)");
}

TEST(FileStateStoreTest, SavesDurablyAndRefusesOddKeys) {
  candor::testing::TempDir dir;
  FileStateStore store(dir / "collector-state");
  EXPECT_FALSE(store.Load("patch_level.first_seen").has_value());
  ASSERT_TRUE(store.Save("patch_level.first_seen", "a\t1\n").ok());
  EXPECT_EQ(*FileStateStore(dir / "collector-state").Load("patch_level.first_seen"), "a\t1\n");
  EXPECT_EQ(
      std::filesystem::status(dir / "collector-state").permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_all);
  EXPECT_FALSE(store.Save("../escape", "x").ok());
  EXPECT_FALSE(store.Save("", "x").ok());
  EXPECT_FALSE(store.Load("../escape").has_value());
}

}  // namespace
}  // namespace candor::collectors
