// Debian version order against dpkg itself: libdpkg's own parser and comparison (the code
// inside dpkg, linked from Debian's libdpkg-dev) on more than 20,000 pairs, generated and
// taken from this machine's package lists, and the `dpkg --compare-versions` command on a
// sample of them.

#define LIBDPKG_VOLATILE_API 1
#include "collectors/patch/deb_version.h"

#include <dpkg/dpkg-db.h>
#include <dpkg/error.h>
#include <dpkg/version.h>

#include <algorithm>
#include <random>
#include <set>

#include "collectors/host_view.h"
#include "collectors/patch/package_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace candor::collectors {
namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

// Parses like dpkg: nullopt when dpkg refuses the version (an error; dpkg only warns
// about odd characters or an upstream not starting with a digit, and compares anyway).
std::optional<dpkg_version> DpkgParse(const std::string& v) {
  dpkg_version parsed;
  dpkg_error err = DPKG_ERROR_INIT;
  const bool refused = parseversion(&parsed, v.c_str(), &err) < 0 && err.type == DPKG_MSG_ERROR;
  dpkg_error_destroy(&err);
  if (refused) return std::nullopt;
  return parsed;
}

bool DpkgAccepts(const std::string& v) { return DpkgParse(v).has_value(); }

// dpkg's verdict: the sign of the comparison, or nullopt when dpkg refuses a version.
std::optional<int> DpkgCompare(const std::string& a, const std::string& b) {
  const std::optional<dpkg_version> va = DpkgParse(a);
  const std::optional<dpkg_version> vb = DpkgParse(b);
  if (!va || !vb) return std::nullopt;
  return Sign(dpkg_version_compare(&*va, &*vb));
}

std::string RandomVersion(std::mt19937_64& rng) {
  static constexpr char kUpstream[] = "0123456789abcxyzABZ.+~-:";
  static constexpr char kRevision[] = "0123456789abuntu.+~";
  std::uniform_int_distribution<int> coin(0, 99);
  std::string v;
  if (coin(rng) < 20) v += std::to_string(coin(rng) % 4) + ":";
  const int up = 1 + coin(rng) % 10;
  v += static_cast<char>('0' + coin(rng) % 10);
  for (int i = 1; i < up; ++i) v += kUpstream[coin(rng) % (sizeof kUpstream - 1)];
  if (coin(rng) < 60) {
    v += "-";
    const int rev = 1 + coin(rng) % 6;
    for (int i = 0; i < rev; ++i) v += kRevision[coin(rng) % (sizeof kRevision - 1)];
  }
  return v;
}

// A variation close to `v`, so that pairs often differ in one place only.
std::string Mutate(std::string v, std::mt19937_64& rng) {
  static constexpr char kChars[] = "0123456789a~+.";
  std::uniform_int_distribution<size_t> at(0, v.size());
  const size_t i = at(rng);
  switch (rng() % 3) {
    case 0:
      v.insert(i, 1, kChars[rng() % (sizeof kChars - 1)]);
      break;
    case 1:
      if (i < v.size()) v[i] = kChars[rng() % (sizeof kChars - 1)];
      break;
    default:
      if (i < v.size()) v.erase(i, 1);
  }
  return v;
}

// Every version in the dpkg status file and apt's lists of this machine.
std::vector<std::string> MachineVersions() {
  std::set<std::string> versions;
  const HostView host("/");
  auto collect = [&](const std::string& path) {
    ForEachParagraphInFile(host, path, [&](const Deb822Paragraph& p) {
      if (auto v = p.Field("Version")) versions.insert(std::string(*v));
      return true;
    }).IgnoreError();
  };
  collect("/var/lib/dpkg/status");
  if (auto names = host.ListDir("/var/lib/apt/lists"); names.ok()) {
    for (const std::string& name : *names) {
      if (name.find("_Packages") != std::string::npos) collect("/var/lib/apt/lists/" + name);
    }
  }
  return {versions.begin(), versions.end()};
}

TEST(DebVersionTest, AgreesWithLibdpkgOnGeneratedAndRealPairs) {
  std::mt19937_64 rng(20261122);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 8000; ++i) {
    const std::string a = RandomVersion(rng);
    pairs.emplace_back(a, i % 2 == 0 ? RandomVersion(rng) : Mutate(a, rng));
  }
  std::vector<std::string> real = MachineVersions();
  ASSERT_GT(real.size(), 100u) << "this machine has no package lists to compare";
  std::uniform_int_distribution<size_t> pick(0, real.size() - 1);
  for (int i = 0; i < 8000; ++i) pairs.emplace_back(real[pick(rng)], real[pick(rng)]);
  // Neighbours in dpkg's order are the hard cases (2.0~rc1 vs 2.0, +b1 rebuilds).
  std::sort(real.begin(), real.end(), [](const std::string& a, const std::string& b) {
    return DpkgCompare(a, b).value_or(0) < 0;
  });
  for (size_t i = 0; i + 1 < real.size() && i < 8000; ++i) pairs.emplace_back(real[i], real[i + 1]);
  ASSERT_GE(pairs.size(), 20000u);

  size_t compared = 0;
  for (const auto& [a, b] : pairs) {
    const std::optional<int> dpkg = DpkgCompare(a, b);
    absl::StatusOr<DebianVersion> pa = ParseDebianVersion(a);
    absl::StatusOr<DebianVersion> pb = ParseDebianVersion(b);
    ASSERT_EQ(pa.ok(), DpkgAccepts(a)) << "'" << a << "': " << pa.status();
    ASSERT_EQ(pb.ok(), DpkgAccepts(b)) << "'" << b << "': " << pb.status();
    if (!dpkg) continue;
    ASSERT_EQ(Sign(CompareDebianVersions(*pa, *pb)), *dpkg) << a << " vs " << b;
    ASSERT_EQ(Sign(CompareDebianVersions(a, b)), *dpkg) << a << " vs " << b;
    ++compared;
  }
  EXPECT_GT(compared, 10000u);
}

TEST(DebVersionTest, AgreesWithTheDpkgCommand) {
  // libdpkg is dpkg's own code; a sample through the command shows it is the same dpkg.
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"1.0", "1.0-0"},
      {"1.0~rc1", "1.0"},
      {"1:0.9", "2.0"},
      {"1.2.3-1+b1", "1.2.3-1"},
      {"2.0a", "2.0+"},
      {"1.0~~", "1.0~"},
      {"7.88.1-10+deb12u14", "7.88.1-10+deb12u15"},
      {"20230311+deb12u1", "20250419~deb12u2"},
      {"0:1.0", "1.0"},
      {"1.001", "1.1"},
      {"a", "b"}};
  // ...and 150 pairs from this machine's package lists, through the command too.
  std::vector<std::pair<std::string, std::string>> all = pairs;
  const std::vector<std::string> real = MachineVersions();
  std::mt19937_64 rng(7);
  for (int i = 0; i < 150 && !real.empty(); ++i) {
    all.emplace_back(real[rng() % real.size()], real[rng() % real.size()]);
  }
  for (const auto& [a, b] : all) {
    const candor::testing::RunResult lt =
        candor::testing::Run({"/usr/bin/dpkg", "--compare-versions", a, "lt", b});
    const candor::testing::RunResult eq =
        candor::testing::Run({"/usr/bin/dpkg", "--compare-versions", a, "eq", b});
    const int dpkg = lt.exit_code == 0 ? -1 : eq.exit_code == 0 ? 0 : 1;
    EXPECT_EQ(Sign(CompareDebianVersions(a, b)), dpkg) << a << " vs " << b;
  }
}

TEST(DebVersionTest, RefusesWhatDpkgRefusesWithAReason) {
  EXPECT_THAT(std::string(ParseDebianVersion("").status().message()),
              ::testing::HasSubstr("empty"));
  EXPECT_THAT(std::string(ParseDebianVersion("1 2").status().message()),
              ::testing::HasSubstr("embedded spaces"));
  EXPECT_THAT(std::string(ParseDebianVersion("x:1").status().message()),
              ::testing::HasSubstr("epoch"));
  EXPECT_THAT(std::string(ParseDebianVersion("1:").status().message()),
              ::testing::HasSubstr("nothing after colon"));
  EXPECT_THAT(std::string(ParseDebianVersion("1.0-").status().message()),
              ::testing::HasSubstr("revision number"));
  EXPECT_EQ(ParseDebianVersion("2:1.0-3")->ToString(), "2:1.0-3");
}

}  // namespace
}  // namespace candor::collectors
