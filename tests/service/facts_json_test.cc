#include "service/facts_json.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace candor::service {
namespace {

TEST(FactsJsonTest, WritesSortedKeysAndEveryKindOfValue) {
  v1::Event event;
  auto& facts = *event.mutable_facts();
  facts["zeta"].set_integer(-42);
  facts["alpha"].set_text("Debian");
  facts["flag"].set_flag(true);
  facts["ratio"].set_number(0.1);
  facts["list"].mutable_list()->add_values("a");
  facts["list"].mutable_list()->add_values("b");
  facts["unset"];
  EXPECT_EQ(FactsToJson(event),
            R"({"alpha":"Debian","flag":true,"list":["a","b"],"ratio":0.1,"unset":null,)"
            R"("zeta":-42})");
  EXPECT_EQ(FactsToJson(v1::Event()), "{}");
}

TEST(FactsJsonTest, EscapesWhatJsonNeedsAndRoundTripsThroughAParser) {
  const std::string tricky = "quote \" backslash \\ newline \n tab \t bell \x07 nul " +
                             std::string(1, '\0') + " utf-8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92";
  v1::Event event;
  auto& facts = *event.mutable_facts();
  facts["text"].set_text(tricky);
  facts["items"].mutable_list()->add_values(tricky);
  facts["big"].set_number(1e300);
  facts["tiny"].set_number(-2.5e-308);
  facts["nan"].set_number(std::numeric_limits<double>::quiet_NaN());
  facts["inf"].set_number(std::numeric_limits<double>::infinity());
  facts["min"].set_integer(std::numeric_limits<int64_t>::min());
  const nlohmann::json parsed = nlohmann::json::parse(FactsToJson(event));
  EXPECT_EQ(parsed["text"], tricky);
  EXPECT_EQ(parsed["items"][0], tricky);
  EXPECT_EQ(parsed["big"].get<double>(), 1e300);
  EXPECT_EQ(parsed["tiny"].get<double>(), -2.5e-308);
  EXPECT_TRUE(parsed["nan"].is_null());  // JSON has no NaN or infinity
  EXPECT_TRUE(parsed["inf"].is_null());
  EXPECT_EQ(parsed["min"].get<int64_t>(), std::numeric_limits<int64_t>::min());
}

}  // namespace
}  // namespace candor::service
