#include "collectors/windows/accounts_win32.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <aclapi.h>
#include <lm.h>
#include <sddl.h>
#include <tlhelp32.h>
#include "collectors/windows/utf16_win32.h"
// clang-format on

#include <memory>

namespace candor::collectors::windows {
namespace {

// "S-1-5-21-..." for a SID; empty when it cannot be converted.
std::string SidString(PSID sid) {
  LPWSTR text = nullptr;
  if (!ConvertSidToStringSidW(sid, &text)) return std::string();
  std::string out = Utf8(text);
  LocalFree(text);
  return out;
}

// The SID of a local account, as a string; empty when it cannot be looked up.
std::string AccountSid(const wchar_t* name) {
  DWORD sid_size = 0, domain_size = 0;
  SID_NAME_USE use;
  LookupAccountNameW(nullptr, name, nullptr, &sid_size, nullptr, &domain_size, &use);
  if (sid_size == 0) return std::string();
  std::unique_ptr<BYTE[]> sid(new BYTE[sid_size]);
  std::wstring domain(domain_size, L'\0');
  if (!LookupAccountNameW(nullptr, name, sid.get(), &sid_size, domain.data(), &domain_size, &use)) {
    return std::string();
  }
  return SidString(sid.get());
}

class Handle {
 public:
  explicit Handle(HANDLE h) : h_(h) {}
  ~Handle() {
    if (h_ != nullptr && h_ != INVALID_HANDLE_VALUE) CloseHandle(h_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  HANDLE get() const { return h_; }
  bool ok() const { return h_ != nullptr && h_ != INVALID_HANDLE_VALUE; }

 private:
  HANDLE h_;
};

// The token user of a process, as a SID string; empty when it cannot be asked (a
// protected process, or one that exited).
std::string ProcessUser(DWORD pid) {
  Handle process(OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
  if (!process.ok()) return std::string();
  HANDLE raw_token = nullptr;
  if (!OpenProcessToken(process.get(), TOKEN_QUERY, &raw_token)) return std::string();
  Handle token(raw_token);
  DWORD size = 0;
  GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  if (size == 0) return std::string();
  std::unique_ptr<BYTE[]> buffer(new BYTE[size]);
  if (!GetTokenInformation(token.get(), TokenUser, buffer.get(), size, &size)) {
    return std::string();
  }
  return SidString(reinterpret_cast<TOKEN_USER*>(buffer.get())->User.Sid);
}

}  // namespace

std::optional<std::vector<LocalUser>> Win32Accounts::LocalUsers() const {
  std::vector<LocalUser> users;
  DWORD resume = 0;
  NET_API_STATUS listed;
  do {
    USER_INFO_20* info = nullptr;
    DWORD read = 0, total = 0;
    listed = NetUserEnum(nullptr, 20, FILTER_NORMAL_ACCOUNT, reinterpret_cast<LPBYTE*>(&info),
                         MAX_PREFERRED_LENGTH, &read, &total, &resume);
    if (listed != NERR_Success && listed != ERROR_MORE_DATA) return std::nullopt;
    for (DWORD i = 0; i < read; ++i) {
      LocalUser user;
      user.name = Utf8(info[i].usri20_name);
      user.sid = AccountSid(info[i].usri20_name);
      user.disabled = (info[i].usri20_flags & UF_ACCOUNTDISABLE) != 0;
      const DWORD rid = info[i].usri20_user_id;
      user.built_in = rid == 500 || rid == 501 || rid == 503 || rid == 504;
      users.push_back(std::move(user));
    }
    if (info != nullptr) NetApiBufferFree(info);
  } while (listed == ERROR_MORE_DATA);
  return users;
}

std::optional<std::vector<AccessEntry>> Win32Accounts::DirectoryAccess(
    const std::string& path) const {
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  const std::wstring wide = Wide(path);
  if (GetNamedSecurityInfoW(wide.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                            nullptr, &dacl, nullptr, &descriptor) != ERROR_SUCCESS) {
    return std::nullopt;
  }
  std::vector<AccessEntry> entries;
  if (dacl == nullptr) {
    // A null DACL grants everyone everything.
    entries.push_back({.sid = "S-1-1-0", .allow = true, .grants_read = true});
  } else {
    for (DWORD i = 0; i < dacl->AceCount; ++i) {
      void* ace = nullptr;
      if (!GetAce(dacl, i, &ace)) continue;
      const auto* header = static_cast<ACE_HEADER*>(ace);
      ACCESS_MASK mask = 0;
      PSID sid = nullptr;
      if (header->AceType == ACCESS_ALLOWED_ACE_TYPE) {
        auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
        mask = allowed->Mask;
        sid = &allowed->SidStart;
      } else if (header->AceType == ACCESS_DENIED_ACE_TYPE) {
        auto* denied = static_cast<ACCESS_DENIED_ACE*>(ace);
        mask = denied->Mask;
        sid = &denied->SidStart;
      } else {
        continue;  // object and callback entries do not occur on profile folders
      }
      entries.push_back({.sid = SidString(sid),
                         .allow = header->AceType == ACCESS_ALLOWED_ACE_TYPE,
                         .grants_read = (mask & (FILE_READ_DATA | GENERIC_READ | GENERIC_ALL)) != 0,
                         .inherit_only = (header->AceFlags & INHERIT_ONLY_ACE) != 0});
    }
  }
  LocalFree(descriptor);
  return entries;
}

std::optional<std::vector<std::string>> Win32Accounts::ProcessesOf(const std::string& sid) const {
  Handle snapshot(CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
  if (!snapshot.ok()) return std::nullopt;
  PROCESSENTRY32W entry;
  entry.dwSize = sizeof entry;
  std::vector<std::string> names;
  for (BOOL more = Process32FirstW(snapshot.get(), &entry); more;
       more = Process32NextW(snapshot.get(), &entry)) {
    if (entry.th32ProcessID == 0 || ProcessUser(entry.th32ProcessID) != sid) continue;
    names.push_back(Utf8(entry.szExeFile));
  }
  return names;
}

std::optional<std::vector<std::string>> Win32Accounts::ListDirectory(
    const std::string& path) const {
  WIN32_FIND_DATAW data;
  const std::wstring pattern = Wide(path + "\\*");
  HANDLE find =
      FindFirstFileExW(pattern.c_str(), FindExInfoBasic, &data, FindExSearchNameMatch, nullptr, 0);
  if (find == INVALID_HANDLE_VALUE) return std::nullopt;
  std::vector<std::string> names;
  do {
    const std::string name = Utf8(data.cFileName);
    if (name != "." && name != "..") names.push_back(name);
  } while (FindNextFileW(find, &data) && names.size() < 16384);
  FindClose(find);
  return names;
}

std::optional<std::string> Win32Accounts::ReadTextFile(const std::string& path,
                                                       size_t max_bytes) const {
  const std::wstring wide = Wide(path);
  Handle file(CreateFileW(wide.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                          OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.ok()) return std::nullopt;
  LARGE_INTEGER size;
  if (!GetFileSizeEx(file.get(), &size) || size.QuadPart < 0 ||
      static_cast<unsigned long long>(size.QuadPart) > max_bytes) {
    return std::nullopt;
  }
  std::string text(static_cast<size_t>(size.QuadPart), '\0');
  DWORD read = 0;
  if (!text.empty() &&
      (!ReadFile(file.get(), text.data(), static_cast<DWORD>(text.size()), &read, nullptr) ||
       read != text.size())) {
    return std::nullopt;
  }
  return text;
}

}  // namespace candor::collectors::windows
