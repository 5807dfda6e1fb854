#include "config/json_text.h"

#include <string>

#include "gtest/gtest.h"

namespace candor::config {
namespace {

std::string Json(absl::string_view text) {
  std::string out = "x:";
  AppendJsonString(out, text);
  return out;
}

TEST(JsonTextTest, PlainTextIsQuotedAndAppended) {
  EXPECT_EQ(Json("Debian GNU/Linux 12"), "x:\"Debian GNU/Linux 12\"");
  EXPECT_EQ(Json(""), "x:\"\"");
}

TEST(JsonTextTest, QuotesBackslashesAndControlCharactersAreEscaped) {
  EXPECT_EQ(Json("a\"b\\c"), "x:\"a\\\"b\\\\c\"");
  EXPECT_EQ(Json("1\n2\t3\r"), "x:\"1\\n2\\t3\\r\"");
  EXPECT_EQ(Json(std::string("\x01\x1f", 2)), "x:\"\\u0001\\u001f\"");
  EXPECT_EQ(Json(std::string("nul\0end", 7)), "x:\"nul\\u0000end\"");
}

TEST(JsonTextTest, Utf8AndDeleteStayAsTheyAre) {
  EXPECT_EQ(Json("Zürich \xe2\x82\xac \x7f"), "x:\"Zürich \xe2\x82\xac \x7f\"");
}

}  // namespace
}  // namespace candor::config
