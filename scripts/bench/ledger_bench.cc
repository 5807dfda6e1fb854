// What the agent's ledger costs per acknowledged event (issue 9: every event sent is kept,
// decoded, for the employee): one ledger line alone, and a batch of 1,000 typical events
// recorded with its fdatasync, as the uplink records each ack.
//
// Usage: bench_ledger [--benchmark_filter=...]   (Google Benchmark flags)

#include <benchmark/benchmark.h>

#include <filesystem>
#include <vector>

#include "agent/ledger.h"
#include "scripts/bench/typical_event.h"

namespace {

void BM_LedgerLine(benchmark::State& state) {
  const candor::v1::Event event = candor::bench::TypicalEvent("os");
  for (auto _ : state)
    benchmark::DoNotOptimize(candor::agent::LedgerLine(event, 1'800'000'000'000));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LedgerLine);

void BM_RecordBatch(benchmark::State& state) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "candor-bench-ledger";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<candor::v1::Event> batch;
  for (int i = 0; i < 1000; ++i)
    batch.push_back(candor::bench::TypicalEvent("c" + std::to_string(i % 50)));
  auto writer = candor::agent::LedgerWriter::Open(dir, {.max_bytes = uint64_t{1} << 30},
                                                  [] { return std::chrono::system_clock::now(); });
  if (!writer.ok()) state.SkipWithError("cannot open the ledger");
  for (auto _ : state) {
    if (!(*writer)->Record(batch).ok()) state.SkipWithError("cannot record");
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RecordBatch)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
