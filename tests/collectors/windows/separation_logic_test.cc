// The Windows separation checks on Linux, against fakes of the registry, the security facts
// and the accounts view: a family PC (Marjorie administers it, Tobias plays on it) with a
// work account.

#include "collectors/windows/separation_logic.h"

#include "collectors/separation/personal_software_catalog.h"
#include "config/software_catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collectors/windows/fakes.h"

namespace candor::collectors::windows {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Status = Verdict::Status;

constexpr const char* kWorkSid = "S-1-5-21-100-200-300-1001";
constexpr const char* kMarjorieSid = "S-1-5-21-100-200-300-1002";
constexpr const char* kTobiasSid = "S-1-5-21-100-200-300-1003";
constexpr const char* kProfiles = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList";
const std::vector<std::string> kWork = {"work"};

struct FamilyPc {
  FamilyPc() {
    accounts.users = std::vector<LocalUser>{
        {.name = "Administrator",
         .sid = "S-1-5-21-100-200-300-500",
         .disabled = true,
         .built_in = true},
        {.name = "Guest", .sid = "S-1-5-21-100-200-300-501", .disabled = true, .built_in = true},
        {.name = "Work", .sid = kWorkSid},
        {.name = "marjorie", .sid = kMarjorieSid},
        {.name = "tobias", .sid = kTobiasSid},
    };
    security.administrators =
        std::vector<std::string>{"DESKTOP-7Q\\Administrator", "DESKTOP-7Q\\marjorie"};
    for (const auto& [sid, name] : std::vector<std::pair<std::string, std::string>>{
             {kWorkSid, "work"}, {kMarjorieSid, "marjorie"}, {kTobiasSid, "tobias"}}) {
      registry.SetString(Hive::kLocalMachine, std::string(kProfiles) + "\\" + sid,
                         "ProfileImagePath", "C:\\Users\\" + name);
    }
    // Windows' default profile ACL: the account, SYSTEM, Administrators.
    accounts.access["C:\\Users\\work"] = {{.sid = kWorkSid, .grants_read = true},
                                          {.sid = "S-1-5-18", .grants_read = true},
                                          {.sid = "S-1-5-32-544", .grants_read = true}};
  }
  FakeRegistry registry;
  FakeSecurity security;
  FakeAccounts accounts;
};

// Every string a verdict carries, for the privacy assertions.
std::string Dump(const Verdict& v) {
  std::string out = v.reason;
  for (const auto& [key, value] : v.facts) {
    out += "|" + key + "=";
    std::visit(
        [&out](const auto& x) {
          if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::string>) {
            out += x;
          } else {
            out += std::to_string(x);
          }
        },
        value);
  }
  return out;
}

void ExpectNoPersonalName(const Verdict& v) {
  const std::string dump = Dump(v);
  for (const char* secret : {"marjorie", "Marjorie", "tobias", kMarjorieSid, kTobiasSid}) {
    EXPECT_THAT(dump, Not(HasSubstr(secret)));
  }
}

TEST(WindowsSeparationTest, TheWorkAccountByNameOrSid) {
  FamilyPc pc;
  Verdict v = WorkAccount(pc.accounts, kWork);
  EXPECT_EQ(v.status, Status::kPass) << v.reason;
  EXPECT_EQ(std::get<int64_t>(v.facts.at("personal_accounts")), 2);  // built-ins not counted
  ExpectNoPersonalName(v);
  EXPECT_EQ(WorkAccount(pc.accounts, {kWorkSid}).status, Status::kPass);
  EXPECT_EQ(WorkAccount(pc.accounts, {"nobody"}).status, Status::kFail);
  EXPECT_EQ(WorkAccount(pc.accounts, {}).status, Status::kError);
  EXPECT_EQ(WorkAccount(pc.accounts, {"Guest"}).status, Status::kFail);  // Windows' own
  (*pc.accounts.users)[2].disabled = true;
  EXPECT_THAT(WorkAccount(pc.accounts, kWork).reason, HasSubstr("not a normal user account"));
  pc.accounts.users.reset();
  EXPECT_EQ(WorkAccount(pc.accounts, kWork).status, Status::kError);
}

TEST(WindowsSeparationTest, AdministratorsFoundBySidAndNeverNamed) {
  FamilyPc pc;
  EXPECT_EQ(WorkAccountNotAdmin(pc.accounts, pc.security, kWork).status, Status::kPass);
  const Pseudonymizer pseudonym = [](const std::string& name) {
    return "p-" + std::to_string(std::hash<std::string>()(name) % 1000000);
  };
  Verdict v = PersonalAccountsNotAdmin(pc.accounts, pc.security, kWork, pseudonym);
  EXPECT_EQ(v.status, Status::kFail);
  EXPECT_EQ(std::get<int64_t>(v.facts.at("personal_admins")), 1);
  EXPECT_EQ(std::get<int64_t>(v.facts.at("other_admins")), 0);
  EXPECT_EQ(std::get<std::string>(v.facts.at("admin_pseudonyms")),
            pseudonym("desktop-7q\\marjorie"));
  ExpectNoPersonalName(v);

  pc.security.administrators->push_back("AzureAD\\SomeoneElse");
  pc.security.administrators->push_back("DESKTOP-7Q\\WORK");
  EXPECT_EQ(WorkAccountNotAdmin(pc.accounts, pc.security, kWork).status, Status::kFail);
  v = PersonalAccountsNotAdmin(pc.accounts, pc.security, kWork, pseudonym);
  EXPECT_EQ(std::get<int64_t>(v.facts.at("other_admins")), 1);

  pc.security.administrators = std::vector<std::string>{"DESKTOP-7Q\\Administrator"};
  EXPECT_EQ(PersonalAccountsNotAdmin(pc.accounts, pc.security, kWork, pseudonym).status,
            Status::kPass);
  pc.security.administrators.reset();
  EXPECT_EQ(WorkAccountNotAdmin(pc.accounts, pc.security, kWork).status, Status::kError);
}

TEST(WindowsSeparationTest, TheProfileFoldersAccessList) {
  FamilyPc pc;
  EXPECT_EQ(WorkHomePrivate(pc.registry, pc.accounts, kWork).status, Status::kPass);

  auto& acl = pc.accounts.access["C:\\Users\\work"];
  acl.push_back({.sid = "S-1-1-0", .allow = false, .grants_read = true});  // a deny: fine
  EXPECT_EQ(WorkHomePrivate(pc.registry, pc.accounts, kWork).status, Status::kPass);
  acl.push_back({.sid = "S-1-5-32-545", .grants_read = true});
  acl.push_back({.sid = kMarjorieSid, .grants_read = true, .inherit_only = true});
  acl.push_back({.sid = kTobiasSid, .grants_read = false});  // may write, cannot read
  Verdict v = WorkHomePrivate(pc.registry, pc.accounts, kWork);
  EXPECT_EQ(v.status, Status::kFail);
  EXPECT_EQ(v.reason, "the work profile can be read by Users, 1 other account(s) or group(s)");
  ExpectNoPersonalName(v);

  pc.accounts.access.clear();
  EXPECT_EQ(WorkHomePrivate(pc.registry, pc.accounts, kWork).status, Status::kError);
  FamilyPc fresh;
  fresh.registry = FakeRegistry();  // the work account has never signed in
  EXPECT_EQ(WorkHomePrivate(fresh.registry, fresh.accounts, kWork).status, Status::kNotApplicable);
}

TEST(WindowsSeparationTest, BitLockerOnTheProfilesVolume) {
  FamilyPc pc;
  pc.security.volumes = std::vector<BitLockerVolume>{{"C:", true, 1}, {"D:", false, 0}};
  EXPECT_EQ(WorkHomeEncrypted(pc.registry, pc.security, pc.accounts, kWork).status, Status::kPass);
  pc.registry.SetString(Hive::kLocalMachine, std::string(kProfiles) + "\\" + kWorkSid,
                        "ProfileImagePath", "d:\\Profiles\\work");
  Verdict v = WorkHomeEncrypted(pc.registry, pc.security, pc.accounts, kWork);
  EXPECT_EQ(v.status, Status::kFail);
  EXPECT_EQ(v.reason, "the work profile's volume d: is not protected by BitLocker");
  pc.security.volumes.reset();
  EXPECT_EQ(WorkHomeEncrypted(pc.registry, pc.security, pc.accounts, kWork).status, Status::kError);
}

std::vector<config::SoftwareEntry> Catalog() {
  absl::StatusOr<config::SoftwareCatalog> catalog =
      config::ParseSoftwareCatalog(separation::kPersonalSoftwareCatalog, "catalog");
  EXPECT_TRUE(catalog.ok()) << catalog.status();
  return catalog.ok() ? catalog->entries : std::vector<config::SoftwareEntry>{};
}

TEST(WindowsSeparationTest, PersonalSoftwareForTheMachineAndTheWorkAccountOnly) {
  FamilyPc pc;
  const std::string uninstall = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
  const std::string user_uninstall = "\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
  pc.registry.SetString(Hive::kLocalMachine, uninstall + "\\{7A1E}", "DisplayName",
                        "Marjorie's Recipe Organizer 2");  // not in the catalog
  pc.registry.SetString(Hive::kLocalMachine, uninstall + "\\RustDesktopTools", "DisplayName",
                        "RustDesktop Tools");  // only looks like rustdesk
  // Tobias's own installs and games: his business.
  pc.registry.SetString(Hive::kUsers, kTobiasSid + user_uninstall + "\\Minecraft", "DisplayName",
                        "Minecraft Launcher");
  pc.accounts.processes[kTobiasSid] = {"MinecraftLauncher.exe", "steam.exe"};
  pc.registry.AddKey(Hive::kUsers, kWorkSid);
  pc.accounts.processes[kWorkSid] = {"explorer.exe", "Teams.exe"};
  const auto entries = Catalog();
  Verdict v = NoPersonalSoftware(pc.registry, pc.accounts, entries, kWork);
  EXPECT_EQ(v.status, Status::kPass) << v.reason;
  ExpectNoPersonalName(v);

  pc.registry.SetString(Hive::kLocalMachine,
                        "SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
                        "\\Steam",
                        "DisplayName", "Steam");
  pc.registry.SetString(Hive::kUsers, kWorkSid + user_uninstall + "\\qBittorrent", "DisplayName",
                        "qBittorrent 4.6.7");
  pc.accounts.processes[kWorkSid].push_back("QBITTORRENT.EXE");
  v = NoPersonalSoftware(pc.registry, pc.accounts, entries, kWork);
  EXPECT_EQ(v.status, Status::kFail);
  EXPECT_EQ(v.reason,
            "personal software found: games:steam (program); p2p:qbittorrent (running, work "
            "account program)");
  EXPECT_EQ(std::get<std::string>(v.facts.at("found")), "games:steam,p2p:qbittorrent");
  EXPECT_THAT(Dump(v), Not(HasSubstr("minecraft")));
  ExpectNoPersonalName(v);
}

TEST(WindowsSeparationTest, PersonalSoftwareWhenTheWorkAccountIsSignedOut) {
  FamilyPc pc;
  Verdict v = NoPersonalSoftware(pc.registry, pc.accounts, Catalog(), kWork);
  EXPECT_EQ(v.status, Status::kPass);
  EXPECT_FALSE(std::get<bool>(v.facts.at("work_profile_loaded")));
  EXPECT_THAT(v.reason, HasSubstr("seen only while it is signed in"));
  pc.accounts.processes_listable = false;
  EXPECT_EQ(NoPersonalSoftware(pc.registry, pc.accounts, Catalog(), kWork).status, Status::kError);
}

TEST(WindowsSeparationTest, VpnTypesWithoutNamesOrServers) {
  FamilyPc pc;
  EXPECT_EQ(VpnConfigured(pc.registry, pc.accounts, kWork).status, Status::kFail);
  pc.accounts.files["C:\\ProgramData\\Microsoft\\Network\\Connections\\Pbk\\rasphone.pbk"] =
      "[Grandma dial-up]\r\nType=1\r\nPhoneNumber=5550100\r\n\r\n"
      "[Acme office]\r\nType=2\r\nVpnStrategy=7\r\nPhoneNumber=vpn.acme.example\r\n";
  pc.accounts.files
      ["C:\\Users\\work\\AppData\\Roaming\\Microsoft\\Network\\Connections\\Pbk\\"
       "rasphone.pbk"] = "[Acme backup]\nType=2\nVpnStrategy=5\n";
  pc.accounts.files
      ["C:\\Users\\tobias\\AppData\\Roaming\\Microsoft\\Network\\Connections\\Pbk\\"
       "rasphone.pbk"] = "[Tobias game VPN]\nType=2\nVpnStrategy=3\n";
  pc.registry.AddKey(Hive::kLocalMachine,
                     "SYSTEM\\CurrentControlSet\\Services\\WireGuardTunnel$acme-wg");
  pc.registry.SetString(Hive::kLocalMachine, "SOFTWARE\\OpenVPN", "config_dir",
                        "C:\\Program Files\\OpenVPN\\config");
  pc.accounts.files["C:\\Program Files\\OpenVPN\\config\\acme.ovpn"] = "remote vpn.acme.example";
  pc.accounts.files["C:\\Users\\work\\OpenVPN\\config\\lab\\lab.ovpn"] = "remote lab.example";
  Verdict v = VpnConfigured(pc.registry, pc.accounts, kWork);
  EXPECT_EQ(v.status, Status::kPass);
  EXPECT_EQ(std::get<std::string>(v.facts.at("vpn_types")), "ikev2,openvpn,sstp,wireguard");
  EXPECT_EQ(std::get<int64_t>(v.facts.at("connections")), 5);  // not Tobias's l2tp
  for (const char* secret : {"Acme", "acme", "Grandma", "5550100", "lab", "Tobias"}) {
    EXPECT_THAT(Dump(v), Not(HasSubstr(secret)));
  }
}

TEST(WindowsSeparationTest, ScreenLockAndAutoLogonForTheWorkAccountOnly) {
  FamilyPc pc;
  const std::string desktop = "\\Control Panel\\Desktop";
  for (const char* sid : {kWorkSid, kTobiasSid}) {
    pc.registry.SetString(Hive::kUsers, sid + desktop, "ScreenSaveActive", "1");
    pc.registry.SetString(Hive::kUsers, sid + desktop, "ScreenSaverIsSecure", "1");
  }
  pc.registry.SetString(Hive::kUsers, kWorkSid + desktop, "ScreenSaveTimeOut", "600");
  pc.registry.SetString(Hive::kUsers, kTobiasSid + desktop, "ScreenSaveTimeOut", "7200");
  EXPECT_EQ(ScreenLock(pc.registry, 15).status, Status::kFail);
  const Verdict v = ScreenLock(pc.registry, 15, WorkSids(pc.accounts, kWork));
  EXPECT_EQ(v.status, Status::kPass) << v.reason;
  EXPECT_EQ(std::get<int64_t>(v.facts.at("users_checked")), 1);

  const std::string winlogon = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";
  pc.registry.SetString(Hive::kLocalMachine, winlogon, "AutoAdminLogon", "1");
  pc.registry.SetString(Hive::kLocalMachine, winlogon, "DefaultUserName", "tobias");
  EXPECT_EQ(AutoLogin(pc.registry).status, Status::kFail);
  EXPECT_EQ(AutoLogin(pc.registry, kWork).status, Status::kPass);
  pc.registry.SetString(Hive::kLocalMachine, winlogon, "DefaultUserName", "WORK");
  EXPECT_EQ(AutoLogin(pc.registry, kWork).status, Status::kFail);
}

}  // namespace
}  // namespace candor::collectors::windows
