#include "collectors/registry.h"

#include "collectors/builtin.h"
#include "collectors/posture/os_info.h"
#include "gtest/gtest.h"

namespace candor::collectors {
namespace {

TEST(RegistryTest, BuiltinsAreRegisteredOnceEach) {
  CollectorRegistry registry;
  RegisterBuiltins(registry);
  const std::vector<std::string> expected = {"antivirus",
                                             "auto_login",
                                             "auto_updates",
                                             "disk_encryption",
                                             "firewall",
                                             "local_admins",
                                             "no_personal_software",
                                             "os_info",
                                             "os_support",
                                             "patch_level",
                                             "personal_accounts_not_admin",
                                             "screen_lock",
                                             "secure_boot",
                                             "ssh_server",
                                             "time_sync",
                                             "vpn_configured",
                                             "work_account",
                                             "work_account_not_admin",
                                             "work_home_encrypted",
                                             "work_home_private"};
  EXPECT_EQ(registry.Ids(), expected);
  ASSERT_NE(registry.Find("os_info"), nullptr);
  EXPECT_FALSE(registry.Find("os_info")->spec().description.empty());
  EXPECT_EQ(registry.Catalog().Ids(), registry.Ids());
  EXPECT_EQ(registry.Find("keylogger"), nullptr);
}

TEST(RegistryTest, RefusesADuplicateId) {
  CollectorRegistry registry;
  ASSERT_TRUE(registry.Register(std::make_unique<posture::OsInfo>()).ok());
  const absl::Status again = registry.Register(std::make_unique<posture::OsInfo>());
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
}

TEST(HostViewTest, ReadsUnderTheRootAndBoundsSize) {
  const HostView host(std::filesystem::path(CANDOR_TEST_DATA) / "hosts" / "debian12");
  EXPECT_FALSE(host.is_live());
  EXPECT_EQ(*host.ReadLine("/proc/sys/kernel/hostname"), "laptop-042");
  EXPECT_EQ(host.ReadFile("/etc/os-release", 10).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(host.ReadFile("/etc/shadow").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*host.ReadPrefix("/etc/os-release", 11), "PRETTY_NAME");
  EXPECT_EQ(host.ReadPrefix("/etc/shadow", 4).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(HostView("/").is_live());
}

}  // namespace
}  // namespace candor::collectors
