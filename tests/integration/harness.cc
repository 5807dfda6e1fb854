#include "tests/integration/harness.h"

#include <signal.h>

#include <sstream>
#include <stdexcept>
#include <thread>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace candor::testing {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void MakePki(const std::filesystem::path& dir) {
  const RunResult r = Run({"/bin/bash", CANDOR_SOURCE_DIR "/scripts/dev-pki.sh", dir.string()});
  if (r.exit_code != 0) throw std::runtime_error("dev-pki.sh failed: " + r.err);
}

std::string DeviceUri(const std::filesystem::path& pki) {
  return Trim(ReadFile(pki / "device.uri"));
}

ServerUnderTest::ServerUnderTest(const std::filesystem::path& dir, const std::filesystem::path& pki,
                                 int port, const std::string& extra_config)
    : config_(dir / "server.yaml") {
  WriteFile(config_, "listen: 127.0.0.1:" + std::to_string(port) +
                         "\ntls:\n  cert: " + (pki / "server.pem").string() +
                         "\n  key: " + (pki / "server.key").string() +
                         "\n  client_ca: " + (pki / "ca.pem").string() +
                         "\nstorage: " + (dir / "server.db").string() + "\n" + extra_config +
                         (extra_config.find("metrics_listen") == std::string::npos
                              ? "metrics_listen: 127.0.0.1:0\n"
                              : ""));
  Start();
}

ServerUnderTest::ServerUnderTest(const std::filesystem::path& config) : config_(config) { Start(); }

void ServerUnderTest::Start() {
  process_ = std::make_unique<Process>(
      std::vector<std::string>{CANDOR_SERVER_BIN, "--config", config_.string()});
  std::optional<std::string> line =
      process_->WaitForLine("listening on 127.0.0.1:", std::chrono::seconds(30));
  if (!line) throw std::runtime_error("candor-server did not start: " + process_->err());
  port_ = std::stoi(line->substr(line->rfind(':') + 1));
  // Printed before "listening on", when metrics are on: "metrics on http://H:P/metrics".
  if (std::optional<std::string> metrics =
          process_->WaitForLine("metrics on http://", std::chrono::milliseconds(0))) {
    const std::string url = metrics->substr(0, metrics->rfind("/metrics"));
    metrics_port_ = std::stoi(url.substr(url.rfind(':') + 1));
  }
}

int ServerUnderTest::Stop() {
  return process_->Stop(SIGTERM, std::chrono::seconds(20)).value_or(-1);
}

void ServerUnderTest::Kill() { process_->Stop(SIGKILL, std::chrono::seconds(20)); }

void WriteManyChecksPolicy(const std::filesystem::path& dir, int version, int checks,
                           const std::string& interval, const std::string& prefix) {
  std::string policy =
      "apiVersion: candor/v1\nkind: Policy\nmetadata: {name: test, tenant: demo, version: " +
      std::to_string(version) + "}\nnotice: Integration test policy.\nchecks:\n";
  for (int i = 0; i < checks; ++i) {
    policy += "  - {id: " + prefix + std::to_string(i) +
              ", collector: os_info, interval: " + interval + "}\n";
  }
  WriteFile(dir / "policy.yaml", policy);
}

void WritePolicy(const std::filesystem::path& dir, int version, const std::string& interval) {
  WriteFile(dir / "policy.yaml",
            "apiVersion: candor/v1\nkind: Policy\nmetadata: {name: test, tenant: demo, version: " +
                std::to_string(version) +
                "}\nnotice: Integration test policy.\nchecks:\n  - id: os\n    collector: "
                "os_info\n    interval: " +
                interval + "\n");
}

std::filesystem::path WriteAgentConfig(const std::filesystem::path& dir,
                                       const std::filesystem::path& pki, int port,
                                       const std::string& cert_name, const std::string& ca_name,
                                       const std::string& extra) {
  const std::filesystem::path config = dir / ("agent-" + cert_name + "-" + ca_name + ".yaml");
  if (!std::filesystem::exists(dir / "policy.yaml")) WritePolicy(dir, 2);
  WriteFile(config, "server: localhost:" + std::to_string(port) +
                        "\ntls:\n  ca: " + (pki / (ca_name + ".pem")).string() +
                        "\n  cert: " + (pki / (cert_name + ".pem")).string() +
                        "\n  key: " + (pki / (cert_name + ".key")).string() +
                        "\nstate_dir: " + (dir / ("state-" + cert_name)).string() +
                        "\npolicy: policy.yaml\nconnect_timeout: 2s\n" + extra);
  return config;
}

RunResult RunAgentOnce(const std::filesystem::path& agent_config) {
  return Run({CANDOR_AGENT_BIN, "--config", agent_config.string(), "--once"},
             std::chrono::seconds(60));
}

std::vector<nlohmann::json> ExportEvents(const std::filesystem::path& server_config) {
  const RunResult r =
      Run({CANDOR_SERVER_BIN, "export", "--config", server_config.string(), "--format", "jsonl"});
  if (r.exit_code != 0) throw std::runtime_error("export failed: " + r.err);
  std::vector<nlohmann::json> events;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  return events;
}

std::vector<nlohmann::json> WaitForEvents(const std::filesystem::path& server_config, size_t count,
                                          std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<nlohmann::json> events;
  while (std::chrono::steady_clock::now() < deadline) {
    events = ExportEvents(server_config);
    if (events.size() >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return events;
}

std::vector<uint64_t> Seqs(const std::vector<nlohmann::json>& events) {
  std::vector<uint64_t> seqs;
  for (const nlohmann::json& e : events) seqs.push_back(e["seq"].get<uint64_t>());
  return seqs;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> seqs;
  for (uint64_t s = first; s <= last; ++s) seqs.push_back(s);
  return seqs;
}

uint64_t DeliveredUpTo(const RunResult& run) {
  const std::string marker = "every event up to seq ";
  const size_t at = run.out.find(marker);
  if (at == std::string::npos) return 0;
  return std::stoull(run.out.substr(at + marker.size()));
}

bool WaitForPublishedPolicy(const std::filesystem::path& state_dir, std::chrono::seconds timeout) {
  const std::filesystem::path published = state_dir / "public" / "policy.yaml";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!std::filesystem::exists(published)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::unique_ptr<v1::AgentService::Stub> MakeStub(const std::filesystem::path& pki, int port,
                                                 const std::string& cert_name) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(pki / "ca.pem");
  if (!cert_name.empty()) {
    tls.pem_cert_chain = ReadFile(pki / (cert_name + ".pem"));
    tls.pem_private_key = ReadFile(pki / (cert_name + ".key"));
  }
  return v1::AgentService::NewStub(
      grpc::CreateChannel("localhost:" + std::to_string(port), grpc::SslCredentials(tls)));
}

}  // namespace candor::testing
