#include "collectors/posture/ssh_server.h"

#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using testing::Fixture;
using Names = std::vector<std::string>;

config::Params Allow(bool allow) { return {{"allow_server", allow}}; }

TEST(SshServerTest, NothingListeningPasses) {
  // Port 22 in the table is an established connection, not a listener.
  const CheckResult r = SshServer().Collect(Fixture("laptop-hardened"), Allow(false));
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_EQ(r.reason, "no SSH server is listening");
  EXPECT_FALSE(Fact<bool>(r, "listening"));
}

TEST(SshServerTest, DebianDefaultsWithADropInAcceptPasswordsAndKeyRootLogin) {
  const CheckResult r = SshServer().Collect(Fixture("home-pc-bare"), Allow(true));
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason,
            "SSH server on port 22 allows root login (PermitRootLogin prohibit-password) and "
            "accepts passwords");
  EXPECT_TRUE(Fact<bool>(r, "password_login"));
  EXPECT_EQ(Fact<Names>(r, "ports"), Names{"22"});
}

TEST(SshServerTest, OtherPortOverIpv6AndMatchBlocksAreNotGlobal) {
  const CheckResult r = SshServer().Collect(Fixture("legacy-bios"), Allow(true));
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "SSH server on port 2222 allows root login (PermitRootLogin yes)");
  EXPECT_FALSE(Fact<bool>(r, "password_login"));
}

TEST(SshServerTest, FirstValueWinsAcrossIncludesAndSocketActivationCounts) {
  const CheckResult r = SshServer().Collect(Fixture("fedora-setup-mode"), Allow(true));
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(r.reason, "SSH server on port 22 accepts keys only and refuses root");
  const CheckResult not_allowed = SshServer().Collect(Fixture("fedora-setup-mode"), Allow(false));
  EXPECT_EQ(not_allowed.status, CheckStatus::kFail);
  EXPECT_EQ(not_allowed.reason, "SSH server on port 22 is not allowed here");
}

}  // namespace
}  // namespace candor::collectors::posture
