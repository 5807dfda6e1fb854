// Events delivered per second from one agent to the server over mutual TLS on loopback
// (issue 5), side by side with a bare gRPC sink that receives the same messages over the
// same TLS and stores nothing. Both runs send the same spool (a copy each) with the real
// Uplink; the server run is the real candor-server code (Server::Start) storing durably
// in SQLite (WAL, synchronous=FULL), with the per-device rate limit off. The figure that
// matters is the ratio: what storing costs the agent's delivery rate. A third run sends to
// the sink with the agent keeping its ledger (issue 9: every acknowledged event written,
// decoded, to state_dir/public/ledger and fsynced before the spool lets it go): what the
// ledger costs the agent.
//
// Usage: bench_delivery DIR [EVENTS]   (DIR is emptied; default 200,000 events)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/ledger.h"
#include "agent/public_dir.h"
#include "agent/spool.h"
#include "agent/uplink.h"
#include "candor/v1/agent_service.grpc.pb.h"
#include "config/read_file.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "proto/limits.h"
#include "scripts/bench/typical_event.h"
#include "service/server.h"

namespace {

namespace ca = candor::agent;
namespace v1 = candor::v1;
using Steady = std::chrono::steady_clock;

std::string Read(const std::filesystem::path& path) {
  auto text = candor::config::ReadBoundedFile(path, 1 << 20, "pem");
  if (!text.ok()) std::exit(1);
  return *text;
}

// The baseline: acknowledges every batch at once, stores nothing.
class SinkService final : public v1::AgentService::CallbackService {
  class Stream final : public grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage> {
   public:
    Stream() { StartRead(&in_); }
    void OnReadDone(bool ok) override {
      if (!ok) return Finish(grpc::Status::OK);
      out_.mutable_ack()->set_up_to_seq(in_.has_batch() ? in_.batch().last_seq() : 0);
      StartWrite(&out_);
    }
    void OnWriteDone(bool ok) override {
      if (!ok) return Finish(grpc::Status::CANCELLED);
      StartRead(&in_);
    }
    void OnDone() override { delete this; }

   private:
    v1::AgentMessage in_;
    v1::ServerMessage out_;
  };

 public:
  grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>* Connect(
      grpc::CallbackServerContext*) override {
    return new Stream();
  }
};

struct Sink {
  SinkService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

std::unique_ptr<Sink> StartSink(const std::filesystem::path& pki) {
  auto sink = std::make_unique<Sink>();
  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = Read(pki / "ca.pem");
  tls.pem_key_cert_pairs.push_back({Read(pki / "server.key"), Read(pki / "server.pem")});
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls), &sink->port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(v1::kMaxMessageBytes));
  builder.RegisterService(&sink->service);
  sink->server = builder.BuildAndStart();
  return sink;
}

// Sends a fresh copy of the template spool to 127.0.0.1:`port`; events per second.
double Deliver(const std::filesystem::path& dir, const std::filesystem::path& pki, int port,
               const std::string& run, size_t events, bool ledger = false) {
  const std::filesystem::path state = dir / run;
  std::filesystem::copy(dir / "template", state, std::filesystem::copy_options::recursive);
  auto spool = ca::Spool::Open(state);
  if (!spool.ok() || (*spool)->sendable_count() != events) std::exit(1);
  candor::config::AgentConfig config;
  config.server = candor::config::HostPort{"localhost", static_cast<uint16_t>(port)};
  config.tls = {pki / "ca.pem", pki / "device.pem", pki / "device.key"};
  auto uplink = ca::Uplink::Create(config, "bench");
  if (!uplink.ok()) std::exit(1);
  std::unique_ptr<ca::LedgerWriter> writer;
  if (ledger) {
    if (!ca::PreparePublicDir(state).ok()) std::exit(1);
    // Big enough that no file is dropped during the run.
    auto opened =
        ca::LedgerWriter::Open(ca::PublicDir(state) / "ledger", {.max_bytes = uint64_t{1} << 30},
                               [] { return std::chrono::system_clock::now(); });
    if (!opened.ok()) std::exit(1);
    writer = std::move(*opened);
    (*uplink)->SetAckListener([&writer](std::vector<v1::Event> acked, uint64_t) {
      if (!writer->Record(acked).ok()) std::exit(1);
    });
  }
  const auto start = Steady::now();
  absl::Status sent =
      (*uplink)->Flush(**spool, std::chrono::system_clock::now() + std::chrono::minutes(10));
  const double took = std::chrono::duration<double>(Steady::now() - start).count();
  if (!sent.ok() || (*spool)->pending_count() != 0) {
    std::fprintf(stderr, "%s: %s\n", run.c_str(), std::string(sent.message()).c_str());
    std::exit(1);
  }
  std::filesystem::remove_all(state);
  return static_cast<double>(events) / took;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [EVENTS]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const size_t events = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 200'000;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "template");
  const std::filesystem::path pki = dir / "pki";
  const std::string make_pki =
      "bash " CANDOR_SOURCE_DIR "/scripts/dev-pki.sh " + pki.string() + " >/dev/null";
  if (std::system(make_pki.c_str()) != 0) return 1;
  {
    auto spool = ca::Spool::Open(dir / "template");
    if (!spool.ok()) return 1;
    for (size_t i = 0; i < events; ++i) {
      if (!(*spool)->Append(candor::bench::TypicalEvent(absl::StrCat("c", i % 50))).ok()) return 1;
    }
    if (!(*spool)->Sync().ok()) return 1;
  }

  double best_server = 0;
  double best_sink = 0;
  double best_ledger = 0;
  for (int round = 0; round < 3; ++round) {
    candor::service::ServerConfig config;
    config.listen = candor::config::HostPort{"127.0.0.1", 0};
    config.tls = {pki / "server.pem", pki / "server.key", pki / "ca.pem"};
    config.storage = dir / ("server-" + std::to_string(round) + ".db");
    config.device_limits.events_per_second = 0;
    config.metrics_listen.reset();  // counted all the same; no endpoint to collide on 9464
    auto server = candor::service::Server::Start(config);
    if (!server.ok()) return 1;
    const double stored = Deliver(dir, pki, (*server)->port(), "server", events);
    (*server)->Shutdown(std::chrono::milliseconds(100));
    auto sink = StartSink(pki);
    const double acked = Deliver(dir, pki, sink->port, "sink", events);
    auto ledger_sink = StartSink(pki);
    const double with_ledger = Deliver(dir, pki, ledger_sink->port, "ledger", events, true);
    ledger_sink->server->Shutdown();
    std::printf(
        "round %d: server (stores in SQLite) %8.0f events/s, bare sink %8.0f events/s, "
        "sink with the agent's ledger %8.0f events/s\n",
        round + 1, stored, acked, with_ledger);
    best_server = std::max(best_server, stored);
    best_sink = std::max(best_sink, acked);
    best_ledger = std::max(best_ledger, with_ledger);
  }
  std::printf("best of 3: server %.0f events/s, sink %.0f events/s, ratio %.2f\n", best_server,
              best_sink, best_server / best_sink);
  std::printf("best of 3: sink with ledger %.0f events/s, without %.0f, ratio %.2f\n", best_ledger,
              best_sink, best_ledger / best_sink);
  std::filesystem::remove_all(dir);
  return 0;
}
