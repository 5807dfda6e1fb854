// Where the server's time per stored event goes: a batch of 1,000 typical events through
// each step of ingest on its own, then the whole of it. Helps read bench_delivery.
//
// Usage: bench_store DIR [BATCHES]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "scripts/bench/typical_event.h"
#include "service/facts_json.h"
#include "service/ingest.h"
#include "service/storage/sqlite_store.h"

namespace {

using Steady = std::chrono::steady_clock;

candor::v1::EventBatch TypicalBatch(uint64_t first) {
  candor::v1::EventBatch batch;
  batch.set_first_seq(first);
  batch.set_last_seq(first + 999);
  for (uint64_t seq = first; seq < first + 1000; ++seq) {
    candor::v1::Event event = candor::bench::TypicalEvent(absl::StrCat("c", seq % 50));
    event.set_seq(seq);
    *batch.add_events() = std::move(event);
  }
  return batch;
}

template <typename F>
double MicrosPerEvent(int batches, F&& f) {
  const auto start = Steady::now();
  for (int i = 0; i < batches; ++i) f(i);
  return std::chrono::duration<double, std::micro>(Steady::now() - start).count() /
         (batches * 1000.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [BATCHES]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int batches = argc > 2 ? std::atoi(argv[2]) : 100;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<candor::v1::EventBatch> input;
  for (int i = 0; i < batches; ++i) input.push_back(TypicalBatch(1 + 1000 * uint64_t(i)));
  const std::string wire = input[0].SerializeAsString();

  size_t sink = 0;
  std::printf("parse      %.2f us/event\n", MicrosPerEvent(batches, [&](int) {
                candor::v1::EventBatch parsed;
                sink += parsed.ParseFromString(wire);
              }));
  std::printf("validate   %.2f us/event\n", MicrosPerEvent(batches, [&](int i) {
                sink += candor::service::ValidateBatch(input[i]).ok();
              }));
  std::printf("facts json %.2f us/event\n", MicrosPerEvent(batches, [&](int i) {
                for (const auto& e : input[i].events())
                  sink += candor::service::FactsToJson(e).size();
              }));
  auto store = candor::service::SqliteStore::Open(dir / "store.db", {});
  if (!store.ok()) return 1;
  const candor::service::DeviceIdentity device{"demo", "4d6478fa-9986-4c4a-90e6-53b5a6f51ce0"};
  const auto now = std::chrono::system_clock::now();
  std::vector<candor::service::PreparedBatch> prepared;
  for (const auto& batch : input) prepared.push_back(candor::service::PrepareBatch(batch));
  std::printf("store      %.2f us/event (SQLite, one transaction and fsync per batch)\n",
              MicrosPerEvent(batches, [&](int i) {
                sink += (*store)->StoreBatch(device, prepared[i], now).ok();
              }));
  std::filesystem::remove_all(dir);
  return sink == 0;
}
