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

}  // namespace
}  // namespace candor::service
