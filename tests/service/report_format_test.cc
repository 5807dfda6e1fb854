// candorctl's report output: tables fit 100 columns, CSV quotes what it must, JSON has the
// documented fields (docs/reports.md).

#include "service/ctl/report_format.h"

#include <sstream>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace candor::ctl {
namespace {

using ::testing::HasSubstr;

v1::ComplianceReport SampleReport() {
  v1::ComplianceReport r;
  r.set_tenant("acme");
  r.set_generated_at_ms(1'800'000'000'000);
  r.set_devices(3);
  r.set_compliant(2);
  r.set_without_results(1);
  v1::CheckCompliance* c = r.add_checks();
  c->set_check(std::string(60, 'c'));  // longer than the column
  c->set_severity(v1::SEVERITY_CRITICAL);
  c->set_pass(2);
  c->set_fail(1);
  c = r.add_checks();
  c->set_check("fw");
  c->set_severity(v1::SEVERITY_HIGH);
  c->set_stale(3);
  for (const char* tenant : {"acme", "beta"}) {
    v1::TenantCompliance* t = r.add_tenants();
    t->set_tenant(tenant);
    t->set_devices(2);
    t->set_compliant(1);
  }
  v1::DeviceCompliance* d = r.add_device_detail();
  d->set_device_id("0b0f6a53-2f0b-4e55-9a53-6d5d2f9d3a11");
  d->set_tenant("acme");
  d->set_group(std::string(40, 'g'));
  d->add_not_passing("disk_encryption");
  d->add_not_passing("firewall");
  return r;
}

void ExpectFits100Columns(const std::string& text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    EXPECT_LE(line.size(), 100u) << line;
  }
}

TEST(ReportFormatTest, ComplianceTableFitsAHundredColumns) {
  std::ostringstream out;
  PrintComplianceReport(SampleReport(), ReportFormat::kTable, out);
  ExpectFits100Columns(out.str());
  EXPECT_THAT(out.str(), HasSubstr("Devices 3, compliant 2 (66.7%), without results 1"));
  EXPECT_THAT(out.str(), HasSubstr("critical"));
  EXPECT_THAT(out.str(), HasSubstr("beta"));
  EXPECT_THAT(out.str(), HasSubstr("0b0f6a53-2f0b-4e55-9a53-6d5d2f9d3a11"));
}

TEST(ReportFormatTest, ComplianceJsonHasTheDocumentedFields) {
  std::ostringstream out;
  PrintComplianceReport(SampleReport(), ReportFormat::kJson, out);
  const nlohmann::json json = nlohmann::json::parse(out.str());
  EXPECT_EQ(json["tenant"], "acme");
  EXPECT_EQ(json["generated_at"], "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(json["devices"], 3);
  EXPECT_NEAR(json["compliant_share"].get<double>(), 2.0 / 3, 1e-9);
  EXPECT_EQ(json["checks"][1]["check"], "fw");
  EXPECT_EQ(json["checks"][1]["severity"], "high");
  EXPECT_EQ(json["checks"][1]["stale"], 3);
  EXPECT_EQ(json["tenants"].size(), 2u);
  EXPECT_EQ(json["device_detail"][0]["not_passing"][1], "firewall");
  EXPECT_TRUE(json["device_detail"][0]["last_result_at"].is_null());
}

TEST(ReportFormatTest, CsvRowsAreQuotedWhereNeeded) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");

  v1::ComplianceReport r = SampleReport();
  r.clear_device_detail();
  std::ostringstream out;
  PrintComplianceReport(r, ReportFormat::kCsv, out);
  const std::vector<std::string> lines = absl::StrSplit(out.str(), "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "tenant,group,check,severity,pass,fail,not_applicable,error,stale");
  EXPECT_EQ(lines[2], "acme,,fw,high,0,0,0,0,3");

  std::ostringstream devices;
  PrintComplianceReport(SampleReport(), ReportFormat::kCsv, devices);
  EXPECT_THAT(devices.str(), HasSubstr("device_id,tenant,group,compliant,last_result_at,"
                                       "not_passing\r\n"));
  EXPECT_THAT(devices.str(), HasSubstr(",false,,disk_encryption;firewall\r\n"));
}

TEST(ReportFormatTest, DeviceReportInEveryFormat) {
  v1::DeviceReport r;
  r.mutable_device()->set_device_id("d1");
  r.mutable_device()->set_tenant("acme");
  r.set_generated_at_ms(1'800'000'000'000);
  v1::CheckResultInfo* c = r.add_checks();
  c->set_check("disk");
  c->set_collector("disk_encryption");
  c->set_status(v1::CHECK_STATUS_FAIL);
  c->set_severity(v1::SEVERITY_CRITICAL);
  c->set_reason(
      "root file system on /dev/sda2 is not encrypted, and this reason goes on, \"long\"");
  c->set_observed_at_ms(1'800'000'000'000);
  c->set_received_at_ms(1'800'000'001'000);
  c = r.add_checks();
  c->set_check("fw");
  c->set_status(v1::CHECK_STATUS_PASS);
  c->set_severity(v1::SEVERITY_HIGH);
  c->set_stale(true);

  std::ostringstream table;
  PrintDeviceReport(r, ReportFormat::kTable, table);
  ExpectFits100Columns(table.str());
  EXPECT_THAT(table.str(), HasSubstr("NOT compliant (disk, fw)"));
  EXPECT_THAT(table.str(), HasSubstr("PASS stale"));

  std::ostringstream json;
  PrintDeviceReport(r, ReportFormat::kJson, json);
  const nlohmann::json parsed = nlohmann::json::parse(json.str());
  EXPECT_EQ(parsed["device"]["device_id"], "d1");
  EXPECT_EQ(parsed["checks"][0]["status"], "FAIL");
  EXPECT_EQ(parsed["checks"][0]["severity"], "critical");
  EXPECT_EQ(parsed["checks"][0]["observed_at"], "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(parsed["checks"][1]["stale"], true);

  std::ostringstream csv;
  PrintDeviceReport(r, ReportFormat::kCsv, csv);
  EXPECT_THAT(csv.str(), HasSubstr("d1,disk,disk_encryption,FAIL,critical,false,"));
  EXPECT_THAT(csv.str(), HasSubstr("\"root file system on /dev/sda2 is not encrypted, and this "
                                   "reason goes on, \"\"long\"\"\"\r\n"));
}

TEST(ReportFormatTest, UnknownFormatIsAClearError) {
  EXPECT_TRUE(ParseReportFormat("csv").ok());
  EXPECT_THAT(std::string(ParseReportFormat("xml").status().message()),
              HasSubstr("expected table, json or csv"));
}

}  // namespace
}  // namespace candor::ctl
