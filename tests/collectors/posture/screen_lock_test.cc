#include "collectors/posture/screen_lock.h"

#include "collectors/gvdb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"
#include "tests/support/temp_dir.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using testing::Fixture;
using ::testing::HasSubstr;

config::Params MaxIdle(int64_t minutes) { return {{"max_idle_minutes", minutes}}; }

TEST(ScreenLockTest, AnAdministratorsLockOverridesTheUsersLongerDelay) {
  // alice asks for 20 minutes, but the system database locks idle-delay at 5 minutes.
  const CheckResult r = ScreenLock().Collect(Fixture("laptop-hardened"), MaxIdle(15));
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(r.reason, "the 1 account locks within 15 minutes of inactivity");
  EXPECT_EQ(Fact<int64_t>(r, "users_checked"), 1);
  // 5 minutes idle plus alice's 30 s lock delay is more than 5 minutes.
  EXPECT_EQ(ScreenLock().Collect(Fixture("laptop-hardened"), MaxIdle(5)).status,
            CheckStatus::kFail);
}

TEST(ScreenLockTest, LockingSwitchedOffFailsAndDefaultsPassWithoutNames) {
  const CheckResult r = ScreenLock().Collect(Fixture("home-pc-bare"), MaxIdle(15));
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "1 of 2 accounts do not lock within 15 minutes (1: locking is off (GNOME))");
  EXPECT_EQ(Fact<int64_t>(r, "users_failing"), 1);
  EXPECT_EQ(r.reason.find("dad"), std::string::npos);
}

TEST(ScreenLockTest, OnlyTheNamedAccountsWhenTheyAreGiven) {
  config::Params params = MaxIdle(15);
  params["accounts"] = std::vector<std::string>{"no-such-account"};
  const CheckResult none = ScreenLock().Collect(Fixture("home-pc-bare"), params);
  EXPECT_EQ(none.status, CheckStatus::kNotApplicable);
  EXPECT_EQ(Fact<int64_t>(none, "users_checked"), 0);
  const CheckResult all = ScreenLock().Collect(Fixture("home-pc-bare"), MaxIdle(15));
  params["accounts"] = std::vector<std::string>{"dad", "1001"};
  const CheckResult named = ScreenLock().Collect(Fixture("home-pc-bare"), params);
  EXPECT_EQ(Fact<int64_t>(named, "users_checked"), Fact<int64_t>(all, "users_checked"));
}

TEST(ScreenLockTest, KdeTimeoutsFromTheUserOverTheSystemDefaults) {
  const CheckResult r = ScreenLock().Collect(Fixture("legacy-bios"), MaxIdle(15));
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason,
            "1 of 2 accounts do not lock within 15 minutes (1: locks after more than 15 "
            "minutes)");
  EXPECT_EQ(ScreenLock().Collect(Fixture("legacy-bios"), MaxIdle(31)).status, CheckStatus::kPass);
}

TEST(ScreenLockTest, NoDesktopIsNotApplicable) {
  const CheckResult r = ScreenLock().Collect(Fixture("fedora-download-only"), MaxIdle(15));
  EXPECT_EQ(r.status, CheckStatus::kNotApplicable);
}

TEST(GvdbTest, ReadsDatabasesCompiledByDconf) {
  const HostView host = Fixture("laptop-hardened");
  absl::StatusOr<std::map<std::string, GvdbValue>> user =
      ReadGvdb(*host.ReadFile("/home/alice/.config/dconf/user"));
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(std::get<int64_t>(user->at("/org/gnome/desktop/session/idle-delay")), 1200);
  EXPECT_EQ(std::get<int64_t>(user->at("/org/gnome/desktop/screensaver/lock-delay")), 30);
  EXPECT_TRUE(std::get<bool>(user->at("/org/gnome/desktop/screensaver/lock-enabled")));
  EXPECT_EQ(std::get<std::string>(user->at("/org/gnome/desktop/interface/gtk-theme")),
            "Adwaita-dark");
}

TEST(GvdbTest, RefusesDamagedFilesWithoutReadingOutOfBounds) {
  const std::string good = *Fixture("laptop-hardened").ReadFile("/home/alice/.config/dconf/user");
  EXPECT_FALSE(ReadGvdb("").ok());
  EXPECT_FALSE(ReadGvdb("not a database at all").ok());
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    (void)ReadGvdb(good.substr(0, cut));  // must not crash, whatever it returns
  }
  for (size_t i = 8; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] = static_cast<char>(flipped[i] ^ 0xFF);
    (void)ReadGvdb(flipped);
  }
  std::string loop = good;
  // Point the first item's parent at itself: the chain must end, not spin.
  const auto u32 = [&](size_t at) {
    return static_cast<size_t>(static_cast<unsigned char>(good[at])) |
           static_cast<size_t>(static_cast<unsigned char>(good[at + 1])) << 8;
  };
  const size_t items = 24 + 8 + 4 * ((u32(24) & 0x7FF) + u32(28));
  loop[items + 4] = 0;
  loop[items + 5] = loop[items + 6] = loop[items + 7] = 0;
  EXPECT_THAT(std::string(ReadGvdb(loop).status().message()), HasSubstr("parent"));
}

}  // namespace
}  // namespace candor::collectors::posture
