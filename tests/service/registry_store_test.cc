// The registry half of the SQLite store: tenants, tokens (by hash, uses, expiry), devices
// and the audit log.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/enrollment_service.h"
#include "service/storage/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;

class RegistryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_.path() / "candor.db", {});
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

  candor::testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(RegistryStoreTest, TenantsAreCreatedOnce) {
  EXPECT_EQ(store_->CreateTenant("acme", kNow).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(*store_->TenantExists("acme"));
  EXPECT_FALSE(*store_->TenantExists("beta"));
  EXPECT_THAT(*store_->Tenants(), ::testing::ElementsAre("acme"));
}

TEST_F(RegistryStoreTest, ATokenIsUsedUpAndExpires) {
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

TEST_F(RegistryStoreTest, DevicesContactRevocationAndCertificates) {
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

TEST_F(RegistryStoreTest, TheAuditLogKeepsTheNewestInOrder) {
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
