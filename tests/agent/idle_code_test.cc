#include "agent/idle_code.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace candor::agent {
namespace {

// From a real agent's /proc/PID/maps, with the cases the parser must tell apart.
constexpr char kMaps[] =
    "55d0c0a00000-55d0c0b1a000 r--p 00000000 fe:01 1311 /usr/bin/candor-agent\n"
    "55d0c0b1a000-55d0c13a4000 r-xp 0011a000 fe:01 1311 /usr/bin/candor-agent\n"
    "55d0c13a4000-55d0c1500000 r--p 009a4000 fe:01 1311 /usr/bin/candor-agent\n"
    "55d0c1500000-55d0c1520000 rw-p 00b00000 fe:01 1311 /usr/bin/candor-agent\n"
    "55d0c2000000-55d0c2300000 rw-p 00000000 00:00 0 [heap]\n"
    "7f1c00000000-7f1c00021000 rw-p 00000000 00:00 0\n"
    "7f1c10000000-7f1c10001000 r-xp 00000000 00:00 0\n"  // anonymous code (JIT)
    "7f1c20028000-7f1c2017d000 r-xp 00028000 fe:01 2621 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f1c30000000-7f1c30010000 r-xs 00000000 fe:01 77 /dev/shm/shared-code\n"  // shared
    "7f1c40000000-7f1c40200000 r-xp 00000000 fe:01 99 /opt/My Tools/lib x.so (deleted)\n"
    "7f1c50000000-7f1c50000000 r-xp 00000000 fe:01 98 /usr/lib/empty.so\n"  // no length
    "zzzz-7f1c60001000 r-xp 00000000 fe:01 97 /usr/lib/bad-begin.so\n"
    "7f1c70000000 r-xp 00000000 fe:01 96 /usr/lib/no-dash.so\n"
    "not a mapping at all\n"
    "\n"
    "7ffd8a1f0000-7ffd8a1f2000 r-xp 00000000 00:00 0 [vdso]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n"
    "7f1c80000000-7f1c80001000 r-xp 00000000 fe:01 95 /usr/lib/last-line.so";

TEST(ExecutableFileMappingsTest, ListsOnlyPrivateExecutableMappingsOfFiles) {
  const std::vector<CodeMapping> mappings = ExecutableFileMappings(kMaps);
  ASSERT_EQ(mappings.size(), 4u);
  EXPECT_EQ(mappings[0].begin, uintptr_t{0x55d0c0b1a000});
  EXPECT_EQ(mappings[0].end, uintptr_t{0x55d0c13a4000});
  EXPECT_EQ(mappings[0].path, "/usr/bin/candor-agent");
  EXPECT_EQ(mappings[1].path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
  // A library replaced by an upgrade while mapped: its pages still come from the old file.
  EXPECT_EQ(mappings[2].path, "/opt/My Tools/lib x.so (deleted)");
  EXPECT_EQ(mappings[2].end - mappings[2].begin, uintptr_t{0x200000});
  EXPECT_EQ(mappings[3].path, "/usr/lib/last-line.so");
}

TEST(ExecutableFileMappingsTest, EmptyAndGarbageGiveNothing) {
  EXPECT_TRUE(ExecutableFileMappings("").empty());
  EXPECT_TRUE(ExecutableFileMappings("\n\n\n").empty());
  EXPECT_TRUE(ExecutableFileMappings("r-xp /usr/bin/x\n- - - - - /y\n").empty());
  EXPECT_TRUE(ExecutableFileMappings(std::string(4096, '-')).empty());
}

#if defined(__linux__)
// Resident KiB of the mapping of this test binary's code that holds `address`.
long ResidentKiBAround(uintptr_t address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0;
    uintptr_t end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= address && address < end;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      return std::stol(line.substr(4));
    }
  }
  return -1;
}

TEST(ReleaseIdleCodeTest, PagesOutThisProcesssCodeWhichStillRunsAfterwards) {
  const auto here = reinterpret_cast<uintptr_t>(&ExecutableFileMappings);
  const long before = ResidentKiBAround(here);
  ASSERT_GT(before, 0) << "no resident code mapping holds ExecutableFileMappings";

  const IdleCodeRelease release = ReleaseIdleCode();
  if (release.mappings == 0 && release.failed > 0) {
    GTEST_SKIP() << "this kernel refuses MADV_PAGEOUT (Linux 5.4 or later has it)";
  }
  EXPECT_EQ(release.failed, 0);
  EXPECT_GE(release.mappings, 2u);  // this binary's code and at least libc's
  EXPECT_GT(release.bytes, 0u);

  // The paged-out code runs: its pages are read back (from the page cache or the disk).
  EXPECT_EQ(ExecutableFileMappings(kMaps).size(), 4u);
  const long after = ResidentKiBAround(here);
  EXPECT_LT(after, before) << "the test binary's code stayed resident";
}
#endif

}  // namespace
}  // namespace candor::agent
