#include "collectors/windows/security_win32.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <lm.h>
#include <netfw.h>
#include <objbase.h>
#include <oleauto.h>
#include <wbemidl.h>
#include "collectors/windows/com_scope_win32.h"
#include "collectors/windows/utf16_win32.h"
// clang-format on

#include <functional>

namespace candor::collectors::windows {
namespace {

// Defined here rather than linked from uuid libraries, so the adapter builds alone.
constexpr GUID kClsidNetFwPolicy2 = {
    0xE2B3C97F, 0x6AE1, 0x41AC, {0x81, 0x7A, 0xF6, 0xF9, 0x21, 0x66, 0xD7, 0xDD}};
constexpr GUID kIidNetFwPolicy2 = {
    0x98325047, 0xC671, 0x4174, {0x8D, 0x81, 0xDE, 0xFC, 0xD3, 0xF0, 0x31, 0x86}};
constexpr GUID kClsidWbemLocator = {
    0x4590F811, 0x1D3A, 0x11D0, {0x89, 0x1F, 0x00, 0xAA, 0x00, 0x4B, 0x2E, 0x24}};
constexpr GUID kIidWbemLocator = {
    0xDC12A687, 0x737F, 0x11CF, {0x88, 0x4D, 0x00, 0xAA, 0x00, 0x4B, 0x2E, 0x24}};

constexpr LONG kRowTimeoutMs = 30000;

template <typename T>
void Release(T*& p) {
  if (p != nullptr) p->Release();
  p = nullptr;
}

// Runs a WQL query in `ns`; calls `row` for each result. False when WMI cannot be asked.
bool Query(const wchar_t* ns, const wchar_t* wql,
           const std::function<void(IWbemClassObject*)>& row) {
  IWbemLocator* locator = nullptr;
  if (FAILED(CoCreateInstance(kClsidWbemLocator, nullptr, CLSCTX_INPROC_SERVER, kIidWbemLocator,
                              reinterpret_cast<void**>(&locator)))) {
    return false;
  }
  IWbemServices* services = nullptr;
  BSTR ns_b = SysAllocString(ns);
  HRESULT hr =
      locator->ConnectServer(ns_b, nullptr, nullptr, nullptr, 0, nullptr, nullptr, &services);
  SysFreeString(ns_b);
  Release(locator);
  if (FAILED(hr)) return false;
  CoSetProxyBlanket(services, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, nullptr, RPC_C_AUTHN_LEVEL_CALL,
                    RPC_C_IMP_LEVEL_IMPERSONATE, nullptr, EOAC_NONE);
  IEnumWbemClassObject* results = nullptr;
  BSTR language = SysAllocString(L"WQL");
  BSTR query = SysAllocString(wql);
  hr = services->ExecQuery(language, query, WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY,
                           nullptr, &results);
  SysFreeString(language);
  SysFreeString(query);
  if (FAILED(hr)) {
    Release(services);
    return false;
  }
  while (true) {
    IWbemClassObject* object = nullptr;
    ULONG returned = 0;
    // Bounded: a WMI provider that hangs must not hang the check (it has its own timeout).
    if (FAILED(results->Next(kRowTimeoutMs, 1, &object, &returned)) || returned == 0) break;
    row(object);
    Release(object);
  }
  Release(results);
  Release(services);
  return true;
}

std::optional<int64_t> IntProperty(IWbemClassObject* object, const wchar_t* name) {
  VARIANT value;
  VariantInit(&value);
  std::optional<int64_t> result;
  if (SUCCEEDED(object->Get(name, 0, &value, nullptr, nullptr))) {
    if (value.vt == VT_I4) result = value.lVal;
    if (value.vt == VT_UI4) result = value.ulVal;
  }
  VariantClear(&value);
  return result;
}

std::string StringProperty(IWbemClassObject* object, const wchar_t* name) {
  VARIANT value;
  VariantInit(&value);
  std::string result;
  if (SUCCEEDED(object->Get(name, 0, &value, nullptr, nullptr)) && value.vt == VT_BSTR &&
      value.bstrVal != nullptr) {
    result = Utf8(value.bstrVal, SysStringLen(value.bstrVal));
  }
  VariantClear(&value);
  return result;
}

}  // namespace

std::optional<FirewallProfileState> Win32Security::Firewall(FirewallProfile profile) const {
  ComScope com;
  if (!com.ok()) return std::nullopt;
  INetFwPolicy2* policy = nullptr;
  if (FAILED(CoCreateInstance(kClsidNetFwPolicy2, nullptr, CLSCTX_INPROC_SERVER, kIidNetFwPolicy2,
                              reinterpret_cast<void**>(&policy)))) {
    return std::nullopt;
  }
  const NET_FW_PROFILE_TYPE2 type = profile == FirewallProfile::kDomain    ? NET_FW_PROFILE2_DOMAIN
                                    : profile == FirewallProfile::kPrivate ? NET_FW_PROFILE2_PRIVATE
                                                                           : NET_FW_PROFILE2_PUBLIC;
  VARIANT_BOOL enabled = VARIANT_FALSE;
  NET_FW_ACTION inbound = NET_FW_ACTION_ALLOW;
  const bool ok = SUCCEEDED(policy->get_FirewallEnabled(type, &enabled)) &&
                  SUCCEEDED(policy->get_DefaultInboundAction(type, &inbound));
  Release(policy);
  if (!ok) return std::nullopt;
  FirewallProfileState state;
  state.enabled = enabled == VARIANT_TRUE;
  state.inbound_blocked = inbound == NET_FW_ACTION_BLOCK;
  return state;
}

std::optional<std::vector<BitLockerVolume>> Win32Security::BitLockerVolumes() const {
  ComScope com;
  if (!com.ok()) return std::nullopt;
  std::vector<BitLockerVolume> volumes;
  const bool ok =
      Query(L"ROOT\\CIMV2\\Security\\MicrosoftVolumeEncryption",
            L"SELECT DriveLetter, ProtectionStatus, VolumeType FROM Win32_EncryptableVolume",
            [&](IWbemClassObject* row) {
              BitLockerVolume volume;
              volume.drive = StringProperty(row, L"DriveLetter");
              volume.os_volume = IntProperty(row, L"VolumeType").value_or(-1) == 0;
              volume.protection_status =
                  static_cast<int>(IntProperty(row, L"ProtectionStatus").value_or(2));
              volumes.push_back(volume);
            });
  if (!ok) return std::nullopt;
  return volumes;
}

std::optional<std::vector<AntivirusProduct>> Win32Security::AntivirusProducts() const {
  ComScope com;
  if (!com.ok()) return std::nullopt;
  std::vector<AntivirusProduct> products;
  const bool ok =
      Query(L"ROOT\\SecurityCenter2", L"SELECT displayName, productState FROM AntiVirusProduct",
            [&](IWbemClassObject* row) {
              AntivirusProduct product;
              product.name = StringProperty(row, L"displayName");
              product.product_state =
                  static_cast<uint32_t>(IntProperty(row, L"productState").value_or(0));
              products.push_back(product);
            });
  if (!ok) return std::nullopt;
  return products;
}

std::optional<std::vector<std::string>> Win32Security::LocalAdministrators() const {
  // The group's name is localized ("Administrateurs", "Administratoren"): find it by SID.
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD sid_size = sizeof sid;
  if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, nullptr, sid, &sid_size)) {
    return std::nullopt;
  }
  wchar_t group[256];
  wchar_t domain[256];
  DWORD group_size = 256, domain_size = 256;
  SID_NAME_USE use;
  if (!LookupAccountSidW(nullptr, sid, group, &group_size, domain, &domain_size, &use)) {
    return std::nullopt;
  }
  std::vector<std::string> members;
  DWORD_PTR resume = 0;
  NET_API_STATUS listed = NERR_Success;
  do {
    LOCALGROUP_MEMBERS_INFO_2* info = nullptr;
    DWORD read = 0, total = 0;
    listed = NetLocalGroupGetMembers(nullptr, group, 2, reinterpret_cast<LPBYTE*>(&info),
                                     MAX_PREFERRED_LENGTH, &read, &total, &resume);
    if (listed != NERR_Success && listed != ERROR_MORE_DATA) return std::nullopt;
    for (DWORD i = 0; i < read; ++i) {
      members.push_back(Utf8(info[i].lgrmi2_domainandname));
    }
    if (info != nullptr) NetApiBufferFree(info);
  } while (listed == ERROR_MORE_DATA);
  return members;
}

}  // namespace candor::collectors::windows
