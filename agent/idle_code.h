#pragma once

// Gives back the pages of program code the agent mapped for a round of work once it goes
// quiet again. Between rounds (an hour, by default) the agent only waits, but the code its
// start-up, its collectors and a TLS handshake ran stays resident: the kernel keeps every
// page of a mapped file that was touched, plus up to 64 KiB around it. On Linux the pages
// of the agent's executable mappings that no other process maps are paged out
// (madvise(MADV_PAGEOUT), kernel 5.4 or later): they are clean copies of the files, freed
// at once and read back from the disk when next run. Pages shared with other processes
// (libc, libcrypto of a desktop) are left alone by the kernel, so what this frees is memory
// nobody else uses. On Windows the working set is emptied, as Windows itself does to idle
// processes. docs/benchmarks.md ("Agent footprint") has what it gives and what it costs.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace candor::agent {

// One executable mapping of a file, from a line of /proc/PID/maps.
struct CodeMapping {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  std::string path;
};

// The mappings of `maps` (the text of /proc/PID/maps) that are readable, executable,
// private and backed by a file. Anonymous mappings ([heap], [stack], [vdso], JIT) and
// writable ones are never included: writable private pages may hold data that exists
// nowhere else. Lines it cannot read are skipped.
std::vector<CodeMapping> ExecutableFileMappings(std::string_view maps);

struct IdleCodeRelease {
  size_t mappings = 0;  // mappings the kernel was asked to page out
  size_t bytes = 0;     // their size (not what was resident, nor what was freed)
  int failed = 0;       // madvise calls refused, e.g. by a kernel without MADV_PAGEOUT
};

// Pages out the agent's idle code (see the file comment). Safe to call from any thread at
// any time: a page that is needed again is faulted back in. Costs a read of
// /proc/self/maps and one madvise per mapping of code (15 in the agent as packaged).
IdleCodeRelease ReleaseIdleCode();

}  // namespace candor::agent
