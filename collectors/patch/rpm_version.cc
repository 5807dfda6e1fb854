#include "collectors/patch/rpm_version.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"

namespace candor::collectors {
namespace {

bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }
bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }
bool IsAlpha(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)); }

}  // namespace

int RpmVerCmp(absl::string_view a, absl::string_view b) {
  if (a == b) return 0;
  size_t i = 0;
  size_t j = 0;
  auto at = [](absl::string_view s, size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    // Skip separators (anything but letters, digits, '~' and '^').
    while (i < a.size() && !IsAlnum(a[i]) && a[i] != '~' && a[i] != '^') ++i;
    while (j < b.size() && !IsAlnum(b[j]) && b[j] != '~' && b[j] != '^') ++j;
    const char ca = at(a, i);
    const char cb = at(b, j);
    // '~' sorts before everything, even the end.
    if (ca == '~' || cb == '~') {
      if (ca != '~') return 1;
      if (cb != '~') return -1;
      ++i;
      ++j;
      continue;
    }
    // '^' sorts after the end, but before anything else.
    if (ca == '^' || cb == '^') {
      if (ca == '\0') return -1;
      if (cb == '\0') return 1;
      if (ca != '^') return 1;
      if (cb != '^') return -1;
      ++i;
      ++j;
      continue;
    }
    if (ca == '\0' || cb == '\0') break;
    // One run of digits or of letters from each.
    const bool numeric = IsDigit(ca);
    size_t ei = i;
    size_t ej = j;
    if (numeric) {
      while (ei < a.size() && IsDigit(a[ei])) ++ei;
      while (ej < b.size() && IsDigit(b[ej])) ++ej;
    } else {
      while (ei < a.size() && IsAlpha(a[ei])) ++ei;
      while (ej < b.size() && IsAlpha(b[ej])) ++ej;
    }
    // Different kinds: the numeric run is newer.
    if (ej == j) return numeric ? 1 : -1;
    absl::string_view ra = a.substr(i, ei - i);
    absl::string_view rb = b.substr(j, ej - j);
    if (numeric) {
      while (!ra.empty() && ra.front() == '0') ra.remove_prefix(1);
      while (!rb.empty() && rb.front() == '0') rb.remove_prefix(1);
      if (ra.size() != rb.size()) return ra.size() > rb.size() ? 1 : -1;
    }
    if (const int c = ra.compare(rb); c != 0) return c < 0 ? -1 : 1;
    i = ei;
    j = ej;
  }
  // Equal runs; whichever has something left is newer.
  if (i >= a.size() && j >= b.size()) return 0;
  return i >= a.size() ? -1 : 1;
}

int CompareRpmEvr(const RpmEvr& a, const RpmEvr& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (const int v = RpmVerCmp(a.version, b.version); v != 0) return v;
  return RpmVerCmp(a.release, b.release);
}

}  // namespace candor::collectors
