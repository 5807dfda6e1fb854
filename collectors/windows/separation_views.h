#pragma once

// What the Windows separation checks read besides the registry and SecurityView: local
// accounts, a directory's access control list, whose processes run, and a few files (VPN
// phonebooks and configuration directories). Behind an interface so the logic is tested on
// Linux with fakes; accounts_win32.{h,cc} is the Win32 adapter. Safe to call from several
// threads.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace candor::collectors::windows {

struct LocalUser {
  std::string name;  // "work"
  std::string sid;   // "S-1-5-21-...-1001"
  bool disabled = false;
  // The accounts Windows creates itself (RID 500 Administrator, 501 Guest, 503
  // DefaultAccount, 504 WDAGUtilityAccount): never a person's.
  bool built_in = false;
};

struct AccessEntry {
  std::string sid;  // the trustee
  bool allow = true;
  bool grants_read = false;   // FILE_READ_DATA (list), GENERIC_READ or GENERIC_ALL
  bool inherit_only = false;  // applies to what is inside, not the directory itself
};

class AccountsView {
 public:
  virtual ~AccountsView() = default;
  // Local user accounts (NetUserEnum); nullopt when they cannot be listed.
  virtual std::optional<std::vector<LocalUser>> LocalUsers() const = 0;
  // The entries of a directory's DACL; nullopt when it cannot be read.
  virtual std::optional<std::vector<AccessEntry>> DirectoryAccess(
      const std::string& path) const = 0;
  // Executable names of the processes whose token user is `sid`; nullopt when the
  // processes cannot be listed.
  virtual std::optional<std::vector<std::string>> ProcessesOf(const std::string& sid) const = 0;
  // The names in a directory; nullopt when it does not exist or cannot be listed.
  virtual std::optional<std::vector<std::string>> ListDirectory(const std::string& path) const = 0;
  // A small text file's bytes; nullopt when missing, unreadable or over `max_bytes`.
  virtual std::optional<std::string> ReadTextFile(const std::string& path,
                                                  size_t max_bytes) const = 0;
};

}  // namespace candor::collectors::windows
