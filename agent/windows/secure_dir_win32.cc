#include "agent/windows/secure_dir_win32.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
// clang-format on

#include "agent/windows/win32_error_win32.h"
#include "collectors/windows/utf16_win32.h"

namespace candor::agent::windows {
namespace {

using collectors::windows::Wide;

// Memory Windows allocated with LocalAlloc (descriptors from the SDDL conversion and
// GetNamedSecurityInfoW).
class LocalMemory {
 public:
  LocalMemory() = default;
  LocalMemory(const LocalMemory&) = delete;
  LocalMemory& operator=(const LocalMemory&) = delete;
  ~LocalMemory() { LocalFree(memory_); }
  PSECURITY_DESCRIPTOR* out() { return &memory_; }
  PSECURITY_DESCRIPTOR get() const { return memory_; }

 private:
  PSECURITY_DESCRIPTOR memory_ = nullptr;
};

bool Fail(std::string* error, const std::string& path, const std::string& what) {
  *error = path + ": " + what;
  return false;
}

bool OwnedBySystemOrAdministrators(const std::wstring& path, std::string* problem) {
  PSID owner = nullptr;
  LocalMemory descriptor;
  const DWORD rc = GetNamedSecurityInfoW(path.c_str(), SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION,
                                         &owner, nullptr, nullptr, nullptr, descriptor.out());
  if (rc != ERROR_SUCCESS) {
    *problem = "cannot read its owner: " + Win32ErrorText(rc);
    return false;
  }
  if (IsWellKnownSid(owner, WinLocalSystemSid) ||
      IsWellKnownSid(owner, WinBuiltinAdministratorsSid)) {
    return true;
  }
  std::string sid = "another account";
  wchar_t* text = nullptr;
  if (ConvertSidToStringSidW(owner, &text)) {
    sid = collectors::windows::Utf8(text);
    LocalFree(text);
  }
  *problem = "is owned by " + sid +
             ", not by SYSTEM or Administrators; refusing to use it (remove it, or take "
             "ownership as an administrator)";
  return false;
}

}  // namespace

bool SecureDirectory(const std::string& path, const std::string& sddl, std::string* error) {
  LocalMemory descriptor;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(Wide(sddl).c_str(), SDDL_REVISION_1,
                                                            descriptor.out(), nullptr)) {
    return Fail(error, path,
                "bad security descriptor " + sddl + ": " + Win32ErrorText(GetLastError()));
  }
  std::wstring wide = Wide(path);
  SECURITY_ATTRIBUTES attributes{sizeof(SECURITY_ATTRIBUTES), descriptor.get(), FALSE};
  if (CreateDirectoryW(wide.c_str(), &attributes)) return true;  // new, with exactly `sddl`
  const DWORD created = GetLastError();
  if (created != ERROR_ALREADY_EXISTS) {
    return Fail(error, path, "cannot create: " + Win32ErrorText(created));
  }
  const DWORD attrs = GetFileAttributesW(wide.c_str());
  if (attrs == INVALID_FILE_ATTRIBUTES) return Fail(error, path, Win32ErrorText(GetLastError()));
  if ((attrs & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    return Fail(error, path, "is a junction or symbolic link; refusing to use it");
  }
  if ((attrs & FILE_ATTRIBUTE_DIRECTORY) == 0) return Fail(error, path, "is not a directory");
  std::string problem;
  if (!OwnedBySystemOrAdministrators(wide, &problem)) return Fail(error, path, problem);
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  if (!GetSecurityDescriptorDacl(descriptor.get(), &present, &dacl, &defaulted) || !present) {
    return Fail(error, path, "security descriptor " + sddl + " has no DACL");
  }
  const DWORD rc = SetNamedSecurityInfoW(
      wide.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
      nullptr, nullptr, dacl, nullptr);
  if (rc != ERROR_SUCCESS) {
    return Fail(error, path,
                "cannot restrict it to SYSTEM and Administrators: " + Win32ErrorText(rc));
  }
  return true;
}

}  // namespace candor::agent::windows
