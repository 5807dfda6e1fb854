#include "collectors/windows/update_agent_win32.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <objbase.h>
#include <oleauto.h>
#include <wuapi.h>
#include "collectors/windows/com_scope_win32.h"
// clang-format on

namespace candor::collectors::windows {
namespace {

// Defined here rather than linked from uuid libraries, so the adapter builds alone.
constexpr GUID kClsidUpdateSession = {
    0x4CB43D7F, 0x7EEE, 0x4906, {0x86, 0x98, 0x60, 0xDA, 0x1C, 0x38, 0xF2, 0xFE}};
constexpr GUID kIidUpdateSession = {
    0x816858A4, 0x260D, 0x4260, {0x93, 0x3A, 0x25, 0x85, 0xF1, 0xAB, 0xC7, 0x6B}};

// Releases a COM pointer when it goes out of scope.
template <typename T>
class Com {
 public:
  Com() = default;
  ~Com() {
    if (p_ != nullptr) p_->Release();
  }
  Com(const Com&) = delete;
  Com& operator=(const Com&) = delete;
  T** out() { return &p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

// A BSTR freed when it goes out of scope, read as UTF-8.
class Bstr {
 public:
  ~Bstr() { SysFreeString(b_); }
  BSTR* out() { return &b_; }
  std::string Utf8() const {
    if (b_ == nullptr) return "";
    const int length = static_cast<int>(SysStringLen(b_));
    const int n = WideCharToMultiByte(CP_UTF8, 0, b_, length, nullptr, 0, nullptr, nullptr);
    std::string out(static_cast<size_t>(n > 0 ? n : 0), '\0');
    if (n > 0) WideCharToMultiByte(CP_UTF8, 0, b_, length, out.data(), n, nullptr, nullptr);
    return out;
  }

 private:
  BSTR b_ = nullptr;
};

WindowsUpdate ReadUpdate(IUpdate* update) {
  WindowsUpdate out;
  Bstr title;
  if (SUCCEEDED(update->get_Title(title.out()))) out.title = title.Utf8();
  Bstr severity;
  if (SUCCEEDED(update->get_MsrcSeverity(severity.out()))) out.msrc_severity = severity.Utf8();
  Com<IStringCollection> kbs;
  LONG count = 0;
  if (SUCCEEDED(update->get_KBArticleIDs(kbs.out())) && kbs && SUCCEEDED(kbs->get_Count(&count)) &&
      count > 0) {
    Bstr kb;
    if (SUCCEEDED(kbs->get_Item(0, kb.out()))) out.kb = "KB" + kb.Utf8();
  }
  Com<ICategoryCollection> categories;
  if (SUCCEEDED(update->get_Categories(categories.out())) && categories &&
      SUCCEEDED(categories->get_Count(&count))) {
    for (LONG i = 0; i < count; ++i) {
      Com<ICategory> category;
      Bstr name;
      if (SUCCEEDED(categories->get_Item(i, category.out())) && category &&
          SUCCEEDED(category->get_Name(name.out()))) {
        out.categories.push_back(name.Utf8());
      }
    }
  }
  return out;
}

}  // namespace

std::optional<std::vector<WindowsUpdate>> Win32UpdateAgent::PendingUpdates() const {
  ComScope com;
  if (!com.ok()) return std::nullopt;
  Com<IUpdateSession> session;
  if (FAILED(CoCreateInstance(kClsidUpdateSession, nullptr, CLSCTX_INPROC_SERVER, kIidUpdateSession,
                              reinterpret_cast<void**>(session.out())))) {
    return std::nullopt;
  }
  Com<IUpdateSearcher> searcher;
  if (FAILED(session->CreateUpdateSearcher(searcher.out())) || !searcher) return std::nullopt;
  // Only what is cached on the machine: the agent never makes Windows Update go online.
  searcher->put_Online(VARIANT_FALSE);
  BSTR criteria = SysAllocString(L"IsInstalled=0 and Type='Software' and IsHidden=0");
  Com<ISearchResult> result;
  const HRESULT hr = searcher->Search(criteria, result.out());
  SysFreeString(criteria);
  if (FAILED(hr) || !result) return std::nullopt;
  Com<IUpdateCollection> updates;
  LONG count = 0;
  if (FAILED(result->get_Updates(updates.out())) || !updates ||
      FAILED(updates->get_Count(&count))) {
    return std::nullopt;
  }
  std::vector<WindowsUpdate> out;
  for (LONG i = 0; i < count; ++i) {
    Com<IUpdate> update;
    if (SUCCEEDED(updates->get_Item(i, update.out())) && update)
      out.push_back(ReadUpdate(update.operator->()));
  }
  return out;
}

}  // namespace candor::collectors::windows
