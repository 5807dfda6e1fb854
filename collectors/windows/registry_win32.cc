#include "collectors/windows/registry_win32.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
// clang-format on

#include "collectors/windows/utf16_win32.h"

namespace candor::collectors::windows {
namespace {

HKEY Root(Hive hive) { return hive == Hive::kLocalMachine ? HKEY_LOCAL_MACHINE : HKEY_USERS; }

// Opens a key read-only in the 64-bit view; the caller closes it.
HKEY Open(Hive hive, const std::string& key) {
  HKEY handle = nullptr;
  if (RegOpenKeyExW(Root(hive), Wide(key).c_str(), 0, KEY_READ | KEY_WOW64_64KEY, &handle) !=
      ERROR_SUCCESS) {
    return nullptr;
  }
  return handle;
}

}  // namespace

std::optional<uint32_t> Win32Registry::Dword(Hive hive, const std::string& key,
                                             const std::string& value) const {
  HKEY handle = Open(hive, key);
  if (handle == nullptr) return std::nullopt;
  DWORD data = 0;
  DWORD size = sizeof data;
  const LSTATUS rc =
      RegGetValueW(handle, nullptr, Wide(value).c_str(), RRF_RT_REG_DWORD, nullptr, &data, &size);
  RegCloseKey(handle);
  if (rc != ERROR_SUCCESS) return std::nullopt;
  return static_cast<uint32_t>(data);
}

std::optional<std::string> Win32Registry::String(Hive hive, const std::string& key,
                                                 const std::string& value) const {
  HKEY handle = Open(hive, key);
  if (handle == nullptr) return std::nullopt;
  const std::wstring name = Wide(value);
  DWORD size = 0;
  LSTATUS rc = RegGetValueW(handle, nullptr, name.c_str(), RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ,
                            nullptr, nullptr, &size);
  std::wstring buffer(size / sizeof(wchar_t) + 1, L'\0');
  if (rc == ERROR_SUCCESS) {
    size = static_cast<DWORD>(buffer.size() * sizeof(wchar_t));
    rc = RegGetValueW(handle, nullptr, name.c_str(), RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ, nullptr,
                      buffer.data(), &size);
  }
  RegCloseKey(handle);
  if (rc != ERROR_SUCCESS) return std::nullopt;
  const size_t length = wcsnlen(buffer.data(), buffer.size());
  return Utf8(buffer.data(), length);
}

bool Win32Registry::KeyExists(Hive hive, const std::string& key) const {
  HKEY handle = Open(hive, key);
  if (handle == nullptr) return false;
  RegCloseKey(handle);
  return true;
}

std::vector<std::string> Win32Registry::SubKeys(Hive hive, const std::string& key) const {
  std::vector<std::string> names;
  HKEY handle = Open(hive, key);
  if (handle == nullptr) return names;
  wchar_t name[256];
  for (DWORD i = 0;; ++i) {
    DWORD length = 256;
    const LSTATUS rc = RegEnumKeyExW(handle, i, name, &length, nullptr, nullptr, nullptr, nullptr);
    if (rc != ERROR_SUCCESS) break;
    names.push_back(Utf8(name, length));
  }
  RegCloseKey(handle);
  return names;
}

}  // namespace candor::collectors::windows
