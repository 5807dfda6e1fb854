#include "service/identity.h"

#include "gtest/gtest.h"

namespace candor::service {
namespace {

TEST(IdentityTest, ParsesTheDeviceUri) {
  auto id = ParseDeviceUri("candor://tenant/acme/device/0b8f1c2e-1d2a-4b7e-9f00-123456789abc");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->tenant, "acme");
  EXPECT_EQ(id->device_id, "0b8f1c2e-1d2a-4b7e-9f00-123456789abc");
  EXPECT_EQ(id->ToString(), "acme/0b8f1c2e-1d2a-4b7e-9f00-123456789abc");
}

TEST(IdentityTest, RejectsEverythingElse) {
  for (const char* uri : {"", "candor://", "https://tenant/a/device/b", "candor://tenant/a/device/",
                          "candor://tenant//device/b", "candor://tenant/a/device/b/extra",
                          "candor://group/a/device/b", "candor://tenant/a b/device/c",
                          "candor://tenant/../device/b", "candor://tenant/a/device/%2e%2e",
                          "candor://tenant/a/device/b\n", "CANDOR://tenant/a/device/b"}) {
    EXPECT_FALSE(ParseDeviceUri(uri).has_value()) << uri;
  }
  EXPECT_FALSE(ParseDeviceUri("candor://tenant/a/device/" + std::string(65, 'x')).has_value());
}

TEST(IdentityTest, AdminUrisCarryRoleAndTenant) {
  auto msp = ParseAdminUri("candor://admin/mia/role/msp-admin");
  ASSERT_TRUE(msp.has_value());
  EXPECT_EQ(msp->role, AdminRole::kMspAdmin);
  EXPECT_TRUE(msp->CoversTenant("anything"));
  EXPECT_EQ(msp->ToString(), "mia (msp-admin)");
  auto bob = ParseAdminUri("candor://admin/bob/role/tenant-admin/tenant/acme");
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->role, AdminRole::kTenantAdmin);
  EXPECT_TRUE(bob->CoversTenant("acme"));
  EXPECT_FALSE(bob->CoversTenant("beta"));
  EXPECT_EQ(AdminUri(*bob), "candor://admin/bob/role/tenant-admin/tenant/acme");
  auto ana = ParseAdminUri("candor://admin/ana/role/analyst/tenant/acme");
  ASSERT_TRUE(ana.has_value());
  EXPECT_EQ(ana->ToString(), "ana (analyst of acme)");
  for (const char* uri :
       {"candor://admin/mia/role/msp-admin/tenant/acme", "candor://admin/bob/role/tenant-admin",
        "candor://admin/bob/role/root/tenant/acme", "candor://admin//role/msp-admin",
        "candor://admin/../role/msp-admin", "candor://tenant/acme/device/x",
        "candor://admin/bob/role/analyst/tenant/acme/extra"}) {
    EXPECT_FALSE(ParseAdminUri(uri).has_value()) << uri;
  }
  // A device URI is not an admin's, and the other way round.
  EXPECT_FALSE(ParseDeviceUri("candor://admin/mia/role/msp-admin").has_value());
  EXPECT_EQ(DeviceUri({"acme", "d1"}), "candor://tenant/acme/device/d1");
}

}  // namespace
}  // namespace candor::service
