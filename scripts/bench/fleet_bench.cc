// The server at fleet scale (issue 10): a load generator, in its own process, that opens
// AGENTS concurrent agent streams over mutual TLS to a running candor-server on loopback
// and measures, from outside, what the server process pays:
//   - its resident memory per connected agent: VmRSS with every stream open, idle, minus
//     VmRSS before the first one, divided by AGENTS (and again after the load, when every
//     connection has carried traffic);
//   - events stored per second with every stream active: each agent sends BATCHES batches of
//     EVENTS events (a full collection of EVENTS checks each), one batch in flight, the next
//     when the previous one is acknowledged (the server acks only after its commit). The
//     clock runs from the first batch to the last ack;
//   - CPU time of the server and of this generator during the load, from /proc and getrusage.
//
// Each simulated agent has its own EC P-256 key, a device certificate from the server's CA
// (what enrollment issues) and its own TLS connection; they run on gRPC's callback API, so
// this process needs no thread per agent. The script scripts/bench/fleet.sh starts the
// server and runs this.
//
// Usage: bench_fleet INSTALL_DIR TARGET SERVER_PID [AGENTS] [BATCHES] [EVENTS]
//   INSTALL_DIR: the server's installation (ca.pem, ca.key from `candor-server init`)
//   TARGET: host:port of the server; SERVER_PID: its process, for /proc/PID
//   defaults: 10,000 agents, 10 batches, 50 events per batch

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "candor/v1/agent_service.grpc.pb.h"
#include "config/read_file.h"
#include "grpcpp/security/credentials.h"
#include "scripts/bench/simulated_devices.h"
#include "scripts/bench/typical_event.h"
#include "service/open_files.h"
#include "service/pki/certificate_authority.h"

namespace {

namespace v1 = candor::v1;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& why) {
  std::cerr << "bench_fleet: " << why << std::endl;
  std::fflush(stdout);
  std::_Exit(1);  // not exit(): gRPC's threads are still running callbacks on the agents
}

std::string Read(const fs::path& path) {
  auto text = candor::config::ReadBoundedFile(path, 1 << 20, "pem");
  if (!text.ok()) Die(std::string(text.status().message()));
  return *text;
}

// VmRSS of a process, in KiB.
int64_t RssKib(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  Die(absl::StrCat("no VmRSS for process ", pid, " (did the server exit?)"));
}

// utime + stime of a process, in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may contain spaces.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// What the simulated agents report to the main thread.
struct Fleet {
  std::mutex mu;
  std::condition_variable cv;
  int connecting = 0;
  size_t connected = 0;
  size_t finished = 0;  // agents whose every batch was acknowledged
  size_t failed = 0;    // streams that ended early
  std::string first_failure;
};

class SimulatedAgent final : public grpc::ClientBidiReactor<v1::AgentMessage, v1::ServerMessage> {
 public:
  SimulatedAgent(v1::AgentService::Stub* stub, const v1::EventBatch& collection, Fleet& fleet)
      : collection_(collection), fleet_(fleet) {
    stub->async()->Connect(&context_, this);
    out_.mutable_hello()->set_agent_version("bench-fleet");
    writing_ = true;
    StartWrite(&out_);
    StartRead(&in_);
    StartCall();
  }

  // Sends `batches` collections, each after the previous one's ack.
  void Go(int batches) {
    std::lock_guard<std::mutex> lock(mu_);
    remaining_ = batches;
    SendNextIfReady();
  }
  void Cancel() { context_.TryCancel(); }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;       // OnDone follows
    if (!in_.has_ack()) {  // a policy offer: this bench pushes none
      StartRead(&in_);
      return;
    }
    const uint64_t up_to = in_.ack().up_to_seq();
    StartRead(&in_);
    std::lock_guard<std::mutex> lock(mu_);
    if (!connected_) {
      connected_ = true;
      next_seq_ = up_to + 1;  // the server's highest stored seq for this device
      std::lock_guard<std::mutex> fleet_lock(fleet_.mu);
      --fleet_.connecting;
      ++fleet_.connected;
      fleet_.cv.notify_all();
      return;
    }
    if (up_to + 1 != next_seq_) return;  // an ack of an earlier batch (never with one in flight)
    acked_ = true;
    if (remaining_ == 0) {
      std::lock_guard<std::mutex> fleet_lock(fleet_.mu);
      ++fleet_.finished;
      fleet_.cv.notify_all();
      return;
    }
    SendNextIfReady();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return;
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    SendNextIfReady();
  }
  void OnDone(const grpc::Status& status) override {
    bool connected;
    {
      std::lock_guard<std::mutex> lock(mu_);
      connected = connected_;
    }
    {
      std::lock_guard<std::mutex> fleet_lock(fleet_.mu);
      if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
        ++fleet_.failed;
        if (fleet_.first_failure.empty()) fleet_.first_failure = status.error_message();
      }
      if (!connected) --fleet_.connecting;
      fleet_.cv.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

 private:
  // mu_ held. One batch at a time: the previous write is done and its ack is in.
  void SendNextIfReady() {
    if (writing_ || !acked_ || remaining_ == 0) return;
    --remaining_;
    acked_ = false;
    writing_ = true;
    // The same collection each time, renumbered: copied into the message once, as an agent
    // builds each event once, so the generator's CPU goes to the stream.
    if (!out_.has_batch()) *out_.mutable_batch() = collection_;
    v1::EventBatch& batch = *out_.mutable_batch();
    batch.set_first_seq(next_seq_);
    for (v1::Event& event : *batch.mutable_events()) event.set_seq(next_seq_++);
    batch.set_last_seq(next_seq_ - 1);
    StartWrite(&out_);
  }

  const v1::EventBatch& collection_;
  Fleet& fleet_;
  grpc::ClientContext context_;
  v1::AgentMessage out_;
  v1::ServerMessage in_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;
  bool writing_ = false;
  bool acked_ = true;
  int remaining_ = 0;
  uint64_t next_seq_ = 1;
  bool done_ = false;
};

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) Die("usage: bench_fleet INSTALL_DIR TARGET SERVER_PID [AGENTS] [BATCHES] [EVENTS]");
  const fs::path install = argv[1];
  const std::string target = argv[2];
  const pid_t server_pid = static_cast<pid_t>(std::stol(argv[3]));
  const size_t agents = argc > 4 ? std::stoul(argv[4]) : 10'000;
  const int batches = argc > 5 ? std::stoi(argv[5]) : 10;
  const int events = argc > 6 ? std::stoi(argv[6]) : 50;
  constexpr int kConnectingAtOnce = 200;  // TLS handshakes in flight
  // As candor-server does (service/main.cc): Debian's abseil checks every mutex acquisition
  // for lock-order cycles, which gRPC's internal mutexes pay for.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress as it happens, also into a file

  if (candor::service::RaiseOpenFileLimit() < agents + 256) {
    Die("too few file descriptors for that many agents");
  }

  // One full collection: EVENTS checks' results, observed now.
  v1::EventBatch collection;
  for (int i = 0; i < events; ++i) {
    *collection.add_events() = candor::bench::TypicalEvent(absl::StrCat("check_", i));
  }

  // AGENTS device identities from the server's CA.
  const std::string ca_pem = Read(install / "ca.pem");
  auto ca = candor::service::CertificateAuthority::Load(install / "ca.pem", install / "ca.key");
  if (!ca.ok()) Die(std::string(ca.status().message()));
  const Steady::time_point issue_start = Steady::now();
  std::vector<grpc::SslCredentialsOptions> identities;
  identities.reserve(agents);
  for (size_t i = 0; i < agents; ++i) {
    auto tls = candor::bench::DeviceCredentials(**ca, ca_pem, "acme", i);
    if (!tls.ok()) Die(std::string(tls.status().message()));
    identities.push_back(*std::move(tls));
  }
  std::printf("issued %zu device certificates in %.1f s\n", agents,
              Seconds(Steady::now() - issue_start));

  const int64_t rss_before = RssKib(server_pid);
  Fleet fleet;
  std::vector<std::unique_ptr<v1::AgentService::Stub>> stubs;
  std::vector<std::unique_ptr<SimulatedAgent>> simulated;
  const Steady::time_point connect_start = Steady::now();
  for (size_t i = 0; i < agents; ++i) {
    {
      std::unique_lock<std::mutex> lock(fleet.mu);
      if (!fleet.cv.wait_for(lock, std::chrono::minutes(1),
                             [&] { return fleet.connecting < kConnectingAtOnce; })) {
        Die("connections stalled");
      }
      if (fleet.failed > 0) Die(absl::StrCat("an agent failed: ", fleet.first_failure));
      ++fleet.connecting;
    }
    stubs.push_back(candor::bench::AgentStub(target, identities[i]));
    simulated.push_back(std::make_unique<SimulatedAgent>(stubs.back().get(), collection, fleet));
  }
  identities.clear();
  {
    std::unique_lock<std::mutex> lock(fleet.mu);
    if (!fleet.cv.wait_for(lock, std::chrono::minutes(5),
                           [&] { return fleet.connected + fleet.failed == agents; }) ||
        fleet.failed > 0) {
      Die(absl::StrCat("only ", fleet.connected, " of ", agents, " agents connected (",
                       fleet.first_failure, ")"));
    }
  }
  std::printf("%zu agents connected over mutual TLS in %.1f s\n", agents,
              Seconds(Steady::now() - connect_start));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // let the server settle
  const int64_t rss_connected = RssKib(server_pid);

  if (batches == 0) {
    std::printf(
        "server RSS: %.1f MiB before the agents, %.1f MiB with %zu connected: %.1f KiB "
        "per agent\n",
        rss_before / 1024.0, rss_connected / 1024.0, agents,
        static_cast<double>(rss_connected - rss_before) / static_cast<double>(agents));
    for (auto& agent : simulated) agent->Cancel();
    for (auto& agent : simulated) agent->Wait();
    return 0;
  }

  // The load: every agent sends its collections at once, one batch in flight each.
  std::atomic<bool> loading{true};
  std::atomic<int64_t> rss_peak{rss_connected};
  std::thread sampler([&] {
    while (loading.load()) {
      rss_peak.store(std::max(rss_peak.load(), RssKib(server_pid)));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const double server_cpu_start = CpuSeconds(server_pid);
  const double own_cpu_start = OwnCpuSeconds();
  const Steady::time_point load_start = Steady::now();
  for (auto& agent : simulated) agent->Go(batches);
  {
    std::unique_lock<std::mutex> lock(fleet.mu);
    if (!fleet.cv.wait_for(lock, std::chrono::minutes(10),
                           [&] { return fleet.finished + fleet.failed == agents; }) ||
        fleet.failed > 0) {
      Die(absl::StrCat("only ", fleet.finished, " of ", agents,
                       " agents had every batch acknowledged within 10 minutes (", fleet.failed,
                       " failed: ", fleet.first_failure, ")"));
    }
  }
  const double load_seconds = Seconds(Steady::now() - load_start);
  const double server_cpu = CpuSeconds(server_pid) - server_cpu_start;
  const double own_cpu = OwnCpuSeconds() - own_cpu_start;
  loading.store(false);
  sampler.join();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const int64_t rss_after = RssKib(server_pid);

  const double total = static_cast<double>(agents) * batches * events;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const auto per_agent = [&](int64_t kib) {
    return static_cast<double>(kib - rss_before) / static_cast<double>(agents);
  };
  std::printf(
      "server RSS: %.1f MiB before the agents, %.1f MiB with %zu connected (idle), "
      "%.1f MiB peak under load, %.1f MiB after it\n",
      rss_before / 1024.0, rss_connected / 1024.0, agents, rss_peak.load() / 1024.0,
      rss_after / 1024.0);
  std::printf("server RSS per connected agent: %.1f KiB idle, %.1f KiB after the load\n",
              per_agent(rss_connected), per_agent(rss_after));
  std::printf(
      "%zu agents x %d batches x %d events: %.0f events acknowledged (stored) in "
      "%.2f s = %.0f events/s\n",
      agents, batches, events, total, load_seconds, total / load_seconds);
  std::printf(
      "CPU during the load: server %.1f s (%.2f us per event), generator %.1f s "
      "(%.2f us per event), %.0f%% of the machine's %u cores together\n",
      server_cpu, server_cpu * 1e6 / total, own_cpu, own_cpu * 1e6 / total,
      100.0 * (server_cpu + own_cpu) / (load_seconds * cores), cores);
  std::fflush(stdout);

  for (auto& agent : simulated) agent->Cancel();
  for (auto& agent : simulated) agent->Wait();
  return 0;
}
