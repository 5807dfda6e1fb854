#include "agent/policy_store.h"

#include "collectors/builtin.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using ::testing::HasSubstr;

std::string PolicyText(int version, const std::string& interval = "1h") {
  return "apiVersion: candor/v1\nkind: Policy\nmetadata: {name: p, tenant: t, version: " +
         std::to_string(version) + "}\nnotice: n\nchecks:\n  - {id: os, collector: os_info, " +
         "interval: " + interval + "}\n";
}

class PolicyStoreTest : public ::testing::Test {
 protected:
  PolicyStore Store() {
    return PolicyStore(dir_ / "policy.yaml", dir_.path(), collectors::BuiltinCatalog());
  }
  candor::testing::TempDir dir_;
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

}  // namespace
}  // namespace candor::agent
