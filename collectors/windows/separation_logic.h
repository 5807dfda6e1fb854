#pragma once

// Work/personal separation on a Windows PC the family also uses (docs/windows.md): the same
// checks as on Linux (collectors/separation/), from the facts behind RegistryView,
// SecurityView and AccountsView. Plain C++ so it builds with mingw-w64 and is tested on
// Linux with fakes.
//
// `work_accounts` are names (case ignored) or SIDs. Every other enabled local account that
// Windows did not create itself counts as personal and is never named: counts, or
// pseudonyms from the injected `Pseudonymizer` (HMAC with the device's key in the agent).

#include <functional>
#include <string>
#include <vector>

#include "collectors/windows/posture_logic.h"
#include "collectors/windows/separation_views.h"
#include "config/software_entry.h"

namespace candor::collectors::windows {

struct Household {
  std::vector<LocalUser> work;
  std::vector<std::string> missing;  // named by the policy, not on this PC
  std::vector<LocalUser> personal;
  bool readable = true;  // false when the local accounts cannot be listed
};

Household ReadHousehold(const AccountsView& accounts,
                        const std::vector<std::string>& work_accounts);

// A stable, per-device pseudonym for an account name ("p-" and 12 hex digits).
using Pseudonymizer = std::function<std::string(const std::string& name)>;

// The work accounts exist, are enabled and are not accounts Windows created.
Verdict WorkAccount(const AccountsView& accounts, const std::vector<std::string>& work_accounts);

// No work account is a member of Administrators (S-1-5-32-544).
Verdict WorkAccountNotAdmin(const AccountsView& accounts, const SecurityView& security,
                            const std::vector<std::string>& work_accounts);

// No other member of Administrators besides the built-in Administrator: an administrator can
// read the work profile. Counts and pseudonyms, never names.
Verdict PersonalAccountsNotAdmin(const AccountsView& accounts, const SecurityView& security,
                                 const std::vector<std::string>& work_accounts,
                                 const Pseudonymizer& pseudonym);

// The work profile folder (ProfileList\<SID>\ProfileImagePath) grants read only to its
// account, SYSTEM and Administrators: no entry for Everyone, Users, Authenticated Users or
// another account or group.
Verdict WorkHomePrivate(const RegistryView& registry, const AccountsView& accounts,
                        const std::vector<std::string>& work_accounts);

// The work profile's volume is BitLocker-protected.
Verdict WorkHomeEncrypted(const RegistryView& registry, const SecurityView& security,
                          const AccountsView& accounts,
                          const std::vector<std::string>& work_accounts);

// No catalog entry installed for the machine (HKLM Uninstall, 64- and 32-bit) or for the
// work account (its own Uninstall key, readable while its profile is loaded), and none of
// its executables running as the work account. Catalog ids only.
Verdict NoPersonalSoftware(const RegistryView& registry, const AccountsView& accounts,
                           const std::vector<config::SoftwareEntry>& entries,
                           const std::vector<std::string>& work_accounts);

// A VPN connection for work: Windows' own VPN connections (the all-users phonebook and the
// work account's, entries of Type=2), WireGuard tunnels (tunnel services, configurations),
// OpenVPN client configurations (the machine's config_dir and the work profile's). Types
// and a count only; never names, servers or keys.
Verdict VpnConfigured(const RegistryView& registry, const AccountsView& accounts,
                      const std::vector<std::string>& work_accounts);

// The SIDs of the named work accounts that exist (for ScreenLock's `sids`).
std::vector<std::string> WorkSids(const AccountsView& accounts,
                                  const std::vector<std::string>& work_accounts);

}  // namespace candor::collectors::windows
