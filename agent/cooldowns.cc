#include "agent/cooldowns.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "agent/log.h"
#include "config/atomic_file.h"

namespace candor::agent {

Cooldowns::Cooldowns(std::chrono::seconds base, std::filesystem::path dir)
    : base_(base), dir_(std::move(dir)) {}

void Cooldowns::Load() {
  if (dir_.empty()) return;
  std::ifstream in(dir_ / kFileName);
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    std::istringstream fields(line);
    std::string check;
    int64_t until = 0;
    int repeats = 0;
    if (!(fields >> check >> until >> repeats) || repeats < 1 || repeats > 64) {
      Log(absl::StrCat((dir_ / kFileName).string(), ":", line_number,
                       ": damaged cool-down line skipped"));
      continue;
    }
    entries_[check] = Entry{TimePoint(std::chrono::seconds(until)), repeats};
  }
}

Cooldowns::TimePoint Cooldowns::Put(const std::string& check, TimePoint now) {
  Entry& entry = entries_[check];
  entry.repeats = std::min(entry.repeats + 1, 64);
  const std::chrono::seconds cap = std::max(base_, kMaxDoubled);
  std::chrono::seconds wait = base_;
  for (int i = 1; i < entry.repeats && wait < cap; ++i) wait *= 2;
  entry.until = now + std::min(wait, cap);
  Save();
  if (listener_) listener_(check, entry.until);
  return entry.until;
}

std::optional<Cooldowns::TimePoint> Cooldowns::Until(const std::string& check,
                                                     TimePoint now) const {
  auto it = entries_.find(check);
  if (it == entries_.end() || it->second.until <= now) return std::nullopt;
  return it->second.until;
}

void Cooldowns::Completed(const std::string& check, TimePoint now) {
  auto it = entries_.find(check);
  if (it == entries_.end() || it->second.until > now) return;
  entries_.erase(it);
  Save();
  if (listener_) listener_(check, std::nullopt);
}

void Cooldowns::Watch(Listener listener) {
  listener_ = std::move(listener);
  if (!listener_) return;
  for (const auto& [check, entry] : entries_) listener_(check, entry.until);
}

void Cooldowns::Save() const {
  if (dir_.empty()) return;
  std::string content;
  for (const auto& [check, entry] : entries_) {
    absl::StrAppend(
        &content, check, " ",
        std::chrono::duration_cast<std::chrono::seconds>(entry.until.time_since_epoch()).count(),
        " ", entry.repeats, "\n");
  }
  // A cool-down that is not saved still holds in this process; the next one may run the
  // check sooner. Worth a line, not a stop.
  if (absl::Status s = config::WriteFileAtomically(dir_, kFileName, content); !s.ok()) {
    Log(absl::StrCat("cool-downs not saved: ", s.message()));
  }
}

}  // namespace candor::agent
