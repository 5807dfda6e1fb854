#pragma once

// Windows posture verdicts from the facts behind RegistryView and SecurityView. Plain C++
// (no abseil, no Linux headers) so the same code builds for the Windows agent with
// mingw-w64 and for the tests on Linux. Where each fact lives: the shared design notes'
// detection reference, Windows section.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "collectors/windows/views.h"

namespace candor::collectors::windows {

struct Verdict {
  enum class Status { kPass, kFail, kNotApplicable, kError };
  Status status = Status::kError;
  std::string reason;
  std::map<std::string, std::variant<std::string, int64_t, bool>> facts;
};

// OS name and version; Windows 11 still says "Windows 10" in ProductName: build >= 22000.
Verdict OsInfo(const RegistryView& registry);

// Every profile (domain, private, public) on, blocking inbound by default. Effective
// state from the firewall service when it answers; otherwise group policy keys over the
// local settings over Windows' defaults (on, block): a home PC without group policy does
// not fail for a missing policy key.
Verdict Firewall(const RegistryView& registry, const SecurityView& security);

// UEFISecureBootEnabled; no SecureBoot state key means legacy BIOS (not applicable).
Verdict SecureBoot(const RegistryView& registry);

// BitLocker protection on the operating-system volume.
Verdict DiskEncryption(const SecurityView& security);

// A registered antivirus whose real-time protection is on and signatures up to date.
Verdict Antivirus(const SecurityView& security);

// Members of the Administrators group (S-1-5-32-544) against `allowed` (names compared
// without case, with or without the "DOMAIN\" part; the built-in Administrator account and
// the Domain Admins group are not counted). Counts, never the names of unexpected members.
Verdict LocalAdmins(const SecurityView& security, const std::vector<std::string>& allowed);

// Winlogon AutoAdminLogon; with `accounts`, only an automatic logon into one of them
// (DefaultUserName, case ignored) fails: the work account on a shared PC.
Verdict AutoLogin(const RegistryView& registry, const std::vector<std::string>& accounts = {});

// For every user profile loaded under HKEY_USERS: a password-protected screen saver within
// `max_idle_minutes` (user policy over user setting), or the machine's
// InactivityTimeoutSecs within the limit, which locks every session. Counts, not names.
// With `sids`, only those profiles are judged (the work account on a shared PC).
Verdict ScreenLock(const RegistryView& registry, int64_t max_idle_minutes,
                   const std::vector<std::string>& sids = {});

// ASCII lower case (account names are compared without case).
std::string AsciiLower(std::string text);
// "DESKTOP-1\\Marjorie" -> "marjorie": the account part of a group member, lower case.
std::string AccountPart(const std::string& member);

}  // namespace candor::collectors::windows
