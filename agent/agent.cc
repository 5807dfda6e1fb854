#include "agent/agent.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent/event_builder.h"
#include "agent/log.h"

namespace candor::agent {
namespace {

constexpr std::chrono::seconds kRetryDelivery{30};

}  // namespace

Agent::Agent(const config::Policy& policy, const collectors::CollectorRegistry& registry,
             const collectors::HostView& host, const Clock& clock, Spool& spool, Uplink& uplink,
             std::chrono::seconds delivery_timeout)
    : policy_(policy),
      registry_(registry),
      host_(host),
      clock_(clock),
      spool_(spool),
      uplink_(uplink),
      delivery_timeout_(delivery_timeout) {}

absl::Status Agent::RunChecks(const std::vector<size_t>& indexes) {
  for (size_t index : indexes) {
    const config::CheckSpec& check = policy_.checks[index];
    const collectors::Collector* collector = registry_.Find(check.collector);
    collectors::CheckResult result;
    if (collector == nullptr) {  // the policy loader rejects unknown collectors
      result.reason = absl::StrCat("collector \"", check.collector, "\" is not in this agent");
    } else {
      result = collector->Collect(host_);
    }
    absl::StatusOr<uint64_t> seq =
        spool_.Append(BuildEvent(check.collector, check.id, result, clock_.Now(), policy_.version));
    if (!seq.ok()) return seq.status();
  }
  return spool_.Sync();
}

absl::Status Agent::RunAllChecks() {
  std::vector<size_t> all(policy_.checks.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return RunChecks(all);
}

absl::Status Agent::Deliver() {
  return uplink_.Flush(spool_, std::chrono::system_clock::now() + delivery_timeout_,
                       policy_.version);
}

void Agent::RunUntilStopped(StopFlag& stop) {
  std::vector<Clock::TimePoint> next_due(policy_.checks.size(), clock_.Now());
  Clock::TimePoint retry_at = Clock::TimePoint::max();
  bool delivery_failing = false;
  while (!stop.stopped()) {
    const Clock::TimePoint now = clock_.Now();
    std::vector<size_t> due;
    for (size_t i = 0; i < next_due.size(); ++i) {
      if (next_due[i] <= now) {
        due.push_back(i);
        next_due[i] = now + policy_.checks[i].interval;
      }
    }
    if (!due.empty()) {
      if (absl::Status s = RunChecks(due); !s.ok()) Log(absl::StrCat("spool: ", s.message()));
    }
    if (spool_.pending_count() > 0 && (!due.empty() || now >= retry_at)) {
      absl::Status delivered = Deliver();
      if (delivered.ok()) {
        if (delivery_failing) Log("delivery works again");
        delivery_failing = false;
        retry_at = Clock::TimePoint::max();
      } else {
        // One warning per outage, not one per retry.
        if (!delivery_failing) Log(absl::StrCat("cannot deliver: ", delivered.message()));
        delivery_failing = true;
        retry_at = clock_.Now() + kRetryDelivery;
      }
    }
    Clock::TimePoint wake = next_due.empty() ? Clock::TimePoint::max()
                                             : *std::min_element(next_due.begin(), next_due.end());
    if (spool_.pending_count() > 0) wake = std::min(wake, retry_at);
    if (stop.WaitUntil(wake)) break;
  }
}

}  // namespace candor::agent
