// Policy push latency (issue 8): from the admin's push (signing included, as candorctl
// does it) until each of N connected agents has the new policy verified and parsed and
// has told the server it applied it. The server is the real candor-server code
// (Server::Start, made by InitServer) on loopback with mutual TLS; the agents are N
// simulated ones in this process, each with its own device certificate and its own TLS
// connection, on gRPC's callback API. Each simulated agent checks the Ed25519 signature
// against its pinned key and parses the policy with the agent's own validation, as the
// real agent does, but does not write it to disk (N agents share this machine's one disk
// and two cores here; each real agent has its own).
//
// Usage: bench_policy_push DIR [AGENTS] [PUSHES]   (DIR is emptied; default 1,000 and 5)

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "candor/v1/admin.grpc.pb.h"
#include "candor/v1/agent_service.grpc.pb.h"
#include "collectors/builtin.h"
#include "config/keys.h"
#include "config/policy.h"
#include "config/policy_signature.h"
#include "config/read_file.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "scripts/bench/simulated_devices.h"
#include "service/init_command.h"
#include "service/open_files.h"
#include "service/pki/certificate_authority.h"
#include "service/server.h"
#include "service/server_config.h"

namespace {

namespace v1 = candor::v1;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& why) {
  std::cerr << "bench_policy_push: " << why << "\n";
  std::exit(1);
}

std::string Read(const fs::path& path) {
  auto text = candor::config::ReadBoundedFile(path, 1 << 20, "pem");
  if (!text.ok()) Die(std::string(text.status().message()));
  return *text;
}

std::string PolicyText(uint64_t version) {
  std::string text = absl::StrCat(
      "apiVersion: candor/v1\nkind: Policy\nmetadata: {name: fleet, tenant: acme, version: ",
      version, "}\nnotice: Benchmark policy.\ndefaults: {interval: 1h}\nchecks:\n");
  for (const char* collector : {"os_info", "disk_encryption", "firewall", "screen_lock",
                                "auto_updates", "ssh_server", "time_sync", "local_admins"}) {
    absl::StrAppend(&text, "  - {id: ", collector, ", collector: ", collector, "}\n");
  }
  return text;
}

// Shared by the simulated agents: when each applied which version.
struct Results {
  std::mutex mu;
  std::condition_variable cv;
  size_t connected = 0;
  uint64_t version = 0;  // the push being measured
  std::vector<Steady::time_point> applied;
  size_t refused = 0;
};

class SimulatedAgent final : public grpc::ClientBidiReactor<v1::AgentMessage, v1::ServerMessage> {
 public:
  SimulatedAgent(v1::AgentService::Stub* stub, const std::vector<candor::config::PolicyKey>& keys,
                 const candor::config::CollectorCatalog& catalog, Results& results)
      : keys_(keys), catalog_(catalog), results_(results) {
    stub->async()->Connect(&context_, this);
    out_.mutable_hello()->set_agent_version("bench");
    StartWrite(&out_);
    StartRead(&in_);
    StartCall();
  }
  void Cancel() { context_.TryCancel(); }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (in_.has_ack() && !connected_) {
      connected_ = true;
      std::lock_guard<std::mutex> lock(results_.mu);
      ++results_.connected;
      results_.cv.notify_all();
    }
    if (in_.has_policy_update()) Apply(in_.policy_update().policy());
    StartRead(&in_);
  }
  void OnWriteDone(bool) override {}
  void OnDone(const grpc::Status&) override {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

 private:
  void Apply(const v1::SignedPolicy& policy) {
    absl::Status verified = candor::config::VerifyPolicySignature(
        keys_, policy.key_id(), policy.signature(), "acme", policy.group(), policy.policy_yaml());
    absl::StatusOr<candor::config::Policy> parsed =
        verified.ok() ? candor::config::ParsePolicyText(policy.policy_yaml(), "pushed", catalog_)
                      : absl::StatusOr<candor::config::Policy>(verified);
    const Steady::time_point now = Steady::now();
    if (!parsed.ok() || parsed->version <= version_) {
      std::lock_guard<std::mutex> lock(results_.mu);
      ++results_.refused;
      results_.cv.notify_all();
      return;
    }
    version_ = parsed->version;
    status_.mutable_policy_status()->set_version(version_);
    status_.mutable_policy_status()->set_applied(true);
    status_.mutable_policy_status()->set_in_force(version_);
    StartWrite(&status_);
    std::lock_guard<std::mutex> lock(results_.mu);
    if (version_ == results_.version) results_.applied.push_back(now);
    results_.cv.notify_all();
  }

  const std::vector<candor::config::PolicyKey>& keys_;
  const candor::config::CollectorCatalog& catalog_;
  Results& results_;
  grpc::ClientContext context_;
  v1::AgentMessage out_;
  v1::AgentMessage status_;
  v1::ServerMessage in_;
  bool connected_ = false;
  uint64_t version_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: bench_policy_push DIR [AGENTS] [PUSHES]");
  const fs::path dir = argv[1];
  const size_t agents = argc > 2 ? std::stoul(argv[2]) : 1000;
  const int pushes = argc > 3 ? std::stoi(argv[3]) : 5;
  // Two descriptors per agent here (client and server side) and some for the server.
  if (candor::service::RaiseOpenFileLimit() < 2 * agents + 256) {
    Die("too few file descriptors for that many agents");
  }

  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ostringstream init_out;
  candor::service::InitOptions init{.dir = dir / "install", .listen = "127.0.0.1:0"};
  init.admin = "bench";
  init.metrics_listen = "127.0.0.1:0";
  if (absl::Status s = candor::service::InitServer(init, init_out); !s.ok()) {
    Die(std::string(s.message()));
  }
  absl::StatusOr<candor::service::ServerConfig> config =
      candor::service::LoadServerConfig(dir / "install" / "server.yaml");
  if (!config.ok()) Die(std::string(config.status().message()));
  absl::StatusOr<std::unique_ptr<candor::service::Server>> server =
      candor::service::Server::Start(*config);
  if (!server.ok()) Die(std::string(server.status().message()));
  const std::string target = absl::StrCat("localhost:", (*server)->port());
  const std::string ca_pem = Read(dir / "install" / "ca.pem");

  // The admin (as candorctl), the tenant, and a signing key pinned by every agent.
  grpc::SslCredentialsOptions admin_tls{.pem_root_certs = ca_pem,
                                        .pem_private_key = Read(dir / "install" / "bench.key"),
                                        .pem_cert_chain = Read(dir / "install" / "bench.pem")};
  auto admin =
      v1::AdminService::NewStub(grpc::CreateChannel(target, grpc::SslCredentials(admin_tls)));
  {
    grpc::ClientContext context;
    v1::CreateTenantRequest request;
    request.set_tenant("acme");
    v1::CreateTenantResponse response;
    if (grpc::Status s = admin->CreateTenant(&context, request, &response); !s.ok()) {
      Die(s.error_message());
    }
  }
  const std::string signing_key = *candor::config::NewSigningKeyPem();
  const std::vector<candor::config::PolicyKey> keys = {
      *candor::config::ParsePublicKeyPin(*candor::config::PublicKeyPin(signing_key))};
  const candor::config::CollectorCatalog catalog = candor::collectors::BuiltinCatalog();

  // N device identities from the server's CA (what enrollment would have issued).
  auto ca = candor::service::CertificateAuthority::Load(dir / "install" / "ca.pem",
                                                        dir / "install" / "ca.key");
  if (!ca.ok()) Die(std::string(ca.status().message()));
  Results results;
  std::vector<std::unique_ptr<v1::AgentService::Stub>> stubs;
  std::vector<std::unique_ptr<SimulatedAgent>> fleet;
  const Steady::time_point connect_start = Steady::now();
  for (size_t i = 0; i < agents; ++i) {
    auto tls = candor::bench::DeviceCredentials(**ca, ca_pem, "acme", i);
    if (!tls.ok()) Die(std::string(tls.status().message()));
    stubs.push_back(candor::bench::AgentStub(target, *tls));
    fleet.push_back(std::make_unique<SimulatedAgent>(stubs.back().get(), keys, catalog, results));
  }
  {
    std::unique_lock<std::mutex> lock(results.mu);
    if (!results.cv.wait_for(lock, std::chrono::minutes(2),
                             [&] { return results.connected == agents; })) {
      Die(absl::StrCat("only ", results.connected, " of ", agents, " agents connected"));
    }
  }
  std::printf("%zu agents connected over mTLS in %.0f ms\n", agents,
              Ms(Steady::now() - connect_start));

  std::vector<double> all;
  std::printf("push   p50 ms   p99 ms   max ms  streams notified\n");
  for (int push = 1; push <= pushes; ++push) {
    const uint64_t version = static_cast<uint64_t>(push);
    const std::string yaml = PolicyText(version);
    {
      std::lock_guard<std::mutex> lock(results.mu);
      results.version = version;
      results.applied.clear();
    }
    const Steady::time_point start = Steady::now();
    auto signature = candor::config::SignPolicy(signing_key, "acme", "", yaml);
    v1::PushPolicyRequest request;
    request.set_tenant("acme");
    request.mutable_policy()->set_policy_yaml(yaml);
    request.mutable_policy()->set_key_id(signature->key_id);
    request.mutable_policy()->set_signature(signature->signature);
    v1::PushPolicyResponse response;
    grpc::ClientContext context;
    if (grpc::Status s = admin->PushPolicy(&context, request, &response); !s.ok()) {
      Die(s.error_message());
    }
    std::vector<double> latencies;
    {
      std::unique_lock<std::mutex> lock(results.mu);
      if (!results.cv.wait_for(lock, std::chrono::minutes(1),
                               [&] { return results.applied.size() == agents; })) {
        Die(absl::StrCat("push ", push, ": only ", results.applied.size(), " of ", agents,
                         " agents applied it within a minute (", results.refused, " refused)"));
      }
      for (const Steady::time_point t : results.applied) latencies.push_back(Ms(t - start));
    }
    all.insert(all.end(), latencies.begin(), latencies.end());
    std::printf("%4d  %7.1f  %7.1f  %7.1f  %7u\n", push, Percentile(latencies, 0.5),
                Percentile(latencies, 0.99), Percentile(latencies, 1.0),
                response.streams_notified());
  }
  const double p50 = Percentile(all, 0.5);
  const double p99 = Percentile(all, 0.99);
  std::printf("all %d pushes x %zu agents: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", pushes, agents,
              p50, p99, Percentile(all, 1.0));
  // Polling every 60 s (the comparison the issue names) waits uniformly 0-60 s.
  std::printf(
      "polling every 60 s: p50 30000 ms, p99 59400 ms -> push is %.0fx (p50), %.0fx (p99)\n",
      30000.0 / p50, 59400.0 / p99);

  for (auto& agent : fleet) agent->Cancel();
  for (auto& agent : fleet) agent->Wait();
  (*server)->Shutdown(std::chrono::milliseconds(0));
  return 0;
}
