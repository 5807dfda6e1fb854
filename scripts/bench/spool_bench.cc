// The spool's two figures (issue 5), on this machine's disk:
//
//  1. Append throughput with group commit: two producer threads append typical events
//     (an os_info result, about 250 bytes) for a few seconds while GroupCommit fsyncs at
//     its default 200 ms interval. Side by side in the same run, the baseline: the same
//     appends, each followed by its own fsync (what a spool without group commit does).
//  2. Recovery time of a 1 GiB spool: Spool::Open scanning every segment (CRC-32C of every
//     record) with the page cache warm and, when the kernel lets us drop it (root), cold.
//
// Usage: bench_spool DIR   (DIR is emptied; it needs about 1.1 GiB free)

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "agent/group_commit.h"
#include "agent/spool.h"
#include "scripts/bench/typical_event.h"

namespace {

namespace ca = candor::agent;
using Steady = std::chrono::steady_clock;

std::unique_ptr<ca::Spool> OpenFresh(const std::filesystem::path& dir, uint64_t max_bytes) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto spool = ca::Spool::Open(dir, ca::Spool::Options{.max_bytes = max_bytes});
  if (!spool.ok()) {
    std::fprintf(stderr, "open: %s\n", std::string(spool.status().message()).c_str());
    std::exit(1);
  }
  return std::move(*spool);
}

// Appends from `threads` threads for `seconds`; returns events per second.
double Appends(ca::Spool& spool, int threads, double seconds, bool fsync_each,
               ca::GroupCommit* commit) {
  const candor::v1::Event event = candor::bench::TypicalEvent();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appended{0};
  std::vector<std::thread> producers;
  const auto start = Steady::now();
  for (int t = 0; t < threads; ++t) {
    producers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        if (!spool.Append(event).ok()) std::exit(1);
        if (fsync_each && !spool.Sync().ok()) std::exit(1);
        if (commit != nullptr) commit->Appended();
        appended.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& p : producers) p.join();
  if (commit != nullptr) commit->Stop();  // the last group is durable too
  const double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
  return static_cast<double>(appended.load()) / elapsed;
}

bool DropPageCache() {
  ::sync();
  std::ofstream drop("/proc/sys/vm/drop_caches");
  return static_cast<bool>(drop << "3\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const double seconds = 3;

  {
    auto spool = OpenFresh(dir, uint64_t{4} << 30);
    std::atomic<int> fsyncs{0};
    ca::GroupCommit commit(*spool, std::chrono::milliseconds(200), [&] { ++fsyncs; });
    commit.Start();
    const double grouped = Appends(*spool, 2, seconds, false, &commit);
    std::printf("group commit (200 ms):  %10.0f events/s, %d fsyncs in %.0f s\n", grouped,
                fsyncs.load(), seconds);
    spool = OpenFresh(dir, uint64_t{4} << 30);
    const double each = Appends(*spool, 2, seconds, true, nullptr);
    std::printf("fsync per event:        %10.0f events/s\n", each);
    std::printf("ratio: group commit %.0fx the appends of fsync-per-event\n", grouped / each);
  }

  {
    auto spool = OpenFresh(dir, uint64_t{2} << 30);
    const candor::v1::Event event = candor::bench::TypicalEvent();
    uint64_t events = 0;
    while (spool->bytes() < (uint64_t{1} << 30)) {
      if (!spool->Append(event).ok()) return 1;
      ++events;
    }
    if (!spool->Sync().ok()) return 1;
    const uint64_t bytes = spool->bytes();
    spool.reset();
    for (int cold = 0; cold < 2; ++cold) {
      if (cold == 1 && !DropPageCache()) {
        std::printf("recovery, cold cache: not measured (dropping the page cache needs root)\n");
        break;
      }
      const auto start = Steady::now();
      auto reopened = ca::Spool::Open(dir, ca::Spool::Options{.max_bytes = uint64_t{2} << 30});
      const double took = std::chrono::duration<double>(Steady::now() - start).count();
      if (!reopened.ok() || (*reopened)->pending_count() != events) return 1;
      std::printf("recovery of %.2f GiB (%llu events), %s cache: %.2f s (%.0f MiB/s)\n",
                  static_cast<double>(bytes) / (1 << 30), static_cast<unsigned long long>(events),
                  cold ? "cold" : "warm", took, static_cast<double>(bytes) / (1 << 20) / took);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
