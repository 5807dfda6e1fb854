#include "config/policy_signature.h"

#include <tuple>

#include "config/keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace candor::config {
namespace {

using ::testing::HasSubstr;

class PolicySignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> key = NewSigningKeyPem();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    absl::StatusOr<std::string> pin = PublicKeyPin(key_);
    ASSERT_TRUE(pin.ok()) << pin.status();
    absl::StatusOr<PolicyKey> pinned = ParsePublicKeyPin(*pin);
    ASSERT_TRUE(pinned.ok()) << pinned.status();
    pinned_ = {*pinned};
  }

  std::string key_;
  std::vector<PolicyKey> pinned_;
};

TEST_F(PolicySignatureTest, ASignedPolicyVerifiesWithItsPinnedKey) {
  absl::StatusOr<PolicySignature> sig = SignPolicy(key_, "acme", "", "policy: 1\n");
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(sig->key_id, pinned_[0].id);
  EXPECT_THAT(sig->key_id, ::testing::MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(sig->signature.size(), 64u);
  EXPECT_TRUE(
      VerifyPolicySignature(pinned_, sig->key_id, sig->signature, "acme", "", "policy: 1\n").ok());
}

TEST_F(PolicySignatureTest, TheSignatureBindsTheBytesTheTenantAndTheGroup) {
  absl::StatusOr<PolicySignature> sig = SignPolicy(key_, "acme", "sales", "policy: 1\n");
  ASSERT_TRUE(sig.ok()) << sig.status();
  for (const auto& [tenant, group, yaml] :
       {std::tuple<const char*, const char*, const char*>{"acme", "sales", "policy: 2\n"},
        {"beta", "sales", "policy: 1\n"},
        {"acme", "", "policy: 1\n"},
        {"acme", "sales\npolicy: 1", ""}}) {
    const absl::Status s =
        VerifyPolicySignature(pinned_, sig->key_id, sig->signature, tenant, group, yaml);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << tenant << "/" << group;
    EXPECT_THAT(std::string(s.message()), HasSubstr("does not match"));
  }
}

TEST_F(PolicySignatureTest, UnsignedAndUnknownKeysAreRefused) {
  absl::Status unsigned_policy = VerifyPolicySignature(pinned_, "", "", "acme", "", "x");
  EXPECT_EQ(unsigned_policy.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(unsigned_policy.message()), HasSubstr("not signed"));

  absl::StatusOr<std::string> other = NewSigningKeyPem();
  ASSERT_TRUE(other.ok());
  absl::StatusOr<PolicySignature> sig = SignPolicy(*other, "acme", "", "x");
  ASSERT_TRUE(sig.ok());
  absl::Status unknown =
      VerifyPolicySignature(pinned_, sig->key_id, sig->signature, "acme", "", "x");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("not pinned"));

  // A signature from another key, presented under the pinned key's id.
  absl::Status forged =
      VerifyPolicySignature(pinned_, pinned_[0].id, sig->signature, "acme", "", "x");
  EXPECT_EQ(forged.code(), absl::StatusCode::kPermissionDenied);
  absl::Status truncated = VerifyPolicySignature(pinned_, pinned_[0].id, "short", "acme", "", "x");
  EXPECT_EQ(truncated.code(), absl::StatusCode::kPermissionDenied);
}

TEST(PublicKeyPinTest, BadPinsSayWhatIsWrong) {
  for (const char* pin : {"", "ed25519:", "ed25519:not base64!", "rsa:AAAA", "ed25519:AAAA"}) {
    absl::StatusOr<PolicyKey> key = ParsePublicKeyPin(pin);
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << pin;
  }
  EXPECT_EQ(SignPolicy("not a key", "acme", "", "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  // An EC key (the kind TLS uses) is not a policy signing key.
  absl::StatusOr<std::string> ec = NewPrivateKeyPem();
  ASSERT_TRUE(ec.ok());
  EXPECT_EQ(PublicKeyPin(*ec).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace candor::config
