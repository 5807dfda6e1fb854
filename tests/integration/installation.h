#pragma once

// A fresh installation for integration tests: `candor-server init` in a temporary
// directory, the real candor-server running on a loopback port with tenants acme and beta,
// and helpers that run candorctl and candor-agent against it.

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "candor/v1/agent_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"
#include "tests/support/temp_dir.h"

namespace candor::testing {

namespace fs = std::filesystem;

class Installation : public ::testing::Test {
 protected:
  void SetUp() override {
    const RunResult init =
        candor::testing::Run({CANDOR_SERVER_BIN, "init", "--dir", install().string(), "--listen",
                              "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--admin", "mia"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    server_ = std::make_unique<ServerUnderTest>(install() / "server.yaml");
    ASSERT_EQ(Ctl({"tenant", "create", "acme"}).exit_code, 0);
    ASSERT_EQ(Ctl({"tenant", "create", "beta"}).exit_code, 0);
  }

  fs::path install() const { return dir_.path() / "install"; }
  std::string server() const { return "localhost:" + std::to_string(server_->port()); }

  // candorctl as `admin` (a certificate made in install()).
  RunResult Ctl(std::vector<std::string> args, const std::string& admin = "mia") {
    std::vector<std::string> argv = {CANDOR_CTL_BIN,
                                     "--server",
                                     server(),
                                     "--ca",
                                     (install() / "ca.pem").string(),
                                     "--cert",
                                     (install() / (admin + ".pem")).string(),
                                     "--cert-key",
                                     (install() / (admin + ".key")).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return candor::testing::Run(argv);
  }

  std::string Token(const std::string& tenant, int uses, const std::string& admin = "mia") {
    const RunResult r =
        Ctl({"token", "create", "--tenant", tenant, "--uses", std::to_string(uses), "--ttl", "1h"},
            admin);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  RunResult Enroll(const fs::path& state_dir, const std::string& token) {
    return candor::testing::Run({CANDOR_AGENT_BIN, "enroll", "--server", server(), "--ca",
                                 (install() / "ca.pem").string(), "--token", token, "--state-dir",
                                 state_dir.string()});
  }

  // An agent config that uses the enrolled identity (no tls section), with a local policy
  // file (version 2) or without one, and `extra` lines.
  fs::path AgentConfig(const fs::path& state_dir, bool local_policy = true,
                       const std::string& extra = "") {
    const fs::path config = state_dir.string() + ".yaml";
    std::ofstream out(config);
    out << "server: " << server() << "\nstate_dir: " << state_dir.string()
        << "\nconnect_timeout: 10s\n"
        << extra;
    if (local_policy) {
      WritePolicy(dir_.path(), 2);
      out << "policy: " << (dir_.path() / "policy.yaml").string() << "\n";
    }
    return config;
  }

  void AdminCert(const std::string& name, const std::string& role, const std::string& tenant) {
    std::vector<std::string> argv = {CANDOR_SERVER_BIN, "admin-cert",
                                     "--config",        (install() / "server.yaml").string(),
                                     "--name",          name,
                                     "--role",          role,
                                     "--out",           install().string()};
    if (!tenant.empty()) argv.insert(argv.end(), {"--tenant", tenant});
    const RunResult r = candor::testing::Run(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  nlohmann::json Devices(const std::string& tenant = "") {
    std::vector<std::string> args = {"device", "list", "--format", "json"};
    if (!tenant.empty()) args.insert(args.end(), {"--tenant", tenant});
    const RunResult r = Ctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  static std::string DeviceId(const fs::path& state_dir) {
    std::ifstream in(state_dir / "identity" / "device.json");
    return nlohmann::json::parse(in)["device_id"];
  }

  TempDir dir_;
  std::unique_ptr<ServerUnderTest> server_;
};

// A stub that connects with the identity `candor-agent enroll` stored in `identity`.
inline std::unique_ptr<v1::AgentService::Stub> DeviceStub(const fs::path& identity, int port) {
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = read(identity / "ca.pem");
  tls.pem_cert_chain = read(identity / "device.pem");
  tls.pem_private_key = read(identity / "device.key");
  return v1::AgentService::NewStub(
      grpc::CreateChannel("localhost:" + std::to_string(port), grpc::SslCredentials(tls)));
}

}  // namespace candor::testing
