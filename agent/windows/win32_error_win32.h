#pragma once

// The text of a Win32 error code, for the service adapters' messages. Windows only; include
// after <windows.h>.

#include <string>

#include "collectors/windows/utf16_win32.h"

namespace candor::agent::windows {

inline std::string Win32ErrorText(DWORD code) {
  wchar_t* text = nullptr;
  const DWORD length = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string message;
  if (length > 0 && text != nullptr) {
    message = collectors::windows::Utf8(text, length);
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r' ||
                                message.back() == ' ' || message.back() == '.')) {
      message.pop_back();
    }
  }
  LocalFree(text);
  return message + " (error " + std::to_string(code) + ")";
}

}  // namespace candor::agent::windows
