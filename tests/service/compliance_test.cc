// Compliance reports over a real store, SQLite and PostgreSQL: latest results kept per (device,
// check), the compliance rule (HIGH and above must pass), stale and retired results, groups,
// tenants, revoked devices, per-device detail.

#include "service/compliance.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/enrollment_service.h"
#include "tests/service/store_backends.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kNow = 1'800'000'000'000;
constexpr int64_t kHour = 3'600'000;

struct Result {
  std::string check;
  v1::CheckStatus status = v1::CHECK_STATUS_PASS;
  v1::Severity severity = v1::SEVERITY_HIGH;
  int64_t observed_ms = kNow - 60'000;
  uint64_t policy_version = 1;
  uint32_t interval_s = 3600;
};

class ComplianceTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    CANDOR_SKIP_WITHOUT_POSTGRES(GetParam());
    ASSERT_TRUE(backend_.Create().ok());
    auto store = backend_.Open();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    for (const char* tenant : {"acme", "beta"}) ASSERT_TRUE(store_->CreateTenant(tenant, 0).ok());
  }

  void Enroll(const std::string& tenant, const std::string& id, const std::string& group = "") {
    const std::string token = "cnd_" + id;
    ASSERT_TRUE(store_
                    ->AddToken({.hash = TokenHash(token),
                                .tenant = tenant,
                                .group = group,
                                .uses_left = 1,
                                .expires_at_ms = kNow + kHour})
                    .ok());
    ASSERT_TRUE(store_->EnrollDevice(TokenHash(token), {.device_id = id}, kNow - kHour).ok());
  }

  // Stores `results` as one batch of the device, with seqs after its last.
  void Report(const std::string& tenant, const std::string& id, const std::vector<Result>& results,
              int64_t received_ms = kNow - 30'000) {
    const DeviceIdentity device{tenant, id};
    uint64_t seq = *store_->HighestSeq(device);
    v1::EventBatch batch;
    batch.set_first_seq(seq + 1);
    for (const Result& r : results) {
      v1::Event* e = batch.add_events();
      e->set_seq(++seq);
      e->set_collector("os_info");
      e->set_check_id(r.check);
      e->set_status(r.status);
      e->set_severity(r.severity);
      e->set_interval_seconds(r.interval_s);
      e->set_reason("reason of " + r.check);
      e->mutable_observed_at()->set_seconds(r.observed_ms / 1000);
      e->set_policy_version(r.policy_version);
    }
    batch.set_last_seq(seq);
    ASSERT_TRUE(
        store_
            ->StoreBatch(device, batch,
                         EventStore::Clock::time_point(std::chrono::milliseconds(received_ms)))
            .ok());
  }

  v1::ComplianceReport Compliance(const std::string& tenant, const std::string& group = "",
                                  bool devices = true) {
    v1::ComplianceReportRequest request;
    request.set_tenant(tenant);
    request.set_group(group);
    request.set_devices(devices);
    absl::StatusOr<v1::ComplianceReport> report =
        BuildComplianceReport(*store_, *store_, request, kNow);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.value_or(v1::ComplianceReport());
  }

  static const v1::CheckCompliance* Check(const v1::ComplianceReport& r, const std::string& id) {
    for (const auto& c : r.checks()) {
      if (c.check() == id) return &c;
    }
    return nullptr;
  }

  testing::TestBackend backend_{GetParam()};
  std::unique_ptr<Storage> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, ComplianceTest,
                         ::testing::Values(testing::Backend::kSqlite, testing::Backend::kPostgres),
                         testing::BackendName);

TEST_P(ComplianceTest, HighAndCriticalChecksDecideAndEveryStatusIsCounted) {
  Enroll("acme", "d1");
  Enroll("acme", "d2");
  Enroll("acme", "d3");
  Enroll("acme", "d4");  // never reports
  Report("acme", "d1",
         {{.check = "disk", .severity = v1::SEVERITY_CRITICAL},
          {.check = "fw"},
          {.check = "ssh", .status = v1::CHECK_STATUS_FAIL, .severity = v1::SEVERITY_MEDIUM}});
  Report("acme", "d2",
         {{.check = "disk", .status = v1::CHECK_STATUS_FAIL, .severity = v1::SEVERITY_CRITICAL},
          {.check = "fw", .status = v1::CHECK_STATUS_ERROR}});
  // Secure boot does not apply to d3: that does not count against it.
  Report("acme", "d3",
         {{.check = "disk", .severity = v1::SEVERITY_CRITICAL},
          {.check = "fw", .status = v1::CHECK_STATUS_NOT_APPLICABLE}});

  const v1::ComplianceReport r = Compliance("acme");
  EXPECT_EQ(r.devices(), 4u);
  EXPECT_EQ(r.compliant(), 2u);  // d1 (only a medium check fails) and d3
  EXPECT_EQ(r.without_results(), 1u);
  ASSERT_EQ(r.checks_size(), 3);
  EXPECT_EQ(r.checks(0).check(), "disk");
  EXPECT_EQ(r.checks(0).severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(r.checks(0).pass(), 2u);
  EXPECT_EQ(r.checks(0).fail(), 1u);
  const v1::CheckCompliance* fw = Check(r, "fw");
  EXPECT_EQ(fw->pass(), 1u);
  EXPECT_EQ(fw->error(), 1u);
  EXPECT_EQ(fw->not_applicable(), 1u);
  EXPECT_EQ(Check(r, "ssh")->fail(), 1u);

  ASSERT_EQ(r.device_detail_size(), 4);
  EXPECT_EQ(r.device_detail(0).device_id(), "d1");
  EXPECT_TRUE(r.device_detail(0).compliant());
  EXPECT_FALSE(r.device_detail(1).compliant());
  EXPECT_THAT(r.device_detail(1).not_passing(), ElementsAre("disk", "fw"));
  EXPECT_FALSE(r.device_detail(3).compliant());
  EXPECT_EQ(r.device_detail(3).last_result_ms(), 0);
  // Without the detail flag there is no per-device data at all.
  EXPECT_EQ(Compliance("acme", "", false).device_detail_size(), 0);
}

TEST_P(ComplianceTest, TheLatestResultWinsAndAgentNoticesAreNotChecks) {
  Enroll("acme", "d1");
  Report("acme", "d1", {{.check = "disk", .status = v1::CHECK_STATUS_FAIL}});
  Report("acme", "d1", {{.check = "disk"}});
  // A retransmitted older batch (same seqs stored again) changes nothing.
  const DeviceIdentity device{"acme", "d1"};
  v1::EventBatch old;
  old.set_first_seq(1);
  old.set_last_seq(1);
  v1::Event* e = old.add_events();
  e->set_seq(1);
  e->set_collector("os_info");
  e->set_check_id("disk");
  e->set_status(v1::CHECK_STATUS_FAIL);
  e->set_severity(v1::SEVERITY_HIGH);
  e->mutable_observed_at()->set_seconds(kNow / 1000);
  ASSERT_TRUE(store_->StoreBatch(device, old, EventStore::Clock::now()).ok());
  // The agent's own notice is not a check of the policy.
  v1::EventBatch notice;
  notice.set_first_seq(3);
  notice.set_last_seq(3);
  e = notice.add_events();
  e->set_seq(3);
  e->set_collector("agent");
  e->set_check_id("spool_dropped");
  e->set_status(v1::CHECK_STATUS_ERROR);
  e->mutable_observed_at()->set_seconds(kNow / 1000);
  ASSERT_TRUE(store_->StoreBatch(device, notice, EventStore::Clock::now()).ok());

  const v1::ComplianceReport r = Compliance("acme");
  ASSERT_EQ(r.checks_size(), 1);
  EXPECT_EQ(r.checks(0).pass(), 1u);
  EXPECT_EQ(r.compliant(), 1u);
}

TEST_P(ComplianceTest, StaleResultsCountAsNotPassingAndRetiredChecksDropOut) {
  Enroll("acme", "d1");
  Enroll("acme", "d2");
  // d1: its hourly disk check last reported three hours ago.
  Report("acme", "d1",
         {{.check = "disk", .observed_ms = kNow - 3 * kHour},
          {.check = "fw", .observed_ms = kNow - kHour}});
  // d2: "legacy" was in policy 1 and is gone from policy 2; it stops counting once stale.
  Report("acme", "d2",
         {{.check = "legacy", .status = v1::CHECK_STATUS_FAIL, .observed_ms = kNow - 5 * kHour}});
  Report("acme", "d2", {{.check = "disk", .policy_version = 2}});
  const v1::ComplianceReport r = Compliance("acme");
  EXPECT_EQ(Check(r, "disk")->stale(), 1u);
  EXPECT_EQ(Check(r, "disk")->pass(), 1u);
  EXPECT_EQ(Check(r, "fw")->pass(), 1u);  // within two intervals
  EXPECT_EQ(Check(r, "legacy"), nullptr);
  ASSERT_EQ(r.device_detail_size(), 2);
  EXPECT_FALSE(r.device_detail(0).compliant());
  EXPECT_THAT(r.device_detail(0).not_passing(), ElementsAre("disk"));
  EXPECT_TRUE(r.device_detail(1).compliant());

  // A device clock running ahead does not keep a result fresh: received time bounds it.
  Enroll("acme", "d3");
  Report("acme", "d3", {{.check = "disk", .observed_ms = kNow + 100 * kHour}}, kNow - 3 * kHour);
  EXPECT_EQ(Check(Compliance("acme"), "disk")->stale(), 2u);
}

TEST_P(ComplianceTest, GroupsTenantsAndRevokedDevices) {
  Enroll("acme", "a1", "laptops");
  Enroll("acme", "a2", "desktops");
  Enroll("beta", "b1");
  Enroll("beta", "b2");
  for (const char* id : {"a1", "a2"}) Report("acme", id, {{.check = "disk"}});
  Report("beta", "b1", {{.check = "disk", .status = v1::CHECK_STATUS_FAIL}});
  Report("beta", "b2", {{.check = "disk"}});
  ASSERT_TRUE(store_->RevokeDevice("b2", kNow).ok());

  const v1::ComplianceReport laptops = Compliance("acme", "laptops");
  EXPECT_EQ(laptops.devices(), 1u);
  EXPECT_EQ(Check(laptops, "disk")->pass(), 1u);

  const v1::ComplianceReport all = Compliance("");
  EXPECT_EQ(all.devices(), 3u);  // b2 is revoked
  EXPECT_EQ(all.compliant(), 2u);
  ASSERT_EQ(all.tenants_size(), 2);
  EXPECT_EQ(all.tenants(0).tenant(), "acme");
  EXPECT_EQ(all.tenants(0).compliant(), 2u);
  EXPECT_EQ(all.tenants(1).tenant(), "beta");
  EXPECT_EQ(all.tenants(1).devices(), 1u);
  EXPECT_EQ(all.tenants(1).compliant(), 0u);
  EXPECT_EQ(Check(all, "disk")->pass(), 2u);
  EXPECT_EQ(Check(all, "disk")->fail(), 1u);

  // One tenant's report never holds another's devices.
  const v1::ComplianceReport beta = Compliance("beta");
  ASSERT_EQ(beta.device_detail_size(), 1);
  EXPECT_EQ(beta.device_detail(0).device_id(), "b1");
}

TEST_P(ComplianceTest, ADevicesReportListsEveryCurrentCheck) {
  Enroll("acme", "d1");
  Report("acme", "d1",
         {{.check = "disk", .status = v1::CHECK_STATUS_FAIL, .severity = v1::SEVERITY_CRITICAL},
          {.check = "fw", .observed_ms = kNow - 3 * kHour},
          {.check = "info", .severity = v1::SEVERITY_INFO}});
  absl::StatusOr<std::optional<DeviceRecord>> device = store_->Device("d1");
  ASSERT_TRUE(device.ok() && device->has_value());
  absl::StatusOr<v1::DeviceReport> r = BuildDeviceReport(*store_, **device, kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->compliant());
  ASSERT_EQ(r->checks_size(), 3);
  EXPECT_EQ(r->checks(0).check(), "disk");
  EXPECT_EQ(r->checks(0).status(), v1::CHECK_STATUS_FAIL);
  EXPECT_EQ(r->checks(0).severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(r->checks(0).reason(), "reason of disk");
  EXPECT_EQ(r->checks(0).collector(), "os_info");
  EXPECT_EQ(r->checks(0).interval_seconds(), 3600u);
  EXPECT_TRUE(r->checks(1).stale());
  EXPECT_FALSE(r->checks(2).stale());
}

TEST(ClassifyTest, WithoutAnIntervalAResultIsFreshForTwoDays) {
  LatestResult r;
  r.status = "PASS";
  r.observed_at_ms = r.received_at_ms = kNow - 47 * kHour;
  EXPECT_EQ(Classify(r, 0, kNow), ResultState::kPass);
  r.observed_at_ms = r.received_at_ms = kNow - 49 * kHour;
  EXPECT_EQ(Classify(r, 0, kNow), ResultState::kStale);
  EXPECT_EQ(Classify(r, 1, kNow), ResultState::kRetired);
  r.observed_at_ms = r.received_at_ms = kNow;
  r.status = "UNSPECIFIED";
  EXPECT_EQ(Classify(r, 0, kNow), ResultState::kError);
}

}  // namespace
}  // namespace candor::service
