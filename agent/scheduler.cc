#include "agent/scheduler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"

namespace candor::agent {

Scheduler::Scheduler(boost::asio::io_context& io, const Clock& clock, WakeTimer& timer,
                     boost::asio::thread_pool& pool, const collectors::CollectorRegistry& registry,
                     const collectors::HostView& host, Sink sink, uint64_t seed)
    : io_(io),
      clock_(clock),
      timer_(timer),
      pool_(pool),
      registry_(registry),
      host_(host),
      sink_(std::move(sink)),
      schedule_(seed) {}

std::vector<config::CheckSpec> Scheduler::ChecksForThisPlatform(
    const config::Policy& policy) const {
  std::vector<config::CheckSpec> checks;
  for (const config::CheckSpec& check : policy.checks) {
    if (std::find(check.platforms.begin(), check.platforms.end(), config::CurrentPlatform()) !=
        check.platforms.end()) {
      checks.push_back(check);
    }
  }
  return checks;
}

void Scheduler::SetPolicy(std::shared_ptr<const config::Policy> policy) {
  policy_ = std::move(policy);
  schedule_.SetChecks(ChecksForThisPlatform(*policy_), clock_.Now());
  Tick();
}

void Scheduler::RunAllOnce(std::shared_ptr<const config::Policy> policy,
                           std::function<void()> done) {
  once_ = true;
  once_done_ = std::move(done);
  policy_ = std::move(policy);
  for (const config::CheckSpec& check : ChecksForThisPlatform(*policy_)) Start(check);
  Arm();
  MaybeFinishOnce();
}

void Scheduler::Stop() {
  stopped_ = true;
  *alive_ = false;
  timer_.Cancel();
}

void Scheduler::Tick() {
  if (stopped_) return;
  ++stats_.wakes;
  const Clock::TimePoint now = clock_.Now();
  ReportTimeouts(now);
  if (!once_) {
    for (const std::string& id : schedule_.TakeDue(now)) {
      auto check = std::find_if(policy_->checks.begin(), policy_->checks.end(),
                                [&](const config::CheckSpec& c) { return c.id == id; });
      if (check == policy_->checks.end()) continue;
      if (running_.count(id) != 0) {
        ++stats_.skipped_running;  // not started a second time
        continue;
      }
      Start(*check);
    }
  }
  Arm();
  MaybeFinishOnce();
}

void Scheduler::Start(const config::CheckSpec& spec) {
  const collectors::Collector* collector = registry_.Find(spec.collector);
  const Clock::TimePoint now = clock_.Now();
  const uint64_t generation = next_generation_++;
  running_[spec.id] = Run{generation, spec, policy_->version, now + spec.timeout};
  ++stats_.runs;
  if (collector == nullptr) {  // the policy loader checks this; never trust it blindly
    collectors::CheckResult result;
    result.reason = absl::StrCat("collector \"", spec.collector, "\" is not in this agent");
    OnResult(spec.id, generation, std::move(result));
    return;
  }
  // The pool thread touches only the collector, the host view and the io_context, which
  // all outlive it; `this` is used back on the io thread, and only while `alive`.
  boost::asio::post(pool_, [this, &io = io_, &host = host_, alive = alive_, collector, id = spec.id,
                            generation, params = spec.params] {
    collectors::CheckResult result = collector->Collect(host, params);
    boost::asio::post(io, [this, alive, id, generation, result = std::move(result)]() mutable {
      if (*alive) OnResult(id, generation, std::move(result));
    });
  });
}

void Scheduler::OnResult(const std::string& id, uint64_t generation,
                         collectors::CheckResult result) {
  auto it = running_.find(id);
  if (it == running_.end() || it->second.generation != generation) return;
  const Run run = std::move(it->second);
  running_.erase(it);
  // A run already reported as timed out only frees its slot now.
  if (!run.timed_out) sink_(run.spec, result, clock_.Now(), run.policy_version);
  Arm();  // its timeout no longer needs a wake-up
  MaybeFinishOnce();
}

void Scheduler::ReportTimeouts(Clock::TimePoint now) {
  for (auto& [id, run] : running_) {
    if (run.timed_out || now < run.deadline) continue;
    run.timed_out = true;
    ++stats_.timeouts;
    collectors::CheckResult result;
    result.status = collectors::CheckStatus::kError;
    result.reason = absl::StrCat("timed out after ", run.spec.timeout.count(), "s");
    sink_(run.spec, result, now, run.policy_version);
  }
}

void Scheduler::Arm() {
  if (stopped_) return;
  Clock::TimePoint wake = Clock::TimePoint::max();
  if (!once_) wake = schedule_.NextDue().value_or(Clock::TimePoint::max());
  for (const auto& [id, run] : running_) {
    if (!run.timed_out) wake = std::min(wake, run.deadline);
  }
  if (wake == Clock::TimePoint::max()) {
    timer_.Cancel();
    return;
  }
  timer_.WakeAt(wake, [this] { Tick(); });
}

void Scheduler::MaybeFinishOnce() {
  if (!once_ || !once_done_) return;
  const bool all_reported = std::all_of(running_.begin(), running_.end(),
                                        [](const auto& entry) { return entry.second.timed_out; });
  if (all_reported) std::exchange(once_done_, nullptr)();
}

}  // namespace candor::agent
