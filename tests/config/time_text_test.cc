#include "config/time_text.h"

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace candor::config {
namespace {

using ::testing::HasSubstr;

TEST(ParseSinceTest, TakesATimeOrADurationAgo) {
  const int64_t now = 1'800'000'000'000;
  EXPECT_EQ(*ParseSince("2027-01-15T08:00:00Z", now), now);
  EXPECT_EQ(*ParseSince("2027-01-15T09:00:00+01:00", now), now);
  EXPECT_EQ(*ParseSince("24h", now), now - 86'400'000);
  EXPECT_EQ(*ParseSince("15m", now), now - 900'000);
  const absl::StatusOr<int64_t> bad = ParseSince("yesterday", now);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("expected a time like"));
}

TEST(Rfc3339Test, IsUtcWithMilliseconds) {
  EXPECT_EQ(Rfc3339(1'800'000'000'123), "2027-01-15T08:00:00.123Z");
  EXPECT_EQ(Rfc3339(0), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace candor::config
