#pragma once

// AccountsView on the live system: NetUserEnum for local accounts, GetNamedSecurityInfoW
// for a folder's DACL, the Toolhelp snapshot with each process's token user, and plain
// file reads. Windows only; compiled by scripts/check-windows.sh.

#include "collectors/windows/separation_views.h"

namespace candor::collectors::windows {

class Win32Accounts final : public AccountsView {
 public:
  std::optional<std::vector<LocalUser>> LocalUsers() const override;
  std::optional<std::vector<AccessEntry>> DirectoryAccess(const std::string& path) const override;
  std::optional<std::vector<std::string>> ProcessesOf(const std::string& sid) const override;
  std::optional<std::vector<std::string>> ListDirectory(const std::string& path) const override;
  std::optional<std::string> ReadTextFile(const std::string& path, size_t max_bytes) const override;
};

}  // namespace candor::collectors::windows
