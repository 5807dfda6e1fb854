// The registry half of storage, against both back ends: tenants, tokens (by hash, uses,
// expiry), devices, the audit log, policies; and PostgreSQL's announcements to other
// servers.

#include <condition_variable>
#include <mutex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/enrollment_service.h"
#include "tests/service/store_backends.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

class RegistryStoreTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    CANDOR_SKIP_WITHOUT_POSTGRES(GetParam());
    ASSERT_TRUE(backend_.Create().ok());
    auto store = backend_.Open();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateTenant("acme", kNow).ok());
  }
  TokenRecord Token(const std::string& token, int64_t uses, int64_t expires_at_ms) {
    return {.hash = TokenHash(token),
            .tenant = "acme",
            .group = "laptops",
            .uses_left = uses,
            .expires_at_ms = expires_at_ms,
            .created_by = "mia (msp-admin)",
            .created_at_ms = kNow};
  }
  DeviceRecord Device(const std::string& id) {
    return {.device_id = id, .cert_serial = "0A", .cert_not_after_ms = kNow + 1000};
  }

  testing::TestBackend backend_{GetParam()};
  std::unique_ptr<Storage> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, RegistryStoreTest,
                         ::testing::Values(testing::Backend::kSqlite, testing::Backend::kPostgres),
                         testing::BackendName);

TEST_P(RegistryStoreTest, TenantsAreCreatedOnce) {
  EXPECT_EQ(store_->CreateTenant("acme", kNow).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(*store_->TenantExists("acme"));
  EXPECT_FALSE(*store_->TenantExists("beta"));
  EXPECT_THAT(*store_->Tenants(), ::testing::ElementsAre("acme"));
}

TEST_P(RegistryStoreTest, ATokenIsUsedUpAndExpires) {
  ASSERT_TRUE(store_->AddToken(Token("cnd_a", 2, kNow + 60'000)).ok());
  auto first = store_->EnrollDevice(TokenHash("cnd_a"), Device("d1"), kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->tenant, "acme");  // from the token, not the caller
  EXPECT_EQ(first->group, "laptops");
  EXPECT_TRUE(store_->EnrollDevice(TokenHash("cnd_a"), Device("d2"), kNow).ok());
  auto third = store_->EnrollDevice(TokenHash("cnd_a"), Device("d3"), kNow);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(third.status().message(), ::testing::HasSubstr("used up"));
  EXPECT_FALSE(*store_->Device("d3"));  // nothing of a refused enrollment is kept

  ASSERT_TRUE(store_->AddToken(Token("cnd_b", 5, kNow + 60'000)).ok());
  EXPECT_EQ(store_->EnrollDevice(TokenHash("cnd_b"), Device("d4"), kNow + 60'000).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->FindToken(TokenHash("cnd_b"))->uses_left, 5);  // an expired try takes none
  EXPECT_EQ(store_->EnrollDevice(TokenHash("cnd_unknown"), Device("d5"), kNow).status().code(),
            absl::StatusCode::kNotFound);
  // Only the hash is stored.
  EXPECT_EQ(TokenHash("cnd_a").size(), 64u);
  EXPECT_NE(TokenHash("cnd_a"), TokenHash("cnd_b"));
}

TEST_P(RegistryStoreTest, DevicesContactRevocationAndCertificates) {
  ASSERT_TRUE(store_->AddToken(Token("cnd_a", 1, kNow + 60'000)).ok());
  ASSERT_TRUE(store_->EnrollDevice(TokenHash("cnd_a"), Device("d1"), kNow).ok());
  ASSERT_TRUE(store_->RecordContact("d1", "acme", kNow + 5, "0.1.0", 7).ok());
  // A device with a certificate made outside enrollment is recorded at its first contact.
  ASSERT_TRUE(store_->RecordContact("dev-pki", "beta", kNow + 6, "0.1.0", 1).ok());
  auto d1 = *store_->Device("d1");
  ASSERT_TRUE(d1.has_value());
  EXPECT_EQ(d1->last_contact_ms, kNow + 5);
  EXPECT_EQ(d1->policy_version, 7u);
  EXPECT_EQ(d1->agent_version, "0.1.0");
  EXPECT_FALSE(d1->revoked_at_ms.has_value());
  EXPECT_EQ(store_->Devices("acme")->size(), 1u);
  EXPECT_EQ(store_->Devices("")->size(), 2u);

  ASSERT_TRUE(store_->UpdateCertificate("d1", "0B", kNow + 2000).ok());
  ASSERT_TRUE(store_->RevokeDevice("d1", kNow + 10).ok());
  ASSERT_TRUE(store_->RevokeDevice("d1", kNow + 20).ok());  // the first time stays
  d1 = *store_->Device("d1");
  EXPECT_EQ(d1->revoked_at_ms, kNow + 10);
  EXPECT_EQ(d1->cert_serial, "0B");
  EXPECT_EQ(store_->RevokeDevice("nope", kNow).code(), absl::StatusCode::kNotFound);
}

TEST_P(RegistryStoreTest, TheAuditLogKeepsTheNewestInOrder) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_
                    ->AppendAudit({.at_ms = kNow + i,
                                   .actor = "mia (msp-admin)",
                                   .tenant = i % 2 ? "acme" : "beta",
                                   .action = "token.create",
                                   .detail = std::to_string(i),
                                   .outcome = "ok"})
                    .ok());
  }
  auto acme = *store_->Audit("acme", 10);
  ASSERT_EQ(acme.size(), 2u);
  EXPECT_EQ(acme[0].detail, "1");
  EXPECT_EQ(acme[1].detail, "3");
  auto newest = *store_->Audit("", 2);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].detail, "3");
  EXPECT_EQ(newest[1].detail, "4");
}

TEST_P(RegistryStoreTest, PoliciesKeepTheirBytesAndVersionsOnlyRise) {
  // Signed bytes go back exactly as pushed, NUL and non-UTF-8 bytes included.
  const std::string yaml("version: 2\n\0\xff\x80 end", 19);
  const std::string signature("\x00\x01\xfe\xff", 4);
  PolicyRecord policy{.tenant = "acme",
                      .version = 2,
                      .name = "baseline",
                      .yaml = yaml,
                      .key_id = "k1",
                      .signature = signature,
                      .pushed_by = "mia",
                      .pushed_at_ms = kNow};
  ASSERT_TRUE(store_->AddPolicy(policy).ok());
  absl::Status again = store_->AddPolicy(policy);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.message(), ::testing::HasSubstr("version 2 is not newer than version 2"));
  policy.group = "laptops";
  policy.version = 1;  // older than the tenant's newest, even for another group
  EXPECT_EQ(store_->AddPolicy(policy).code(), absl::StatusCode::kFailedPrecondition);
  policy.version = 3;
  ASSERT_TRUE(store_->AddPolicy(policy).ok());
  auto latest = *store_->Policies("acme", true);
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].version, 3u);
  EXPECT_EQ(latest[0].group, "laptops");
  EXPECT_EQ(latest[1].version, 2u);
  EXPECT_EQ(latest[1].yaml, yaml);
  EXPECT_EQ(latest[1].signature, signature);
  EXPECT_EQ(latest[1].pushed_at_ms, kNow);
  EXPECT_TRUE(store_->Policies("beta", false)->empty());
}

// What StorageChanges is told, for a test to wait on.
class RecordedChanges : public StorageChanges {
 public:
  void PolicyPushed(const std::string& tenant) override { Add(policies_, tenant); }
  void DeviceRevoked(const std::string& device_id) override { Add(revoked_, device_id); }
  void ChangesMissed() override { Add(missed_, "missed"); }

  // Waits up to 10 s until ChangesMissed was called; whether it was.
  bool WaitForMissed() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return !missed_.empty(); });
  }

  // Waits up to 10 s until `revoked` was told; what was told by then.
  std::pair<std::vector<std::string>, std::vector<std::string>> WaitForRevoked(
      const std::string& device_id) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] {
      return std::find(revoked_.begin(), revoked_.end(), device_id) != revoked_.end();
    });
    return {policies_, revoked_};
  }

 private:
  void Add(std::vector<std::string>& to, const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    to.push_back(what);
    changed_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> policies_, revoked_, missed_;
};

TEST_P(RegistryStoreTest, OtherServersHearOfPoliciesAndRevocationsOnlyWithPostgres) {
  auto other = backend_.Open();  // a second server on the same database
  ASSERT_TRUE(other.ok()) << other.status();
  RecordedChanges heard;
  auto watch = store_->WatchOtherServers(heard);
  ASSERT_TRUE(watch.ok()) << watch.status();
  if (GetParam() == testing::Backend::kSqlite) {
    EXPECT_EQ(*watch, nullptr);  // one server per SQLite file: nothing to hear
    return;
  }
  ASSERT_NE(*watch, nullptr);
  PolicyRecord policy{.tenant = "acme", .version = 5, .yaml = "y", .signature = "s"};
  ASSERT_TRUE((*other)->AddPolicy(policy).ok());
  EXPECT_FALSE((*other)->AddPolicy(policy).ok());  // refused: nothing announced
  policy.version = 6;
  ASSERT_TRUE(store_->AddPolicy(policy).ok());  // its own: not announced to itself
  ASSERT_TRUE((*other)->AddToken(Token("cnd_a", 1, kNow + 60'000)).ok());
  ASSERT_TRUE((*other)->EnrollDevice(TokenHash("cnd_a"), Device("d1"), kNow).ok());
  EXPECT_EQ((*other)->RevokeDevice("d9", kNow).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE((*other)->RevokeDevice("d1", kNow).ok());
  // Notifications arrive in commit order, so "d1" comes after everything above.
  auto [policies, revoked] = heard.WaitForRevoked("d1");
  EXPECT_THAT(policies, ::testing::ElementsAre("acme"));
  EXPECT_THAT(revoked, ::testing::ElementsAre("d1"));
}

// The listening connection is cut (a PostgreSQL restart, a network blip): the listener
// connects again, says changes may have been missed, and hears the next ones.
TEST(PostgresChangesTest, TheListenerComesBackAfterALostConnection) {
  CANDOR_SKIP_WITHOUT_POSTGRES(testing::Backend::kPostgres);
  testing::TestBackend backend(testing::Backend::kPostgres);
  ASSERT_TRUE(backend.Create().ok());
  auto store = backend.Open();
  auto other = backend.Open();
  ASSERT_TRUE(store.ok() && other.ok());
  RecordedChanges heard;
  auto watch = (*store)->WatchOtherServers(heard);
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_TRUE(backend
                  .ExecOutside("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE application_name = 'candor-listener' "
                               "AND datname = current_database()")
                  .ok());
  EXPECT_TRUE(heard.WaitForMissed());
  ASSERT_TRUE((*other)->CreateTenant("acme", kNow).ok());
  ASSERT_TRUE((*other)
                  ->AddToken({.hash = TokenHash("cnd_a"),
                              .tenant = "acme",
                              .uses_left = 1,
                              .expires_at_ms = kNow + 60'000})
                  .ok());
  ASSERT_TRUE((*other)->EnrollDevice(TokenHash("cnd_a"), {.device_id = "d1"}, kNow).ok());
  ASSERT_TRUE((*other)->RevokeDevice("d1", kNow).ok());
  EXPECT_THAT(heard.WaitForRevoked("d1").second, ::testing::ElementsAre("d1"));
}

TEST(EnrollmentTokenTest, TokensAndIdsAreRandomAndWellFormed) {
  const std::string a = NewEnrollmentToken();
  EXPECT_THAT(a, ::testing::MatchesRegex("cnd_[A-Za-z0-9_-]{43}"));
  EXPECT_NE(a, NewEnrollmentToken());
  EXPECT_THAT(NewUuid(),
              ::testing::MatchesRegex(
                  "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
}

}  // namespace
}  // namespace candor::service
