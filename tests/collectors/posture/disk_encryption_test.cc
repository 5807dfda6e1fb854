#include "collectors/posture/disk_encryption.h"

#include "collectors/mountinfo.h"
#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using testing::Fixture;
using Names = std::vector<std::string>;

config::Params Defaults() { return {{"mount_points", Names{"/", "/home"}}}; }

TEST(DiskEncryptionTest, LvmOnLuksCoversRootAndHome) {
  const CheckResult r = DiskEncryption().Collect(Fixture("laptop-hardened"), Defaults());
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(r.reason, "LUKS2 encryption on / (dm-1 via dm-0); /home is on the same device as /");
  EXPECT_EQ(Fact<Names>(r, "encrypted"), (Names{"/", "/home"}));
  EXPECT_EQ(Fact<Names>(r, "schemes"), Names{"LUKS2"});
  EXPECT_EQ(Fact<Names>(r, "devices"), Names{"dm-1"});
}

TEST(DiskEncryptionTest, TmpfsCountsAsNothingOnDiskButBootIsNotRequired) {
  const CheckResult r = DiskEncryption().Collect(Fixture("laptop-hardened"),
                                                 {{"mount_points", Names{"/tmp", "/var/log"}}});
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(r.reason,
            "/tmp is in memory only; LUKS2 encryption on /var/log (on /) (dm-1 via dm-0)");
  const CheckResult boot =
      DiskEncryption().Collect(Fixture("laptop-hardened"), {{"mount_points", Names{"/boot"}}});
  EXPECT_EQ(boot.status, CheckStatus::kFail);
  EXPECT_EQ(boot.reason, "/boot is not encrypted (nvme0n1p2)");
}

TEST(DiskEncryptionTest, PlainPartitionsFail) {
  const CheckResult r = DiskEncryption().Collect(Fixture("home-pc-bare"), Defaults());
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "/ is not encrypted (sda2); /home is not encrypted (sda3)");
  EXPECT_EQ(Fact<Names>(r, "unencrypted"), (Names{"/", "/home"}));
}

TEST(DiskEncryptionTest, AnEncryptedRootDoesNotCoverAPlainHomeDisk) {
  const CheckResult r = DiskEncryption().Collect(Fixture("legacy-bios"), Defaults());
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "LUKS1 encryption on / (dm-0); /home is not encrypted (sdb1)");
}

TEST(DiskEncryptionTest, BtrfsOnLuksIsFoundThroughTheMountSource) {
  const CheckResult r = DiskEncryption().Collect(Fixture("fedora-setup-mode"), Defaults());
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(r.reason, "LUKS2 encryption on / (dm-0); LUKS2 encryption on /home (dm-0)");
}

TEST(DiskEncryptionTest, AContainerOverlayIsNotApplicable) {
  const CheckResult r = DiskEncryption().Collect(Fixture("container"), Defaults());
  EXPECT_EQ(r.status, CheckStatus::kNotApplicable);
  EXPECT_EQ(r.reason,
            "/ is on overlay: the disk under it cannot be seen; /home is on the same device as /");
}

TEST(DiskEncryptionTest, MissingMountTableOrRelativePathIsAnError) {
  EXPECT_EQ(DiskEncryption().Collect(Fixture("debian12"), Defaults()).status, CheckStatus::kError);
  const CheckResult r =
      DiskEncryption().Collect(Fixture("home-pc-bare"), {{"mount_points", Names{"home"}}});
  EXPECT_EQ(r.status, CheckStatus::kError);
  EXPECT_EQ(r.reason, "\"home\" is not an absolute path");
}

TEST(MountInfoTest, ParsesEscapesOptionalFieldsAndFindsTheHoldingMount) {
  const std::vector<Mount> mounts = ParseMountInfo(
      "22 1 8:2 / / rw shared:1 - ext4 /dev/sda2 rw\n"
      "23 22 8:3 / /mnt/my\\040disk rw shared:2 master:3 - ext4 /dev/sda3 rw\n"
      "garbage line\n"
      "24 22 0:40 / /home rw - tmpfs tmpfs rw\n"
      "25 22 8:4 / /home rw - ext4 /dev/sda4 rw\n");
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[1].mount_point, "/mnt/my disk");
  EXPECT_EQ(mounts[1].major, 8);
  EXPECT_EQ(mounts[1].minor, 3);
  EXPECT_EQ(MountHolding(mounts, "/mnt/my disk/x")->source, "/dev/sda3");
  EXPECT_EQ(MountHolding(mounts, "/mnt/my")->source, "/dev/sda2");
  EXPECT_EQ(MountHolding(mounts, "/home/alice")->source, "/dev/sda4");  // stacked: last wins
  EXPECT_EQ(MountHolding(mounts, "/homestead")->source, "/dev/sda2");
}

}  // namespace
}  // namespace candor::collectors::posture
