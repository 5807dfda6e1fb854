#include "collectors/windows/update_logic.h"

#include <algorithm>

namespace candor::collectors::windows {
namespace {

constexpr size_t kMaxListed = 50;

constexpr const char* kCbsRebootPending =
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending";
constexpr const char* kWuRebootRequired =
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired";

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

bool IsSecurityUpdate(const WindowsUpdate& update) {
  if (!update.msrc_severity.empty()) return true;
  return std::any_of(update.categories.begin(), update.categories.end(), [](const std::string& c) {
    return c == "Security Updates" || c == "Critical Updates";
  });
}

Verdict PatchLevel(const std::optional<std::vector<WindowsUpdate>>& updates,
                   const RegistryView& registry, std::chrono::system_clock::time_point now,
                   std::chrono::hours max_security_age) {
  Verdict v;
  std::string reboot_reason;
  if (registry.KeyExists(Hive::kLocalMachine, kCbsRebootPending)) {
    reboot_reason = "Windows servicing is waiting for a reboot (RebootPending)";
  } else if (registry.KeyExists(Hive::kLocalMachine, kWuRebootRequired)) {
    reboot_reason = "Windows Update is waiting for a reboot (RebootRequired)";
  }
  v.facts["reboot_required"] = !reboot_reason.empty();
  if (!reboot_reason.empty()) v.facts["reboot_reason"] = reboot_reason;
  if (!updates) {
    v.status = Verdict::Status::kError;
    v.reason = "Windows Update could not be asked for pending updates";
    return v;
  }
  std::vector<std::string> security;
  std::vector<std::string> overdue;
  int64_t oldest_days = 0;
  int64_t security_count = 0;
  for (const WindowsUpdate& update : *updates) {
    if (!IsSecurityUpdate(update)) continue;
    ++security_count;
    const std::string name = update.kb.empty() ? update.title : update.kb;
    const auto pending = now > update.first_seen ? now - update.first_seen
                                                 : std::chrono::system_clock::duration::zero();
    oldest_days = std::max<int64_t>(
        oldest_days, std::chrono::duration_cast<std::chrono::hours>(pending).count() / 24);
    if (pending > max_security_age) overdue.push_back(name);
    if (security.size() < kMaxListed) security.push_back(name);
  }
  v.facts["pending_updates"] = static_cast<int64_t>(updates->size());
  v.facts["pending_security"] = security_count;
  v.facts["security_updates"] = Join(security);
  v.facts["oldest_security_days"] = oldest_days;
  const std::string tail = reboot_reason.empty() ? "" : "; reboot needed: " + reboot_reason;
  const int64_t max_days = max_security_age.count() / 24;
  if (!overdue.empty()) {
    v.status = Verdict::Status::kFail;
    v.reason = std::to_string(overdue.size()) + " security update(s) pending for more than " +
               std::to_string(max_days) + " days (" + Join(overdue) + ")" + tail;
    return v;
  }
  v.status = Verdict::Status::kPass;
  v.reason = updates->empty() ? "up to date" + tail
                              : std::to_string(updates->size()) + " update(s) pending, " +
                                    std::to_string(security_count) + " of them security" + tail;
  return v;
}

}  // namespace candor::collectors::windows
