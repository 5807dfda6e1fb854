#include "agent/scheduler.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent/log.h"
#include "boost/asio/post.hpp"
#include "config/time_text.h"

namespace candor::agent {
namespace {

std::string TimeText(Clock::TimePoint t) {
  return config::Rfc3339(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

collectors::CheckResult ErrorResult(std::string reason) {
  collectors::CheckResult result;
  result.status = collectors::CheckStatus::kError;
  result.reason = std::move(reason);
  return result;
}

}  // namespace

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

const config::CheckSpec* Scheduler::Find(const std::string& id) const {
  if (policy_ == nullptr) return nullptr;
  auto check = std::find_if(policy_->checks.begin(), policy_->checks.end(),
                            [&](const config::CheckSpec& c) { return c.id == id; });
  return check == policy_->checks.end() ? nullptr : &*check;
}

std::optional<Clock::TimePoint> Scheduler::CooldownOf(const std::string& id,
                                                      Clock::TimePoint now) const {
  if (guards_.cooldowns == nullptr) return std::nullopt;
  return guards_.cooldowns->Until(id, now);
}

void Scheduler::HoldInterrupted(const std::vector<std::string>& checks) {
  if (guards_.cooldowns == nullptr) return;
  const Clock::TimePoint now = clock_.Now();
  for (const std::string& id : checks)
    interrupted_.emplace_back(id, guards_.cooldowns->Put(id, now));
}

void Scheduler::ReportInterrupted() {
  for (const auto& [id, until] : std::exchange(interrupted_, {})) {
    const std::string reason = absl::StrCat(
        "the agent stopped while this check ran; not run again before ", TimeText(until));
    Log(absl::StrCat("check \"", id, "\": ", reason));
    if (const config::CheckSpec* check = Find(id)) {
      sink_(*check, ErrorResult(reason), clock_.Now(), policy_->version);
    }
  }
}

void Scheduler::SetPolicy(std::shared_ptr<const config::Policy> policy) {
  policy_ = std::move(policy);
  ReportInterrupted();
  schedule_.SetChecks(ChecksForThisPlatform(*policy_), clock_.Now());
  Tick();
}

void Scheduler::RunAllOnce(std::shared_ptr<const config::Policy> policy,
                           std::function<void()> done) {
  once_ = true;
  once_done_ = std::move(done);
  policy_ = std::move(policy);
  ReportInterrupted();
  for (const config::CheckSpec& check : ChecksForThisPlatform(*policy_)) {
    if (CooldownOf(check.id, clock_.Now())) {
      ++stats_.skipped_cooldown;  // reported when it went into cool-down
      continue;
    }
    Start(check);
  }
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
  ApplyWatchdog(now);
  if (!once_) {
    for (const std::string& id : schedule_.TakeDue(now)) {
      const config::CheckSpec* check = Find(id);
      if (check == nullptr) continue;
      if (running_.count(id) != 0) {
        ++stats_.skipped_running;  // not started a second time
        continue;
      }
      if (CooldownOf(id, now)) {
        ++stats_.skipped_cooldown;
        owed_.insert(id);
        continue;
      }
      Start(*check);
    }
    StartOwed(now);
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
  const ResourceReader* reader = guards_.watchdog ? &guards_.watchdog->reader() : nullptr;
  boost::asio::post(pool_, [this, &io = io_, &host = host_, alive = alive_, collector, id = spec.id,
                            generation, params = spec.params, reader, record = guards_.running] {
    if (record != nullptr) record->Add(id);
    if (reader != nullptr) {
      // Read on this thread, before the collector runs: the baseline of its measurements.
      const ResourceReader::ThreadHandle thread = reader->CurrentThread();
      boost::asio::post(io,
                        [this, alive, id, generation, thread, thread_id = int64_t{::gettid()},
                         cpu = reader->ThreadCpu(thread), anonymous = reader->AnonymousBytes()] {
                          if (*alive) OnBegan(id, generation, thread_id, thread, cpu, anonymous);
                        });
    }
    collectors::CheckResult result = collector->Collect(host, params);
    if (record != nullptr) record->Remove(id);
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
  if (guards_.watchdog != nullptr) guards_.watchdog->Ended(id);
  // A run already reported (timed out, stopped) only frees its slot now.
  if (!run.reported()) {
    if (guards_.cooldowns != nullptr) guards_.cooldowns->Completed(id, clock_.Now());
    sink_(run.spec, result, clock_.Now(), run.policy_version);
  }
  Arm();  // its timeout no longer needs a wake-up
  MaybeFinishOnce();
}

void Scheduler::OnBegan(const std::string& id, uint64_t generation, int64_t thread_id,
                        ResourceReader::ThreadHandle thread,
                        std::optional<std::chrono::nanoseconds> cpu,
                        std::optional<uint64_t> anonymous) {
  auto it = running_.find(id);
  if (it == running_.end() || it->second.generation != generation) return;
  it->second.thread_id = thread_id;
  guards_.watchdog->Began(id, thread, cpu, anonymous, clock_.Now());
  Arm();  // the first sample may be due before anything else
}

void Scheduler::ApplyWatchdog(Clock::TimePoint now) {
  if (guards_.watchdog == nullptr) return;
  for (const Watchdog::Breach& breach : guards_.watchdog->SampleIfDue(now)) StopRun(breach, now);
}

void Scheduler::StopRun(const Watchdog::Breach& breach, Clock::TimePoint now) {
  auto it = running_.find(breach.check);
  if (it == running_.end()) return;
  Run& run = it->second;
  ++stats_.stopped;
  std::string after;
  if (guards_.cooldowns != nullptr) {
    after = absl::StrCat("; not run again before ",
                         TimeText(guards_.cooldowns->Put(breach.check, now)));
  }
  // A program it is running is killed, so that its collector returns soon.
  const int killed = run.thread_id != 0 ? host_.KillProgramsOfThread(run.thread_id) : 0;
  Log(absl::StrCat("watchdog: ", LimitName(breach.limit), " limit: check \"", breach.check,
                   "\" stopped: ", breach.measured, ", budget ", breach.budget, after,
                   killed > 0 ? "; the program it ran was killed" : ""));
  // Its thread cannot be interrupted: like a timed-out run, the slot stays taken until the
  // collector returns, and its late result is dropped.
  const bool already_reported = run.reported();
  run.stopped = true;
  if (already_reported) return;
  sink_(run.spec,
        ErrorResult(absl::StrCat("stopped by the agent's watchdog: ", breach.measured,
                                 " is over budget (", breach.budget, ")", after)),
        now, run.policy_version);
}

void Scheduler::StartOwed(Clock::TimePoint now) {
  for (auto it = owed_.begin(); it != owed_.end();) {
    if (CooldownOf(*it, now)) {
      ++it;
      continue;
    }
    const config::CheckSpec* check = Find(*it);
    if (check != nullptr && running_.count(*it) == 0) Start(*check);
    it = owed_.erase(it);
  }
}

void Scheduler::ReportTimeouts(Clock::TimePoint now) {
  for (auto& [id, run] : running_) {
    if (run.reported() || now < run.deadline) continue;
    run.timed_out = true;
    ++stats_.timeouts;
    sink_(run.spec, ErrorResult(absl::StrCat("timed out after ", run.spec.timeout.count(), "s")),
          now, run.policy_version);
  }
}

void Scheduler::Arm() {
  if (stopped_) return;
  Clock::TimePoint wake = Clock::TimePoint::max();
  if (!once_) wake = schedule_.NextDue().value_or(Clock::TimePoint::max());
  for (const auto& [id, run] : running_) {
    if (!run.reported()) wake = std::min(wake, run.deadline);
  }
  for (const std::string& id : owed_) {
    if (auto until = CooldownOf(id, clock_.Now())) wake = std::min(wake, *until);
  }
  if (guards_.watchdog != nullptr) {
    if (auto sample = guards_.watchdog->NextSample()) wake = std::min(wake, *sample);
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
                                        [](const auto& entry) { return entry.second.reported(); });
  if (all_reported) std::exchange(once_done_, nullptr)();
}

}  // namespace candor::agent
