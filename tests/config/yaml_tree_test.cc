#include "config/yaml_tree.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::config {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(const std::string& text, const YamlLimits& limits = {}) {
  absl::StatusOr<YamlNode> node = ParseYaml(text, "f.yaml", limits);
  EXPECT_FALSE(node.ok()) << text;
  if (node.ok()) return "";
  EXPECT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(node.status().message());
}

TEST(YamlTreeTest, ParsesMappingsListsAndScalarsWithPositions) {
  absl::StatusOr<YamlNode> root = ParseYaml("a: 1\nb:\n  - x\n  - 'y'\nc:\n", "f.yaml");
  ASSERT_TRUE(root.ok()) << root.status();
  ASSERT_EQ(root->kind, YamlNode::Kind::kMap);
  ASSERT_EQ(root->entries.size(), 3u);
  EXPECT_EQ(root->entries[0].key, "a");
  EXPECT_EQ(root->entries[0].value.scalar, "1");
  EXPECT_FALSE(root->entries[0].value.quoted);
  EXPECT_EQ(root->entries[1].key_pos.line, 2);
  const YamlNode& list = root->entries[1].value;
  ASSERT_EQ(list.kind, YamlNode::Kind::kSequence);
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.items[1].scalar, "y");
  EXPECT_TRUE(list.items[1].quoted);
  EXPECT_EQ(list.items[1].pos.line, 4);
  EXPECT_EQ(list.items[1].pos.column, 5);
  EXPECT_EQ(root->entries[2].value.kind, YamlNode::Kind::kNull);
}

TEST(YamlTreeTest, RejectsMalformedYamlWithPosition) {
  EXPECT_THAT(ErrorOf("a: [1, 2\n"), HasSubstr("f.yaml:"));
  EXPECT_THAT(ErrorOf("a: [1, 2\n"), HasSubstr("malformed YAML"));
}

TEST(YamlTreeTest, RejectsStrayTokensThatHangYamlCpp) {
  // Found by the fuzzer: yaml-cpp 0.7 never finishes these on its own.
  EXPECT_THAT(ErrorOf(","), HasSubstr("f.yaml:1:1: malformed YAML: unexpected character"));
  EXPECT_THAT(ErrorOf(", apiVersion: candor/v1\n"), HasSubstr("malformed YAML"));
  EXPECT_THAT(ErrorOf("a: 1\n]\n"), HasSubstr("malformed YAML"));
}

TEST(YamlTreeTest, RejectsDuplicateKeysNamingBothLines) {
  EXPECT_THAT(ErrorOf("a: 1\nb: 2\na: 3\n"),
              HasSubstr("f.yaml:3:1: duplicate key \"a\" (first at line 1)"));
}

TEST(YamlTreeTest, RejectsSeveralDocuments) {
  EXPECT_THAT(ErrorOf("a: 1\n---\nb: 2\n"), HasSubstr("several YAML documents"));
}

TEST(YamlTreeTest, RejectsAnchorsAliasesAndTags) {
  EXPECT_THAT(ErrorOf("a: &x 1\nb: *x\n"), HasSubstr("anchors (&name) are not allowed"));
  EXPECT_THAT(ErrorOf("a: &x 1\nb: *x\n"), HasSubstr("f.yaml:2:4: aliases"));
  EXPECT_THAT(ErrorOf("a: !!int 1\n"), HasSubstr("tags are not allowed"));
  EXPECT_THAT(ErrorOf("a: !custom {x: 1}\n"), HasSubstr("tags are not allowed"));
}

TEST(YamlTreeTest, RejectsAliasBombWithoutExpandingIt) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? ", *" : "*") + std::string(1, c - 1);
    bomb += "]\n";
  }
  EXPECT_THAT(ErrorOf(bomb), HasSubstr("aliases"));
}

TEST(YamlTreeTest, RejectsByteOrderMarkNulAndInvalidUtf8) {
  EXPECT_THAT(ErrorOf("\xEF\xBB\xBF"
                      "a: 1\n"),
              HasSubstr("byte-order mark"));
  EXPECT_THAT(ErrorOf(std::string("a: 1\nb: x\0y\n", 12)),
              HasSubstr("f.yaml:2:5: file contains a NUL"));
  EXPECT_THAT(ErrorOf("a: \xC3\x28\n"), HasSubstr("f.yaml:1:4: file is not valid UTF-8"));
  EXPECT_THAT(ErrorOf("a: \xED\xA0\x80\n"), HasSubstr("not valid UTF-8"));  // a surrogate
}

TEST(YamlTreeTest, RejectsOversizeFileBeforeParsing) {
  YamlLimits limits;
  limits.max_bytes = 16;
  EXPECT_THAT(ErrorOf("a: [1, 2, 3, 4, 5, 6]\n", limits), HasSubstr("the limit is 16"));
}

TEST(YamlTreeTest, RejectsDeepNestingWithoutOverflowingTheStack) {
  EXPECT_THAT(ErrorOf(std::string(100000, '[') + std::string(100000, ']')),
              HasSubstr("nesting deeper than 16 levels"));
  std::string nested = "a: ";
  for (int i = 0; i < 20; ++i) nested += "{b: ";
  nested += "1" + std::string(20, '}') + "\n";
  EXPECT_THAT(ErrorOf(nested), HasSubstr("nesting deeper"));
}

TEST(YamlTreeTest, RejectsEmptyFileAndNonStringKeys) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("file is empty"));
  EXPECT_THAT(ErrorOf("? [a, b]\n: 1\n"), HasSubstr("keys must be plain strings"));
}

TEST(YamlTreeTest, ReportsEveryProblemInOneRun) {
  const std::string message = ErrorOf("a: 1\na: 2\nb: !!str x\nc: &y 3\n");
  EXPECT_THAT(message, HasSubstr("duplicate key"));
  EXPECT_THAT(message, HasSubstr("tags are not allowed"));
  EXPECT_THAT(message, HasSubstr("anchors"));
}

TEST(YamlTreeTest, LoadFileChecksSizeBeforeReading) {
  testing::TempDir dir;
  testing::WriteFile(dir / "big.yaml", "a: " + std::string(300 * 1024, 'x') + "\n");
  absl::StatusOr<YamlNode> node = LoadYamlFile(dir / "big.yaml");
  ASSERT_FALSE(node.ok());
  EXPECT_THAT(std::string(node.status().message()), HasSubstr("the limit is 262144"));

  absl::StatusOr<YamlNode> missing = LoadYamlFile(dir / "nope.yaml");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace candor::config
