// The Windows posture logic on Linux, against a fake registry and a fake security view:
// test doubles for the Windows APIs, which the mingw-built adapters stand behind.

#include "collectors/windows/posture_logic.h"

#include <map>
#include <tuple>

#include "collectors/windows/update_logic.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collectors/windows/fakes.h"

namespace candor::collectors::windows {
namespace {

using ::testing::HasSubstr;
using Status = Verdict::Status;

constexpr const char* kNt = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
constexpr const char* kPolicy = "SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\";
constexpr const char* kLocal =
    "SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\";

TEST(WindowsOsInfoTest, Windows11IsToldByItsBuildNumber) {
  FakeRegistry registry;
  registry.SetString(Hive::kLocalMachine, kNt, "ProductName", "Windows 10 Pro");
  registry.SetString(Hive::kLocalMachine, kNt, "CurrentBuild", "22631");
  registry.SetString(Hive::kLocalMachine, kNt, "DisplayVersion", "23H2");
  registry.SetDword(Hive::kLocalMachine, kNt, "UBR", 4460);
  Verdict v = OsInfo(registry);
  EXPECT_EQ(v.status, Status::kPass);
  EXPECT_EQ(v.reason, "Windows 11 Pro 23H2, build 22631.4460");
  registry.SetString(Hive::kLocalMachine, kNt, "CurrentBuild", "19045");
  EXPECT_EQ(std::get<std::string>(OsInfo(registry).facts["os_name"]), "Windows 10 Pro");
  EXPECT_EQ(OsInfo(FakeRegistry()).status, Status::kError);
}

TEST(WindowsFirewallTest, AHomePcWithoutGroupPolicyPassesOnWindowsDefaults) {
  const Verdict v = Firewall(FakeRegistry(), FakeSecurity());
  EXPECT_EQ(v.status, Status::kPass) << v.reason;
  EXPECT_EQ(std::get<std::string>(v.facts.at("source")), "registry");
}

TEST(WindowsFirewallTest, TheServicesEffectiveStateWins) {
  FakeSecurity security;
  security.firewall[FirewallProfile::kDomain] = {true, true};
  security.firewall[FirewallProfile::kPrivate] = {true, true};
  security.firewall[FirewallProfile::kPublic] = {false, true};
  const Verdict v = Firewall(FakeRegistry(), security);
  EXPECT_EQ(v.status, Status::kFail);
  EXPECT_EQ(v.reason, "Windows Firewall is off for the public profile");
  EXPECT_EQ(std::get<std::string>(v.facts.at("source")), "firewall service");
}

TEST(WindowsFirewallTest, GroupPolicyOverridesLocalSettings) {
  FakeRegistry registry;
  registry.SetDword(Hive::kLocalMachine, std::string(kLocal) + "StandardProfile", "EnableFirewall",
                    0);
  registry.SetDword(Hive::kLocalMachine, std::string(kPolicy) + "PrivateProfile", "EnableFirewall",
                    1);
  registry.SetDword(Hive::kLocalMachine, std::string(kPolicy) + "DomainProfile",
                    "DefaultInboundAction", 0);
  const Verdict v = Firewall(registry, FakeSecurity());
  EXPECT_EQ(v.status, Status::kFail);
  EXPECT_EQ(v.reason, "Windows Firewall is set to allow inbound connections in the domain profile");
  EXPECT_TRUE(std::get<bool>(v.facts.at("private_enabled")));
}

TEST(WindowsSecureBootTest, StateKeyDecides) {
  FakeRegistry registry;
  EXPECT_EQ(SecureBoot(registry).status, Status::kNotApplicable);
  const std::string key = "SYSTEM\\CurrentControlSet\\Control\\SecureBoot\\State";
  registry.SetDword(Hive::kLocalMachine, key, "UEFISecureBootEnabled", 0);
  EXPECT_EQ(SecureBoot(registry).status, Status::kFail);
  registry.SetDword(Hive::kLocalMachine, key, "UEFISecureBootEnabled", 1);
  EXPECT_EQ(SecureBoot(registry).status, Status::kPass);
}

TEST(WindowsDiskEncryptionTest, TheSystemVolumeDecides) {
  FakeSecurity security;
  EXPECT_EQ(DiskEncryption(security).status, Status::kError);
  security.volumes = std::vector<BitLockerVolume>{{"D:", false, 1}, {"C:", true, 1}};
  EXPECT_EQ(DiskEncryption(security).reason, "BitLocker protects the system drive C:");
  security.volumes = std::vector<BitLockerVolume>{{"C:", true, 0}};
  EXPECT_EQ(DiskEncryption(security).status, Status::kFail);
  EXPECT_THAT(DiskEncryption(security).reason, HasSubstr("off or suspended"));
  security.volumes = std::vector<BitLockerVolume>{{"D:", false, 1}};
  EXPECT_EQ(DiskEncryption(security).status, Status::kFail);
}

TEST(WindowsAntivirusTest, SecurityCenterStateBits) {
  FakeSecurity security;
  EXPECT_EQ(Antivirus(security).status, Status::kError);
  security.products = std::vector<AntivirusProduct>{{"Windows Defender", 397568}};
  EXPECT_EQ(Antivirus(security).status, Status::kPass);
  EXPECT_EQ(Antivirus(security).reason, "Windows Defender is on with current signatures");
  security.products = std::vector<AntivirusProduct>{{"Windows Defender", 397584}};
  EXPECT_THAT(Antivirus(security).reason, HasSubstr("out of date"));
  security.products = std::vector<AntivirusProduct>{{"Windows Defender", 393472}};
  EXPECT_EQ(Antivirus(security).reason, "real-time protection is off (Windows Defender)");
  security.products = std::vector<AntivirusProduct>{};
  EXPECT_EQ(Antivirus(security).status, Status::kFail);
}

TEST(WindowsLocalAdminsTest, CountsMembersBeyondTheAllowedOnes) {
  FakeSecurity security;
  EXPECT_EQ(LocalAdmins(security, {}).status, Status::kError);
  security.administrators = std::vector<std::string>{"PC\\Administrator", "ACME\\Domain Admins",
                                                     "PC\\it-admin", "PC\\Dad", "PC\\Kid"};
  Verdict v = LocalAdmins(security, {"IT-Admin", "pc\\dad"});
  EXPECT_EQ(v.status, Status::kFail);
  EXPECT_EQ(v.reason, "3 accounts can administer this computer; 1 is not in allowed_admins");
  EXPECT_EQ(v.reason.find("Kid"), std::string::npos);
  EXPECT_EQ(std::get<int64_t>(v.facts.at("unexpected_count")), 1);
  v = LocalAdmins(security, {"it-admin", "dad", "kid"});
  EXPECT_EQ(v.status, Status::kPass);
  security.administrators = std::vector<std::string>{"PC\\Administrator"};
  EXPECT_EQ(LocalAdmins(security, {}).reason,
            "no account besides the built-in Administrator is an administrator");
}

TEST(WindowsAutoLoginTest, AutoAdminLogon) {
  FakeRegistry registry;
  EXPECT_EQ(AutoLogin(registry).status, Status::kPass);
  registry.SetString(Hive::kLocalMachine,
                     "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon", "AutoAdminLogon",
                     "1");
  EXPECT_EQ(AutoLogin(registry).status, Status::kFail);
}

TEST(WindowsScreenLockTest, PerUserSettingsWithPolicyOverridesAndCountsOnly) {
  FakeRegistry registry;
  const std::string good = "S-1-5-21-100-200-300-1001";
  const std::string bad = "S-1-5-21-100-200-300-1002";
  for (const char* value : {"ScreenSaveActive", "ScreenSaverIsSecure"}) {
    registry.SetString(Hive::kUsers, good + "\\Control Panel\\Desktop", value, "1");
    registry.SetString(Hive::kUsers, bad + "\\Control Panel\\Desktop", value, "1");
  }
  registry.SetString(Hive::kUsers, good + "\\Control Panel\\Desktop", "ScreenSaveTimeOut", "3600");
  registry.SetString(Hive::kUsers,
                     good + "\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop",
                     "ScreenSaveTimeOut", "300");
  registry.SetString(Hive::kUsers, bad + "\\Control Panel\\Desktop", "ScreenSaverIsSecure", "0");
  registry.SetString(Hive::kUsers, bad + "\\Control Panel\\Desktop", "ScreenSaveTimeOut", "300");
  registry.AddKey(Hive::kUsers, bad + "_Classes");
  registry.AddKey(Hive::kUsers, "S-1-5-18");
  Verdict v = ScreenLock(registry, 15);
  EXPECT_EQ(v.status, Status::kFail);
  EXPECT_EQ(v.reason, "1 of 2 accounts do not lock within 15 minutes");
  EXPECT_EQ(v.reason.find("1002"), std::string::npos);

  registry.SetDword(Hive::kLocalMachine,
                    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
                    "InactivityTimeoutSecs", 600);
  v = ScreenLock(registry, 15);
  EXPECT_EQ(v.status, Status::kPass);
  EXPECT_EQ(v.reason, "the machine locks every session after 600 seconds of inactivity");
}

// Patch level: a fake update list (what the Windows Update Agent would return, with the
// first-seen times the agent remembers) and the reboot-pending keys.
using Clock = std::chrono::system_clock;

WindowsUpdate Update(std::string kb, std::string severity, std::vector<std::string> categories,
                     Clock::time_point first_seen) {
  return WindowsUpdate{.title = "Update for Windows (" + kb + ")",
                       .kb = std::move(kb),
                       .msrc_severity = std::move(severity),
                       .categories = std::move(categories),
                       .first_seen = first_seen};
}

TEST(WindowsPatchLevelTest, SecurityUpdatesByMsrcSeverityOrCategory) {
  const Clock::time_point now = Clock::time_point(std::chrono::hours(24 * 20000));
  const std::vector<WindowsUpdate> updates = {
      Update("KB5034441", "Critical", {"Security Updates"}, now),
      Update("KB5034122", "", {"Critical Updates"}, now),
      Update("KB890830", "", {"Update Rollups"}, now), Update("KB5011048", "", {"Updates"}, now)};
  FakeRegistry registry;
  const Verdict v = PatchLevel(updates, registry, now, std::chrono::hours(24 * 14));
  EXPECT_EQ(v.status, Status::kPass) << v.reason;
  EXPECT_EQ(std::get<int64_t>(v.facts.at("pending_updates")), 4);
  EXPECT_EQ(std::get<int64_t>(v.facts.at("pending_security")), 2);
  EXPECT_EQ(std::get<std::string>(v.facts.at("security_updates")), "KB5034441, KB5034122");
  EXPECT_FALSE(std::get<bool>(v.facts.at("reboot_required")));
  EXPECT_THAT(v.reason, HasSubstr("4 update(s) pending, 2 of them security"));
}

TEST(WindowsPatchLevelTest, FailsWhenASecurityUpdateWaitsTooLong) {
  const Clock::time_point now = Clock::time_point(std::chrono::hours(24 * 20000));
  const std::vector<WindowsUpdate> updates = {
      Update("KB5034441", "Important", {}, now - std::chrono::hours(24 * 20)),
      Update("", "Low", {}, now - std::chrono::hours(24 * 15)),
      Update("KB5011048", "", {"Updates"}, now - std::chrono::hours(24 * 90))};
  FakeRegistry registry;
  const Verdict v = PatchLevel(updates, registry, now, std::chrono::hours(24 * 14));
  EXPECT_EQ(v.status, Status::kFail);
  EXPECT_THAT(v.reason, HasSubstr("2 security update(s) pending for more than 14 days "
                                  "(KB5034441, Update for Windows ())"));
  EXPECT_EQ(std::get<int64_t>(v.facts.at("oldest_security_days")), 20);
}

TEST(WindowsPatchLevelTest, RebootPendingKeysAndAnUnreachableWindowsUpdate) {
  const Clock::time_point now = Clock::time_point(std::chrono::hours(24 * 20000));
  FakeRegistry registry;
  registry.AddKey(Hive::kLocalMachine,
                  "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto "
                  "Update\\RebootRequired");
  const Verdict up_to_date =
      PatchLevel(std::vector<WindowsUpdate>{}, registry, now, std::chrono::hours(24 * 14));
  EXPECT_EQ(up_to_date.status, Status::kPass);
  EXPECT_TRUE(std::get<bool>(up_to_date.facts.at("reboot_required")));
  EXPECT_THAT(up_to_date.reason, HasSubstr("up to date; reboot needed: Windows Update is waiting"));
  registry.AddKey(Hive::kLocalMachine,
                  "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based "
                  "Servicing\\RebootPending");
  const Verdict unknown = PatchLevel(std::nullopt, registry, now, std::chrono::hours(24 * 14));
  EXPECT_EQ(unknown.status, Status::kError);
  EXPECT_THAT(std::get<std::string>(unknown.facts.at("reboot_reason")), HasSubstr("RebootPending"));
}

}  // namespace
}  // namespace candor::collectors::windows
