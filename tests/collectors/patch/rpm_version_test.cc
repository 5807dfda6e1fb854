// rpm version order: rpm's own test cases (rpmvercmp.at), and 10,000 generated pairs
// against rpm itself (rpm's Lua rpm.vercmp, one rpm process for all of them) when the rpm
// command is installed.

#include "collectors/patch/rpm_version.h"

#include <random>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace candor::collectors {
namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

struct Case {
  const char* a;
  const char* b;
  int expected;
};

TEST(RpmVersionTest, RpmsOwnCases) {
  const Case cases[] = {{"1.0", "1.0", 0},
                        {"1.0", "2.0", -1},
                        {"2.0", "1.0", 1},
                        {"2.0.1", "2.0.1", 0},
                        {"2.0", "2.0.1", -1},
                        {"2.0.1", "2.0", 1},
                        {"2.0.1a", "2.0.1a", 0},
                        {"2.0.1a", "2.0.1", 1},
                        {"2.0.1", "2.0.1a", -1},
                        {"5.5p1", "5.5p1", 0},
                        {"5.5p1", "5.5p2", -1},
                        {"5.5p2", "5.5p1", 1},
                        {"5.5p10", "5.5p10", 0},
                        {"5.5p1", "5.5p10", -1},
                        {"5.5p10", "5.5p1", 1},
                        {"10xyz", "10.1xyz", -1},
                        {"10.1xyz", "10xyz", 1},
                        {"xyz10", "xyz10", 0},
                        {"xyz10", "xyz10.1", -1},
                        {"xyz10.1", "xyz10", 1},
                        {"xyz.4", "xyz.4", 0},
                        {"xyz.4", "8", -1},
                        {"8", "xyz.4", 1},
                        {"xyz.4", "2", -1},
                        {"2", "xyz.4", 1},
                        {"5.5p2", "5.6p1", -1},
                        {"5.6p1", "5.5p2", 1},
                        {"5.6p1", "6.5p1", -1},
                        {"6.5p1", "5.6p1", 1},
                        {"6.0.rc1", "6.0", 1},
                        {"6.0", "6.0.rc1", -1},
                        {"10b2", "10a1", 1},
                        {"10a2", "10b2", -1},
                        {"1.0aa", "1.0aa", 0},
                        {"1.0a", "1.0aa", -1},
                        {"1.0aa", "1.0a", 1},
                        {"10.0001", "10.0001", 0},
                        {"10.0001", "10.1", 0},
                        {"10.1", "10.0001", 0},
                        {"10.0001", "10.0039", -1},
                        {"10.0039", "10.0001", 1},
                        {"4.999.9", "5.0", -1},
                        {"5.0", "4.999.9", 1},
                        {"20101121", "20101121", 0},
                        {"20101121", "20101122", -1},
                        {"20101122", "20101121", 1},
                        {"2_0", "2_0", 0},
                        {"2.0", "2_0", 0},
                        {"2_0", "2.0", 0},
                        {"a", "a", 0},
                        {"a+", "a+", 0},
                        {"a+", "a_", 0},
                        {"a_", "a+", 0},
                        {"+a", "+a", 0},
                        {"+a", "_a", 0},
                        {"_a", "+a", 0},
                        {"+_", "+_", 0},
                        {"_+", "+_", 0},
                        {"_+", "_", 0},
                        {"+", "_", 0},
                        {"_", "+", 0},
                        {"1.0~rc1", "1.0~rc1", 0},
                        {"1.0~rc1", "1.0", -1},
                        {"1.0", "1.0~rc1", 1},
                        {"1.0~rc1", "1.0~rc2", -1},
                        {"1.0~rc2", "1.0~rc1", 1},
                        {"1.0~rc1~git123", "1.0~rc1~git123", 0},
                        {"1.0~rc1~git123", "1.0~rc1", -1},
                        {"1.0~rc1", "1.0~rc1~git123", 1},
                        {"1.0^", "1.0^", 0},
                        {"1.0^", "1.0", 1},
                        {"1.0", "1.0^", -1},
                        {"1.0^git1", "1.0^git1", 0},
                        {"1.0^git1", "1.0", 1},
                        {"1.0", "1.0^git1", -1},
                        {"1.0^git1", "1.0^git2", -1},
                        {"1.0^git2", "1.0^git1", 1},
                        {"1.0^git1", "1.01", -1},
                        {"1.01", "1.0^git1", 1},
                        {"1.0^20160101", "1.0^20160101", 0},
                        {"1.0^20160101", "1.0.1", -1},
                        {"1.0.1", "1.0^20160101", 1},
                        {"1.0^20160101^git1", "1.0^20160101^git1", 0},
                        {"1.0^20160102", "1.0^20160101^git1", 1},
                        {"1.0^20160101^git1", "1.0^20160102", -1},
                        {"1.0~rc1^git1", "1.0~rc1^git1", 0},
                        {"1.0~rc1^git1", "1.0~rc1", 1},
                        {"1.0~rc1", "1.0~rc1^git1", -1},
                        {"1.0^git1~pre", "1.0^git1~pre", 0},
                        {"1.0^git1", "1.0^git1~pre", 1},
                        {"1.0^git1~pre", "1.0^git1", -1}};
  for (const Case& c : cases) {
    EXPECT_EQ(Sign(RpmVerCmp(c.a, c.b)), c.expected) << c.a << " vs " << c.b;
  }
  EXPECT_LT(CompareRpmEvr({1, "1.0", "1"}, {2, "0.1", "1"}), 0);
  EXPECT_GT(CompareRpmEvr({0, "6.5.6", "300.fc39"}, {0, "6.5.6", "200.fc39"}), 0);
}

TEST(RpmVersionTest, AgreesWithRpmItselfOnGeneratedPairs) {
  if (candor::testing::Run({"/usr/bin/rpm", "--version"}).exit_code != 0) {
    GTEST_SKIP() << "the rpm command is not installed";
  }
  std::mt19937_64 rng(4242);
  static constexpr char kChars[] = "0123456789abcxyz.._+~^";
  std::vector<std::pair<std::string, std::string>> pairs;
  auto random = [&] {
    std::string v;
    const size_t n = 1 + rng() % 9;
    for (size_t i = 0; i < n; ++i) v += kChars[rng() % (sizeof kChars - 1)];
    return v;
  };
  for (int i = 0; i < 10000; ++i) {
    std::string a = random();
    std::string b = i % 3 == 0 ? random() : a;
    if (i % 3 != 0 && !b.empty()) b[rng() % b.size()] = kChars[rng() % (sizeof kChars - 1)];
    pairs.emplace_back(a, b);
  }
  candor::testing::TempDir dir;
  std::string input;
  for (const auto& [a, b] : pairs) input += a + " " + b + "\n";
  candor::testing::WriteFile(dir / "pairs", input);
  candor::testing::WriteFile(
      dir / "vercmp.lua",
      "for line in io.lines('" + (dir / "pairs").string() +
          "') do\n"
          "  local a, b = line:match('^(%S+) (%S+)$')\n"
          // rpm's print() collects output without line breaks: separate by spaces.
          "  print(rpm.vercmp(a, b) .. ' ')\n"
          "end\n");
  const candor::testing::RunResult rpm = candor::testing::Run(
      {"/usr/bin/rpm", "--eval", "%{lua: dofile('" + (dir / "vercmp.lua").string() + "')}"},
      std::chrono::seconds(60));
  ASSERT_EQ(rpm.exit_code, 0) << rpm.err;
  std::istringstream results(rpm.out);
  size_t compared = 0;
  for (const auto& [a, b] : pairs) {
    int expected = 0;
    ASSERT_TRUE(results >> expected) << "rpm printed fewer results than pairs";
    ASSERT_EQ(Sign(RpmVerCmp(a, b)), Sign(expected))
        << a << " vs " << b << " (pair " << compared << ")";
    ++compared;
  }
  EXPECT_EQ(compared, 10000u);
}

}  // namespace
}  // namespace candor::collectors
