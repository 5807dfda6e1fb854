// Ingest rate through the server's real write path (Ingest::Prepare: validation and facts
// JSON on the device's thread; BatchWriter: group commit on the writer thread; the store),
// without gRPC and TLS: SERVERS "servers" in this process, each with its own store (for
// PostgreSQL its own connection pool, as a separate candor-server process would have) and
// its own BatchWriter, on one database. DEVICES simulated devices, spread over the servers,
// each sending BATCHES batches of 50 typical events and waiting for each ack (as an agent
// with one batch in flight does).
//
// Usage: bench_ingest STORAGE [SERVERS] [DEVICES] [BATCHES]
//   STORAGE: a SQLite file (removed first; one server only) or a postgres:// URI of an
//   empty database.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "scripts/bench/typical_event.h"
#include "service/batch_writer.h"
#include "service/ingest.h"
#include "service/metrics.h"
#include "service/storage/open_store.h"

namespace {

namespace cs = candor::service;
namespace v1 = candor::v1;
using Steady = std::chrono::steady_clock;

constexpr int kEventsPerBatch = 50;

v1::EventBatch Batch(uint64_t first) {
  v1::EventBatch batch;
  batch.set_first_seq(first);
  batch.set_last_seq(first + kEventsPerBatch - 1);
  for (uint64_t seq = first; seq < first + kEventsPerBatch; ++seq) {
    v1::Event event = candor::bench::TypicalEvent(absl::StrCat("c", seq % 50));
    event.set_seq(seq);
    *batch.add_events() = std::move(event);
  }
  return batch;
}

struct Server {
  cs::ServerMetrics metrics;  // counted as in candor-server, not reported
  std::unique_ptr<cs::Storage> store;
  std::unique_ptr<cs::Ingest> ingest;
  std::unique_ptr<cs::BatchWriter> writer;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s STORAGE [SERVERS] [DEVICES] [BATCHES]\n", argv[0]);
    return 2;
  }
  const std::string storage = argv[1];
  const int servers = argc > 2 ? std::atoi(argv[2]) : 1;
  const int devices = argc > 3 ? std::atoi(argv[3]) : 64;
  const int batches = argc > 4 ? std::atoi(argv[4]) : 100;
  if (!cs::IsPostgresUri(storage)) {
    if (servers != 1) {
      std::fprintf(stderr, "bench_ingest: SQLite belongs to one server\n");
      return 2;
    }
    std::filesystem::remove(storage);
  }
  std::vector<Server> fleet(static_cast<size_t>(servers));
  for (Server& s : fleet) {
    auto store = cs::OpenStorage(storage, {});
    if (!store.ok()) {
      std::fprintf(stderr, "bench_ingest: %s\n", std::string(store.status().message()).c_str());
      return 1;
    }
    s.store = std::move(*store);
    s.ingest = std::make_unique<cs::Ingest>(*s.store, [] { return cs::EventStore::Clock::now(); });
    s.writer = std::make_unique<cs::BatchWriter>(*s.ingest, s.metrics);
  }

  std::atomic<int> failures{0};
  const auto start = Steady::now();
  std::vector<std::thread> threads;
  for (int d = 0; d < devices; ++d) {
    threads.emplace_back([&, d] {
      Server& server = fleet[static_cast<size_t>(d % servers)];
      const cs::DeviceIdentity device{"bench", absl::StrCat("device-", d)};
      for (int b = 0; b < batches; ++b) {
        auto prepared =
            server.ingest->Prepare(device, Batch(1 + static_cast<uint64_t>(b) * kEventsPerBatch));
        if (!prepared.ok()) {
          ++failures;
          return;
        }
        std::promise<bool> acked;
        server.writer->Submit(device, std::move(*prepared),
                              [&](absl::StatusOr<uint64_t> r) { acked.set_value(r.ok()); });
        if (!acked.get_future().get()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
  const double events = static_cast<double>(devices) * batches * kEventsPerBatch;
  std::printf(
      "%s, %d server(s), %d devices x %d batches of %d: %.0f events in %.2f s = %.0f "
      "events/s (%d failed batches)\n",
      cs::IsPostgresUri(storage) ? "PostgreSQL" : "SQLite", servers, devices, batches,
      kEventsPerBatch, events, seconds, events / seconds, failures.load());
  return failures.load() == 0 ? 0 : 1;
}
