#include "agent/ledger_line.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace candor::agent {
namespace {

using ::google::protobuf::util::MessageDifferencer;

// What protobuf's own printer makes of `event` with the ledger's options.
nlohmann::json ProtobufJson(const v1::Event& event) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(event, &json, options).ok());
  return nlohmann::json::parse(json);
}

void ExpectSameAsProtobuf(const v1::Event& event) {
  const std::string line = LedgerLine(event, 1'800'000'000'000);
  const nlohmann::json ours = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(ours.is_discarded()) << line;
  EXPECT_EQ(ours["event"], ProtobufJson(event)) << line;
  EXPECT_EQ(ours["acked_at"], "2027-01-15T08:00:00.000Z");
  absl::StatusOr<LedgerEntry> back = ParseLedgerLine(line);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(MessageDifferencer::ApproximatelyEquals(back->event, event)) << line;
}

TEST(LedgerLineTest, AnEmptyEventMatchesProtobufsMapping) { ExpectSameAsProtobuf(v1::Event()); }

TEST(LedgerLineTest, EveryKindOfFactMatchesProtobufsMapping) {
  v1::Event event;
  event.set_seq(std::numeric_limits<uint64_t>::max());
  event.set_collector("os_info");
  event.set_check_id("os \"main\"");
  event.set_status(v1::CHECK_STATUS_NOT_APPLICABLE);
  event.set_reason("line one\nline two\ttab \\ slash \x01 control, caf\xc3\xa9, \xe2\x82\xac");
  auto& facts = *event.mutable_facts();
  facts["text"].set_text("x\"y");
  facts["negative"].set_integer(std::numeric_limits<int64_t>::min());
  facts["flag_off"].set_flag(false);
  facts["half"].set_number(0.5);
  facts["tenth"].set_number(0.1);
  facts["huge"].set_number(1e300);
  facts["tiny"].set_number(5e-324);
  facts["whole"].set_number(3);
  facts["empty_list"].mutable_list();
  facts["list"].mutable_list()->add_values("a");
  facts["list"].mutable_list()->add_values("b\"c");
  facts["unset"];
  event.mutable_observed_at()->set_seconds(1'800'000'000);
  event.set_policy_version(42);
  event.set_severity(v1::SEVERITY_CRITICAL);
  event.set_interval_seconds(3600);
  ExpectSameAsProtobuf(event);
}

TEST(LedgerLineTest, TimestampsKeepTheirPrecision) {
  for (int nanos : {0, 123'000'000, 123'456'000, 123'456'789}) {
    v1::Event event;
    event.mutable_observed_at()->set_seconds(1'800'000'000);
    event.mutable_observed_at()->set_nanos(nanos);
    ExpectSameAsProtobuf(event);
  }
}

TEST(LedgerLineTest, NonFiniteNumbersAndUnknownEnumValues) {
  v1::Event event;
  (*event.mutable_facts())["nan"].set_number(std::nan(""));
  (*event.mutable_facts())["minus_inf"].set_number(-std::numeric_limits<double>::infinity());
  event.set_status(static_cast<v1::CheckStatus>(99));  // from a newer agent
  const nlohmann::json ours = nlohmann::json::parse(LedgerLine(event, 0));
  EXPECT_EQ(ours["event"], ProtobufJson(event));
  EXPECT_EQ(ours["event"]["facts"]["nan"]["number"], "NaN");
  EXPECT_EQ(ours["event"]["status"], 99);
}

TEST(LedgerLineTest, ForeignLinesAreRefused) {
  EXPECT_EQ(ParseLedgerLine("[1,2]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLedgerLine("{\"acked_at\":\"now\",\"event\":{}}").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLedgerLine("{\"acked_at\":\"2027-01-15T08:00:00Z\",\"event\":{\"seq\":true}}")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace candor::agent
