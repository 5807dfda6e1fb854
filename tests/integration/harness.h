#pragma once

// What the integration tests share: a throwaway PKI made by scripts/dev-pki.sh, the real
// candor-server binary started on port 0, agent configs, and gRPC clients with chosen
// certificates for the negative cases. Everything stays on loopback and in temp dirs.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "candor/v1/agent_service.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/support/http_get.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace candor::testing {

// Creates ca, server, device and rogue certificates in `dir` with scripts/dev-pki.sh.
void MakePki(const std::filesystem::path& dir);

// The device URI that dev-pki.sh put in device.pem.
std::string DeviceUri(const std::filesystem::path& pki);

// candor-server running on 127.0.0.1:`port` (0: any free port) with SQLite storage in
// `dir`; `extra_config` is appended to its config file.
class ServerUnderTest {
 public:
  ServerUnderTest(const std::filesystem::path& dir, const std::filesystem::path& pki, int port = 0,
                  const std::string& extra_config = "");
  // With a config written elsewhere (candor-server init's); its listen port must be 0.
  explicit ServerUnderTest(const std::filesystem::path& config);
  int port() const { return port_; }
  // The port of its /metrics endpoint (0 when metrics_listen is off). The tests' servers
  // serve metrics on 127.0.0.1:0 unless `extra_config` sets metrics_listen.
  int metrics_port() const { return metrics_port_; }
  const std::filesystem::path& config() const { return config_; }
  // SIGTERM and wait; the exit code (-1 if it did not exit in time).
  int Stop();
  // SIGKILL: no chance to finish anything.
  void Kill();
  std::string err() const { return process_ ? process_->err() : ""; }

 private:
  void Start();

  std::filesystem::path config_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
  int metrics_port_ = 0;
};

// Writes `dir`/policy.yaml: one os_info check every `interval`, at `version`.
void WritePolicy(const std::filesystem::path& dir, int version, const std::string& interval = "1h");

// Writes `dir`/policy.yaml with `checks` os_info checks (ids `prefix`0, `prefix`1, ...)
// every `interval`.
void WriteManyChecksPolicy(const std::filesystem::path& dir, int version, int checks,
                           const std::string& interval, const std::string& prefix = "c");

// Writes an agent config for `port` using the device certificate `cert_name` (e.g.
// "device" or "rogue-device") and `ca_name` to verify the server; the policy is
// `dir`/policy.yaml (version 2 unless written before). `extra` is appended as is.
std::filesystem::path WriteAgentConfig(const std::filesystem::path& dir,
                                       const std::filesystem::path& pki, int port,
                                       const std::string& cert_name = "device",
                                       const std::string& ca_name = "ca",
                                       const std::string& extra = "");

RunResult RunAgentOnce(const std::filesystem::path& agent_config);

// `candor-server export --format jsonl`, parsed.
std::vector<nlohmann::json> ExportEvents(const std::filesystem::path& server_config);

// An agent spool that commits every 20 ms and reconnects within 2 s: for tests that
// kill or stop agents and count what arrived (WriteAgentConfig's `extra`).
inline constexpr char kFastSpool[] = "spool:\n  sync_interval_ms: 20\nreconnect_max_backoff: 2s\n";

// Waits until the server holds at least `count` events (or `timeout`); the events it holds.
std::vector<nlohmann::json> WaitForEvents(const std::filesystem::path& server_config, size_t count,
                                          std::chrono::seconds timeout);

// The seqs of exported events, in export order; and first..last, for comparing with them.
std::vector<uint64_t> Seqs(const std::vector<nlohmann::json>& events);
std::vector<uint64_t> Range(uint64_t first, uint64_t last);

// The seq `candor-agent --once` says the server acknowledged everything up to (0: none).
uint64_t DeliveredUpTo(const RunResult& run);

// Waits until an agent with state directory `state_dir` has published its policy
// (public/policy.yaml), i.e. it is past start-up and holds its stop signals. The caller
// removes the file before starting the agent. False after `timeout`.
bool WaitForPublishedPolicy(const std::filesystem::path& state_dir, std::chrono::seconds timeout);

// A stub connected with the given client certificate ("" for none).
std::unique_ptr<v1::AgentService::Stub> MakeStub(const std::filesystem::path& pki, int port,
                                                 const std::string& cert_name);

}  // namespace candor::testing
