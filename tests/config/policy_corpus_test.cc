// The bad-policy corpus: every tests/data/policies/bad/NAME.yaml must be rejected with an
// error containing each line of NAME.expect; every good/ policy and every shipped example
// must load.

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "collectors/builtin.h"
#include "config/policy.h"
#include "gtest/gtest.h"
#include "tests/config/test_catalog.h"
#include "tests/support/temp_dir.h"

namespace candor::config {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> Files(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == extension) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(PolicyCorpusTest, EveryBadPolicyIsRejectedWithItsError) {
  const fs::path dir = fs::path(CANDOR_TEST_DATA) / "policies" / "bad";
  const std::vector<fs::path> policies = Files(dir, ".yaml");
  EXPECT_GE(policies.size(), 40u);
  for (const fs::path& file : policies) {
    SCOPED_TRACE(file.filename().string());
    absl::StatusOr<Policy> policy = LoadPolicyFile(file, testing::TestCatalog());
    ASSERT_FALSE(policy.ok());
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(policy.status().message());
    EXPECT_EQ(message.rfind(file.string(), 0), 0u) << "errors must start with the file name";
    std::ifstream expect(fs::path(file).replace_extension(".expect"));
    ASSERT_TRUE(expect) << "missing .expect file";
    int lines = 0;
    for (std::string line; std::getline(expect, line);) {
      if (line.empty()) continue;
      ++lines;
      EXPECT_NE(message.find(line), std::string::npos) << "want: " << line << "\ngot:\n" << message;
    }
    EXPECT_GT(lines, 0);
  }
}

TEST(PolicyCorpusTest, GoodPoliciesLoad) {
  for (const fs::path& file : Files(fs::path(CANDOR_TEST_DATA) / "policies" / "good", ".yaml")) {
    absl::StatusOr<Policy> policy = LoadPolicyFile(file, testing::TestCatalog());
    EXPECT_TRUE(policy.ok()) << file << ": " << policy.status();
  }
}

TEST(PolicyCorpusTest, ShippedExamplesLoadWithTheBuiltinCollectors) {
  const std::vector<fs::path> examples =
      Files(fs::path(CANDOR_SOURCE_DIR) / "config" / "examples", ".yaml");
  EXPECT_GE(examples.size(), 2u);
  for (const fs::path& file : examples) {
    absl::StatusOr<Policy> policy = LoadPolicyFile(file, collectors::BuiltinCatalog());
    EXPECT_TRUE(policy.ok()) << file << ": " << policy.status();
  }
}

}  // namespace
}  // namespace candor::config
