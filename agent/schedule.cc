#include "agent/schedule.h"

#include <algorithm>

namespace candor::agent {

std::chrono::seconds Schedule::Random(std::chrono::seconds upper) {
  if (upper.count() <= 0) return std::chrono::seconds(0);
  std::uniform_int_distribution<int64_t> pick(0, upper.count());
  return std::chrono::seconds(pick(rng_));
}

void Schedule::SetChecks(const std::vector<config::CheckSpec>& checks, TimePoint now) {
  std::vector<Entry> next;
  next.reserve(checks.size());
  for (const config::CheckSpec& spec : checks) {
    auto old = std::find_if(entries_.begin(), entries_.end(),
                            [&](const Entry& e) { return e.spec.id == spec.id; });
    if (old != entries_.end() && old->spec == spec) {
      next.push_back(std::move(*old));
    } else {
      next.push_back(Entry{spec, now, now});  // new or changed: run at once
    }
  }
  entries_ = std::move(next);
}

void Schedule::CatchUp(Entry& entry, TimePoint now) {
  const auto window = std::min(std::max(entry.spec.splay, std::chrono::seconds(kCatchUpWindow)),
                               entry.spec.interval);
  entry.base = now;
  entry.due = now + Random(window);
}

std::vector<std::string> Schedule::TakeDue(TimePoint now) {
  std::vector<std::string> due;
  for (Entry& entry : entries_) {
    // The clock stepped back: a due time further away than one period cannot be right.
    if (entry.due - now > entry.spec.interval + entry.spec.splay) {
      CatchUp(entry, now);
      continue;
    }
    if (entry.due > now) continue;
    if (now - entry.due > kLateTolerance) {
      // Slept or stepped forward through the due time: run once, soon, spread out.
      CatchUp(entry, now);
      continue;
    }
    due.push_back(entry.spec.id);
    entry.base += entry.spec.interval;
    if (entry.base <= now) entry.base = now + entry.spec.interval;
    entry.due = entry.base + Random(entry.spec.splay);
  }
  return due;
}

std::optional<Schedule::TimePoint> Schedule::NextDue() const {
  std::optional<TimePoint> next;
  for (const Entry& entry : entries_) {
    if (!next || entry.due < *next) next = entry.due;
  }
  return next;
}

std::optional<Schedule::TimePoint> Schedule::DueOf(const std::string& id) const {
  for (const Entry& entry : entries_) {
    if (entry.spec.id == id) return entry.due;
  }
  return std::nullopt;
}

}  // namespace candor::agent
