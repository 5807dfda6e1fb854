// Compliance reports end to end: an enrolled candor-agent delivers, candorctl asks the real
// candor-server for aggregates, per-device detail and one device's results, as admins of
// different roles; the audit log shows who asked. Also `candor-server export --since`.

#include <fstream>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/installation.h"

namespace candor::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kPolicy =
    "apiVersion: candor/v1\nkind: Policy\nmetadata: {name: reports, tenant: acme, version: 3}\n"
    "notice: Report test.\nchecks:\n"
    "  - {id: os, collector: os_info, interval: 1h, severity: critical}\n"
    "  - {id: ssh, collector: ssh_server, interval: 1h, severity: low}\n"
    "  - {id: disk, collector: disk_encryption, interval: 1h, severity: high}\n";

class ReportTest : public Installation {
 protected:
  void SetUp() override {
    Installation::SetUp();
    AdminCert("tara", "tenant-admin", "acme");
    AdminCert("ana", "analyst", "acme");
    AdminCert("bert", "tenant-admin", "beta");
    const RunResult token = Ctl({"token", "create", "--tenant", "acme", "--group", "laptops",
                                 "--uses", "2", "--ttl", "1h"});
    ASSERT_EQ(token.exit_code, 0) << token.err;
    const std::string secret = token.out.substr(0, token.out.find('\n'));
    WriteFile(dir_.path() / "reports.yaml", kPolicy);
    // One device reports; one is enrolled and never does.
    for (const char* name : {"laptop", "silent"}) {
      const fs::path state = dir_.path() / name;
      ASSERT_EQ(Enroll(state, secret).exit_code, 0);
      ids_[name] = DeviceId(state);
    }
    const fs::path state = dir_.path() / "laptop";
    const fs::path config =
        AgentConfig(state, false, "policy: " + (dir_.path() / "reports.yaml").string() + "\n");
    const RunResult once = RunAgentOnce(config);
    ASSERT_EQ(once.exit_code, 0) << once.err;
  }

  nlohmann::json Json(std::vector<std::string> args, const std::string& admin = "mia") {
    args.insert(args.end(), {"--format", "json"});
    const RunResult r = Ctl(args, admin);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }

  std::map<std::string, std::string> ids_;
};

TEST_F(ReportTest, AggregatesPerCheckAndTheShareOfCompliantDevices) {
  const nlohmann::json report = Json({"report", "compliance", "--tenant", "acme"});
  EXPECT_EQ(report["tenant"], "acme");
  EXPECT_EQ(report["devices"], 2);
  EXPECT_EQ(report["without_results"], 1);
  ASSERT_EQ(report["checks"].size(), 3u);
  // By check id; each check has exactly the one reporting device under one status.
  EXPECT_EQ(report["checks"][0]["check"], "disk");
  EXPECT_EQ(report["checks"][0]["severity"], "high");
  EXPECT_EQ(report["checks"][1]["check"], "os");
  EXPECT_EQ(report["checks"][1]["severity"], "critical");
  EXPECT_EQ(report["checks"][2]["severity"], "low");
  for (const nlohmann::json& check : report["checks"]) {
    EXPECT_EQ(check["pass"].get<int>() + check["fail"].get<int>() +
                  check["not_applicable"].get<int>() + check["error"].get<int>() +
                  check["stale"].get<int>(),
              1)
        << check;
  }
  EXPECT_FALSE(report.contains("device_detail"));

  // The device report says the same, check by check, and decides the same way.
  const nlohmann::json device = Json({"report", "device", ids_["laptop"]});
  ASSERT_EQ(device["checks"].size(), 3u);
  bool compliant = true;
  for (const nlohmann::json& c : device["checks"]) {
    EXPECT_FALSE(c["reason"].get<std::string>().empty());
    EXPECT_EQ(c["policy_version"], 3);
    EXPECT_EQ(c["interval_seconds"], 3600);
    if (c["severity"] != "low" && c["status"] != "PASS" && c["status"] != "NOT_APPLICABLE") {
      compliant = false;
    }
  }
  EXPECT_EQ(device["compliant"], compliant);
  EXPECT_EQ(report["compliant"], compliant ? 1 : 0);
  EXPECT_EQ(device["device"]["group"], "laptops");

  // The group filter; a group with no devices.
  EXPECT_EQ(Json({"report", "compliance", "--tenant", "acme", "--group", "laptops"})["devices"], 2);
  EXPECT_EQ(Json({"report", "compliance", "--tenant", "acme", "--group", "desks"})["devices"], 0);
  // Every tenant, for the msp-admin.
  const nlohmann::json all = Json({"report", "compliance"});
  ASSERT_EQ(all["tenants"].size(), 1u);  // beta has no devices
  EXPECT_EQ(all["tenants"][0]["tenant"], "acme");
}

TEST_F(ReportTest, TableAndCsvForPeopleAndScripts) {
  const RunResult table = Ctl({"report", "compliance", "--tenant", "acme", "--devices"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("Devices 2, compliant "));
  EXPECT_THAT(table.out, HasSubstr(ids_["silent"]));
  for (absl::string_view line : absl::StrSplit(table.out, '\n')) EXPECT_LE(line.size(), 100u);
  const RunResult device = Ctl({"report", "device", ids_["laptop"]});
  ASSERT_EQ(device.exit_code, 0) << device.err;
  for (absl::string_view line : absl::StrSplit(device.out, '\n')) EXPECT_LE(line.size(), 100u);
  EXPECT_THAT(device.out, HasSubstr("critical"));

  const RunResult csv = Ctl({"report", "compliance", "--tenant", "acme", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::vector<std::string> lines = absl::StrSplit(csv.out, "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "tenant,group,check,severity,pass,fail,not_applicable,error,stale");
  EXPECT_THAT(lines[1], ::testing::StartsWith("acme,,disk,high,"));

  const RunResult bad = Ctl({"report", "compliance", "--tenant", "acme", "--format", "xml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("expected table, json or csv"));
}

TEST_F(ReportTest, RolesDecideWhoSeesDevicesAndEveryDetailIsAudited) {
  // A tenant-admin sees their devices; the analyst the aggregates only.
  EXPECT_EQ(Json({"report", "compliance", "--tenant", "acme", "--devices"}, "tara")["device_detail"]
                .size(),
            2u);
  EXPECT_EQ(Json({"report", "compliance", "--tenant", "acme"}, "ana")["devices"], 2);
  RunResult r = Ctl({"report", "compliance", "--tenant", "acme", "--devices"}, "ana");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("may not report.compliance"));
  r = Ctl({"report", "device", ids_["laptop"]}, "ana");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("may not report.device"));
  // Another tenant's admin learns nothing, not even that the device exists.
  r = Ctl({"report", "device", ids_["laptop"]}, "bert");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no device " + ids_["laptop"]));
  r = Ctl({"report", "compliance", "--tenant", "acme"}, "bert");
  EXPECT_EQ(r.exit_code, 1);
  r = Ctl({"report", "compliance"}, "tara");  // every tenant: msp-admin only
  EXPECT_EQ(r.exit_code, 1);
  ASSERT_EQ(Ctl({"report", "device", ids_["laptop"]}, "tara").exit_code, 0);

  const nlohmann::json audit = Json({"audit", "--tenant", "acme"});
  std::vector<std::string> reports;
  for (const nlohmann::json& e : audit) {
    const std::string action = e["action"];
    if (action.rfind("report.", 0) == 0) {
      reports.push_back(e["actor"].get<std::string>() + " " + action + " " +
                        e["detail"].get<std::string>() + " " + e["outcome"].get<std::string>());
    }
    EXPECT_GT(e["at_ms"].get<int64_t>(), 0);
  }
  EXPECT_THAT(reports, ::testing::Contains("tara (tenant-admin of acme) report.compliance "
                                           "group= devices=yes ok"));
  EXPECT_THAT(reports, ::testing::Contains(::testing::StartsWith(
                           "ana (analyst of acme) report.compliance group= devices=yes refused")));
  EXPECT_THAT(reports, ::testing::Contains("tara (tenant-admin of acme) report.device " +
                                           ids_["laptop"] + " ok"));
}

TEST_F(ReportTest, ExportSinceStreamsJsonLinesForASiem) {
  RunResult r = candor::testing::Run({CANDOR_SERVER_BIN, "export", "--config",
                                      (install() / "server.yaml").string(), "--since", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t lines = 0;
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    const nlohmann::json event = nlohmann::json::parse(line);
    EXPECT_EQ(event["tenant"], "acme");
    ++lines;
  }
  EXPECT_EQ(lines, 3u);
  r = candor::testing::Run({CANDOR_SERVER_BIN, "export", "--config",
                            (install() / "server.yaml").string(), "--since",
                            "2999-01-01T00:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  r = candor::testing::Run({CANDOR_SERVER_BIN, "export", "--config",
                            (install() / "server.yaml").string(), "--since", "last tuesday"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--since: expected a time like"));
}

}  // namespace
}  // namespace candor::testing
