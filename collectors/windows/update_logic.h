#pragma once

// Windows patch level: the verdict from the updates Windows Update offers and the
// reboot-pending keys. Plain C++ (like posture_logic.h), unit-tested on Linux with fakes;
// the Windows Update Agent adapter (update_agent_win32.cc) compiles with mingw-w64. When
// each update was first seen comes from the caller (the agent's collector state), so the
// logic stays a pure function.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collectors/windows/posture_logic.h"
#include "collectors/windows/views.h"

namespace candor::collectors::windows {

struct WindowsUpdate {
  std::string title;
  std::string kb;                       // "KB5034441" ("" when it has none)
  std::string msrc_severity;            // "Critical", "Important", "Moderate", "Low" or ""
  std::vector<std::string> categories;  // "Security Updates", "Critical Updates", ...
  std::chrono::system_clock::time_point first_seen;
};

class UpdateView {
 public:
  virtual ~UpdateView() = default;
  // Updates that apply and are not installed or hidden (IUpdateSearcher::Search with
  // "IsInstalled=0 and Type='Software' and IsHidden=0"); first_seen left at its default
  // (the caller fills it). nullopt when Windows Update cannot be asked.
  virtual std::optional<std::vector<WindowsUpdate>> PendingUpdates() const = 0;
};

// A security update: an MSRC severity, or the Security Updates or Critical Updates
// category.
bool IsSecurityUpdate(const WindowsUpdate& update);

// FAIL when a security update has been pending longer than `max_security_age`; ERROR when
// Windows Update cannot be asked (`updates` is nullopt); PASS otherwise. Facts:
// pending_updates, pending_security, security_updates (KB numbers, else titles, up to 50),
// oldest_security_days, reboot_required (Component Based Servicing\RebootPending or
// WindowsUpdate\Auto Update\RebootRequired) and reboot_reason.
Verdict PatchLevel(const std::optional<std::vector<WindowsUpdate>>& updates,
                   const RegistryView& registry, std::chrono::system_clock::time_point now,
                   std::chrono::hours max_security_age);

}  // namespace candor::collectors::windows
