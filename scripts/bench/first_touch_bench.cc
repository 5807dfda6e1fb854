// What a page of fresh memory costs on this machine (docs/benchmarks.md, "The server at
// fleet scale"): maps MIB mebibytes of anonymous memory, writes one byte per 4 KiB page,
// unmaps it, and does it again. On bare metal a page costs well under a microsecond (the
// kernel zeroes it); under some hypervisors much more, which every process pays for the
// memory it grows into: the server for each connection's TLS buffers once they carry data.
//
// Usage: bench_first_touch [MIB]   (default 1024)

#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

constexpr size_t kPage = 4096;

// Microseconds per page to touch `bytes` of newly mapped memory; negative if mmap failed.
double TouchFresh(size_t bytes) {
  void* mapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return -1;
  auto* bytes_at = static_cast<volatile char*>(mapped);
  const auto start = std::chrono::steady_clock::now();
  for (size_t at = 0; at < bytes; at += kPage) bytes_at[at] = 1;
  const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
  munmap(mapped, bytes);
  return took.count() / static_cast<double>(bytes / kPage);
}

}  // namespace

int main(int argc, char** argv) {
  const long mib = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 1024;
  if (mib <= 0) {
    std::fprintf(stderr, "usage: bench_first_touch [MIB]\n");
    return 2;
  }
  const size_t bytes = static_cast<size_t>(mib) << 20;
  for (int round = 1; round <= 3; ++round) {
    const double us = TouchFresh(bytes);
    if (us < 0) {
      std::perror("bench_first_touch: mmap");
      return 1;
    }
    std::printf("round %d: %ld MiB of fresh pages, %.2f us per 4 KiB page\n", round, mib, us);
  }
  return 0;
}
