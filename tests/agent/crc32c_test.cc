#include "agent/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace candor::agent {
namespace {

// Check values from RFC 3720, appendix B.4.
TEST(Crc32cTest, MatchesKnownValues) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, PortableMatchesKnownValues) {
  EXPECT_EQ(Crc32cPortable("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32cPortable(std::string(32, '\xff')), 0x62A8AB43u);
}

TEST(Crc32cTest, FastPathAgreesWithTheTableOnEveryLengthAndAlignment) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 131 + 7));
  for (size_t start = 0; start < 9; ++start) {
    for (size_t length = 0; start + length <= data.size(); length += 7) {
      const absl::string_view piece(data.data() + start, length);
      ASSERT_EQ(Crc32c(piece, 0x1234), Crc32cPortable(piece, 0x1234)) << start << " " << length;
    }
  }
}

TEST(Crc32cTest, CanBeComputedInPieces) {
  EXPECT_EQ(Crc32c("56789", Crc32c("1234")), Crc32c("123456789"));
}

}  // namespace
}  // namespace candor::agent
