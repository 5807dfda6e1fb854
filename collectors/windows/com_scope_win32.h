#pragma once

// COM initialized (multithreaded) for one scope on the calling thread, as every Win32
// adapter call needs. Windows only; include after <windows.h> and <objbase.h>.

namespace candor::collectors::windows {

class ComScope {
 public:
  ComScope() : hr_(CoInitializeEx(nullptr, COINIT_MULTITHREADED)) {}
  ~ComScope() {
    if (SUCCEEDED(hr_)) CoUninitialize();
  }
  ComScope(const ComScope&) = delete;
  ComScope& operator=(const ComScope&) = delete;
  // Also when COM was already initialized on this thread in the other model.
  bool ok() const { return SUCCEEDED(hr_) || hr_ == RPC_E_CHANGED_MODE; }

 private:
  HRESULT hr_;
};

}  // namespace candor::collectors::windows
