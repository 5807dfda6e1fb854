#include "agent/policy_store.h"

#include "collectors/builtin.h"
#include "config/keys.h"
#include "config/policy_signature.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/pki/certificate_authority.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using ::testing::HasSubstr;

std::string PolicyText(int version, const std::string& interval = "1h",
                       const std::string& tenant = "t") {
  return "apiVersion: candor/v1\nkind: Policy\nmetadata: {name: p, tenant: " + tenant +
         ", version: " + std::to_string(version) +
         "}\nnotice: n\nchecks:\n  - {id: os, collector: os_info, " + "interval: " + interval +
         "}\n";
}

class PolicyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A device certificate of tenant t, as enrollment leaves it.
    const auto now = std::chrono::system_clock::now();
    auto ca = service::CertificateAuthority::Create("test CA", std::chrono::hours(24), now);
    ASSERT_TRUE(ca.ok()) << ca.status();
    absl::StatusOr<std::string> key = config::NewPrivateKeyPem();
    ASSERT_TRUE(key.ok());
    absl::StatusOr<std::string> csr = config::NewCsrPem(*key, "device");
    ASSERT_TRUE(csr.ok());
    service::LeafSpec spec;
    spec.common_name = "device";
    spec.uris = {"candor://tenant/t/device/4b1c2a7e-0000-4000-8000-000000000001"};
    absl::StatusOr<service::IssuedCertificate> cert = (*ca)->Issue(*csr, spec, now);
    ASSERT_TRUE(cert.ok()) << cert.status();
    candor::testing::WriteFile(dir_ / "device.pem", cert->pem);

    absl::StatusOr<std::string> signing = config::NewSigningKeyPem();
    ASSERT_TRUE(signing.ok());
    signing_key_ = *signing;
    absl::StatusOr<config::PolicyKey> pinned =
        config::ParsePublicKeyPin(*config::PublicKeyPin(signing_key_));
    ASSERT_TRUE(pinned.ok());
    pinned_ = {*pinned};
  }

  PolicyStore Store(std::vector<config::PolicyKey> keys, bool local = true) {
    return PolicyStore(local ? dir_ / "policy.yaml" : std::filesystem::path(), dir_.path(),
                       collectors::BuiltinCatalog(),
                       PolicyTrust{.keys = std::move(keys), .certificate = dir_ / "device.pem"});
  }
  PolicyStore Store() { return Store(pinned_); }

  v1::SignedPolicy Signed(const std::string& yaml, const std::string& key_pem,
                          const std::string& signed_tenant = "t", const std::string& group = "") {
    absl::StatusOr<config::PolicySignature> sig =
        config::SignPolicy(key_pem, signed_tenant, group, yaml);
    EXPECT_TRUE(sig.ok()) << sig.status();
    v1::SignedPolicy policy;
    policy.set_policy_yaml(yaml);
    policy.set_group(group);
    if (sig.ok()) {
      policy.set_key_id(sig->key_id);
      policy.set_signature(sig->signature);
    }
    return policy;
  }
  v1::SignedPolicy Signed(const std::string& yaml) { return Signed(yaml, signing_key_); }

  candor::testing::TempDir dir_;
  std::string signing_key_;
  std::vector<config::PolicyKey> pinned_;
};

TEST_F(PolicyStoreTest, AValidPolicyBecomesTheLastGoodCopy) {
  candor::testing::WriteFile(dir_ / "policy.yaml", PolicyText(3));
  absl::StatusOr<PolicyStore::Initial> initial = Store().LoadInitial();
  ASSERT_TRUE(initial.ok()) << initial.status();
  EXPECT_TRUE(initial->rejected.ok());
  EXPECT_EQ(initial->policy->version, 3u);
  EXPECT_EQ(candor::testing::ReadFile(dir_ / PolicyStore::kLastGoodName), PolicyText(3));
}

TEST_F(PolicyStoreTest, ABrokenPolicyAtStartFallsBackToTheLastGoodOne) {
  candor::testing::WriteFile(dir_ / "policy.yaml", PolicyText(3));
  ASSERT_TRUE(Store().LoadInitial().ok());
  candor::testing::WriteFile(dir_ / "policy.yaml", PolicyText(4, "often"));
  absl::StatusOr<PolicyStore::Initial> initial = Store().LoadInitial();
  ASSERT_TRUE(initial.ok()) << initial.status();
  EXPECT_EQ(initial->policy->version, 3u);
  EXPECT_EQ(initial->rejected.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(initial->rejected.message()),
              HasSubstr("checks[0].interval: expected a duration"));
  // The broken file did not replace the last good copy.
  EXPECT_EQ(candor::testing::ReadFile(dir_ / PolicyStore::kLastGoodName), PolicyText(3));
}

TEST_F(PolicyStoreTest, NoUsablePolicyAtAllIsAnError) {
  candor::testing::WriteFile(dir_ / "policy.yaml", "checks: [\n");
  absl::StatusOr<PolicyStore::Initial> initial = Store().LoadInitial();
  EXPECT_EQ(initial.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(initial.status().message()), HasSubstr("malformed YAML"));
}

TEST_F(PolicyStoreTest, ReloadSwapsOnlyValidPolicies) {
  PolicyStore store = Store();
  candor::testing::WriteFile(dir_ / "policy.yaml", PolicyText(1));
  ASSERT_TRUE(store.LoadInitial().ok());
  candor::testing::WriteFile(dir_ / "policy.yaml", PolicyText(2));
  absl::StatusOr<std::shared_ptr<const config::Policy>> next = store.Reload();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)->version, 2u);

  std::filesystem::remove(dir_ / "policy.yaml");
  EXPECT_EQ(store.Reload().status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(candor::testing::ReadFile(dir_ / PolicyStore::kLastGoodName), PolicyText(2));
}

TEST_F(PolicyStoreTest, ASignedNewerPolicyIsTakenKeptAndPreferredAtTheNextStart) {
  candor::testing::WriteFile(dir_ / "policy.yaml", PolicyText(3));
  PolicyStore store = Store();
  ASSERT_TRUE(store.LoadInitial().ok());
  absl::StatusOr<std::shared_ptr<const config::Policy>> pushed =
      store.AcceptPushed(Signed(PolicyText(5, "2h")), 3);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ((*pushed)->version, 5u);
  EXPECT_EQ((*pushed)->checks[0].interval, std::chrono::hours(2));

  // Restarted: the stored pushed policy (5) is newer than the local file (3).
  absl::StatusOr<PolicyStore::Initial> initial = Store().LoadInitial();
  ASSERT_TRUE(initial.ok()) << initial.status();
  EXPECT_TRUE(initial->pushed);
  EXPECT_TRUE(initial->pushed_problem.ok()) << initial->pushed_problem;
  EXPECT_EQ(initial->policy->version, 5u);

  // A local file with a higher version wins over it.
  candor::testing::WriteFile(dir_ / "policy.yaml", PolicyText(9));
  initial = Store().LoadInitial();
  ASSERT_TRUE(initial.ok()) << initial.status();
  EXPECT_FALSE(initial->pushed);
  EXPECT_EQ(initial->policy->version, 9u);
}

TEST_F(PolicyStoreTest, PushedPoliciesAreRefusedUnlessSignedPinnedForThisTenantAndNewer) {
  PolicyStore store = Store();
  absl::StatusOr<std::string> stranger = config::NewSigningKeyPem();
  ASSERT_TRUE(stranger.ok());
  v1::SignedPolicy tampered = Signed(PolicyText(5));
  tampered.set_policy_yaml(PolicyText(5, "10s"));
  v1::SignedPolicy unsigned_policy = Signed(PolicyText(5));
  unsigned_policy.clear_signature();
  v1::SignedPolicy moved_group = Signed(PolicyText(5), signing_key_, "t", "sales");
  moved_group.set_group("finance");

  const struct {
    const char* what;
    v1::SignedPolicy policy;
    uint64_t in_force;
    absl::StatusCode code;
    const char* says;
  } cases[] = {
      {"unsigned", unsigned_policy, 3, absl::StatusCode::kPermissionDenied, "not signed"},
      {"unknown key", Signed(PolicyText(5), *stranger), 3, absl::StatusCode::kPermissionDenied,
       "not pinned"},
      {"changed after signing", tampered, 3, absl::StatusCode::kPermissionDenied, "does not match"},
      {"moved to another group", moved_group, 3, absl::StatusCode::kPermissionDenied,
       "does not match"},
      {"signed for another tenant", Signed(PolicyText(5, "1h", "u"), signing_key_, "u"), 3,
       absl::StatusCode::kPermissionDenied, "does not match"},
      {"another tenant's policy signed for this one", Signed(PolicyText(5, "1h", "u")), 3,
       absl::StatusCode::kPermissionDenied, "is for tenant u"},
      {"older version", Signed(PolicyText(2)), 3, absl::StatusCode::kFailedPrecondition,
       "not newer than version 3"},
      {"same version", Signed(PolicyText(3)), 3, absl::StatusCode::kFailedPrecondition,
       "not newer"},
      {"invalid policy", Signed(PolicyText(5, "often")), 3, absl::StatusCode::kInvalidArgument,
       "checks[0].interval"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::shared_ptr<const config::Policy>> result =
        store.AcceptPushed(c.policy, c.in_force);
    EXPECT_EQ(result.status().code(), c.code) << c.what << ": " << result.status();
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(c.says)) << c.what;
  }
  // Nothing refused was kept.
  EXPECT_FALSE(std::filesystem::exists(dir_ / PolicyStore::kPushedName));

  // An agent that pins no key takes nothing from the server.
  absl::StatusOr<std::shared_ptr<const config::Policy>> no_keys =
      Store({}).AcceptPushed(Signed(PolicyText(5)), 3);
  EXPECT_EQ(no_keys.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(no_keys.status().message()), HasSubstr("pins no policy_keys"));
}

TEST_F(PolicyStoreTest, AStoredPushedPolicyIsCheckedAgainAtStart) {
  candor::testing::WriteFile(dir_ / "policy.yaml", PolicyText(3));
  ASSERT_TRUE(Store().AcceptPushed(Signed(PolicyText(5)), 3).ok());
  // The key was taken out of the config: the stored policy no longer counts.
  absl::StatusOr<std::string> other = config::NewSigningKeyPem();
  absl::StatusOr<config::PolicyKey> other_pin =
      config::ParsePublicKeyPin(*config::PublicKeyPin(*other));
  ASSERT_TRUE(other_pin.ok());
  absl::StatusOr<PolicyStore::Initial> initial = Store({*other_pin}).LoadInitial();
  ASSERT_TRUE(initial.ok()) << initial.status();
  EXPECT_EQ(initial->policy->version, 3u);
  EXPECT_FALSE(initial->pushed);
  EXPECT_THAT(std::string(initial->pushed_problem.message()), HasSubstr("not pinned"));

  // A damaged file is reported, not trusted.
  candor::testing::WriteFile(dir_ / PolicyStore::kPushedName, "garbage");
  initial = Store().LoadInitial();
  ASSERT_TRUE(initial.ok()) << initial.status();
  EXPECT_EQ(initial->policy->version, 3u);
  EXPECT_FALSE(initial->pushed_problem.ok());
}

TEST_F(PolicyStoreTest, WithoutALocalFileTheAgentWaitsForTheServer) {
  PolicyStore store = Store(pinned_, false);
  absl::StatusOr<PolicyStore::Initial> initial = store.LoadInitial();
  ASSERT_TRUE(initial.ok()) << initial.status();
  EXPECT_EQ(initial->policy->version, 0u);
  EXPECT_TRUE(initial->policy->checks.empty());
  EXPECT_EQ(store.Reload().status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(store.AcceptPushed(Signed(PolicyText(1)), 0).ok());
  initial = Store(pinned_, false).LoadInitial();
  ASSERT_TRUE(initial.ok()) << initial.status();
  EXPECT_EQ(initial->policy->version, 1u);
  EXPECT_TRUE(initial->pushed);
}

TEST(TenantOfCertificateTest, AFileThatIsNoCertificateIsAnError) {
  candor::testing::TempDir dir;
  candor::testing::WriteFile(dir / "device.pem", "not a certificate");
  EXPECT_FALSE(TenantOfCertificate(dir / "device.pem").ok());
  EXPECT_EQ(TenantOfCertificate(dir / "missing.pem").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace candor::agent
