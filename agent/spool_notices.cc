#include "agent/spool_notices.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/event_builder.h"

namespace candor::agent {
namespace {

constexpr size_t kMaxRangesReported = 50;

collectors::CheckResult ErrorResult(std::string reason) {
  collectors::CheckResult result;
  result.status = collectors::CheckStatus::kError;
  result.reason = std::move(reason);
  return result;
}

}  // namespace

v1::Event SpoolFullEvent(uint64_t count, uint64_t first_seq, uint64_t last_seq, uint64_t max_bytes,
                         Clock::TimePoint now) {
  collectors::CheckResult result =
      ErrorResult(absl::StrCat("spool full (", max_bytes, " bytes): dropped ", count,
                               " unsent event(s), seq ", first_seq, "..", last_seq));
  result.facts["cause"] = std::string("spool_full");
  result.facts["dropped"] = static_cast<int64_t>(count);
  result.facts["first_seq"] = static_cast<int64_t>(first_seq);
  result.facts["last_seq"] = static_cast<int64_t>(last_seq);
  result.facts["max_bytes"] = static_cast<int64_t>(max_bytes);
  return BuildEvent("agent", "spool_dropped", result, now, 0);
}

v1::Event SpoolWriteFailedEvent(uint64_t count, Clock::TimePoint since, Clock::TimePoint now) {
  const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(now - since).count();
  collectors::CheckResult result =
      ErrorResult(absl::StrCat(count,
                               " event(s) could not be written to the spool (disk full or I/O "
                               "error) during the last ",
                               seconds, " s"));
  result.facts["cause"] = std::string("write_failed");
  result.facts["dropped"] = static_cast<int64_t>(count);
  result.facts["seconds"] = seconds;
  return BuildEvent("agent", "spool_dropped", result, now, 0);
}

v1::Event SpoolDamagedEvent(const SpoolDamage& damage, Clock::TimePoint now) {
  std::vector<std::string> ranges;
  uint64_t lost = 0;
  for (const auto& [first, last] : damage.lost_seqs) {
    lost += last - first + 1;
    if (ranges.size() < kMaxRangesReported) {
      ranges.push_back(first == last ? absl::StrCat(first) : absl::StrCat(first, "..", last));
    }
  }
  collectors::CheckResult result = ErrorResult(absl::StrCat(
      "the spool was damaged: ", damage.regions, " damaged region(s) skipped, ", damage.cut_bytes,
      " byte(s) of torn tail cut",
      lost > 0 ? absl::StrCat(", seq ", absl::StrJoin(ranges, ", "), " lost") : "",
      damage.cursor_damaged ? "; the ack cursor was unreadable, so events are sent again" : ""));
  result.facts["damaged_regions"] = static_cast<int64_t>(damage.regions);
  result.facts["damaged_bytes"] = static_cast<int64_t>(damage.bytes);
  result.facts["cut_bytes"] = static_cast<int64_t>(damage.cut_bytes);
  result.facts["lost_events"] = static_cast<int64_t>(lost);
  result.facts["lost_seqs"] = ranges;
  result.facts["cursor_damaged"] = damage.cursor_damaged;
  return BuildEvent("agent", "spool_damaged", result, now, 0);
}

v1::Event OversizeEvent(const v1::Event& original, uint64_t bytes, uint64_t limit) {
  v1::Event event;
  event.set_collector(original.collector());
  event.set_check_id(original.check_id());
  event.set_status(v1::CHECK_STATUS_ERROR);
  event.set_reason(absl::StrCat("the result was ", bytes, " bytes, more than one batch may carry (",
                                limit, "); its facts were left out"));
  (*event.mutable_facts())["result_bytes"].set_integer(static_cast<int64_t>(bytes));
  (*event.mutable_facts())["original_status"].set_text(v1::CheckStatus_Name(original.status()));
  *event.mutable_observed_at() = original.observed_at();
  event.set_policy_version(original.policy_version());
  return event;
}

}  // namespace candor::agent
