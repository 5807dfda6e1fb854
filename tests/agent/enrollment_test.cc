// The device's key and certificate are replaced as a pair, also across a crash.

#include "agent/enrollment.h"

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using candor::testing::ReadFile;
using candor::testing::WriteFile;

TEST(IdentityPairTest, AReplacementInterruptedBetweenTheRenamesIsCompleted) {
  candor::testing::TempDir dir;
  // The key was renamed, the certificate not yet.
  WriteFile(dir / "device.key", "new key");
  WriteFile(dir / "device.pem", "old cert");
  WriteFile(dir / "device.pem.new", "new cert");
  ASSERT_TRUE(FinishPendingIdentity(dir / "device.key", dir / "device.pem").ok());
  EXPECT_EQ(ReadFile(dir / "device.key"), "new key");
  EXPECT_EQ(ReadFile(dir / "device.pem"), "new cert");
  EXPECT_FALSE(std::filesystem::exists(dir / "device.pem.new"));

  // Neither renamed yet.
  WriteFile(dir / "device.key.new", "newer key");
  WriteFile(dir / "device.pem.new", "newer cert");
  ASSERT_TRUE(FinishPendingIdentity(dir / "device.key", dir / "device.pem").ok());
  EXPECT_EQ(ReadFile(dir / "device.key"), "newer key");
  EXPECT_EQ(ReadFile(dir / "device.pem"), "newer cert");
}

TEST(IdentityPairTest, AKeyWhoseCertificateNeverArrivedIsDropped) {
  candor::testing::TempDir dir;
  WriteFile(dir / "device.key", "old key");
  WriteFile(dir / "device.pem", "old cert");
  WriteFile(dir / "device.key.new", "orphan key");
  ASSERT_TRUE(FinishPendingIdentity(dir / "device.key", dir / "device.pem").ok());
  EXPECT_EQ(ReadFile(dir / "device.key"), "old key");
  EXPECT_EQ(ReadFile(dir / "device.pem"), "old cert");
  EXPECT_FALSE(std::filesystem::exists(dir / "device.key.new"));
}

}  // namespace
}  // namespace candor::agent
