#include "collectors/patch/deb_version.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace candor::collectors {
namespace {

// dpkg's character order within a non-digit run.
int Order(char c) {
  if (absl::ascii_isdigit(static_cast<unsigned char>(c))) return 0;
  if (absl::ascii_isalpha(static_cast<unsigned char>(c))) return static_cast<unsigned char>(c);
  if (c == '~') return -1;
  if (c != '\0') return static_cast<unsigned char>(c) + 256;
  return 0;
}

bool IsDigit(const char* p, const char* end) {
  return p < end && absl::ascii_isdigit(static_cast<unsigned char>(*p));
}

// Compares one part (upstream or revision) with dpkg's rule.
int ComparePart(absl::string_view a, absl::string_view b) {
  const char* pa = a.data();
  const char* ea = pa + a.size();
  const char* pb = b.data();
  const char* eb = pb + b.size();
  auto at = [](const char* p, const char* end) { return p < end ? *p : '\0'; };
  while (pa < ea || pb < eb) {
    // A run of non-digits.
    while ((pa < ea && !IsDigit(pa, ea)) || (pb < eb && !IsDigit(pb, eb))) {
      const int oa = Order(at(pa, ea));
      const int ob = Order(at(pb, eb));
      if (oa != ob) return oa - ob;
      ++pa;
      ++pb;
    }
    // A run of digits, compared as a number of any length.
    while (pa < ea && *pa == '0') ++pa;
    while (pb < eb && *pb == '0') ++pb;
    int first_diff = 0;
    while (IsDigit(pa, ea) && IsDigit(pb, eb)) {
      if (first_diff == 0) first_diff = *pa - *pb;
      ++pa;
      ++pb;
    }
    if (IsDigit(pa, ea)) return 1;
    if (IsDigit(pb, eb)) return -1;
    if (first_diff != 0) return first_diff;
  }
  return 0;
}

// Splits without validation: what dpkg compares for any text.
DebianVersion SplitLeniently(absl::string_view text) {
  DebianVersion version;
  if (const size_t colon = text.find(':'); colon != absl::string_view::npos) {
    uint64_t epoch = 0;
    absl::string_view digits = text.substr(0, colon);
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
    for (char c : digits) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) break;
      epoch = std::min<uint64_t>(epoch * 10 + static_cast<uint64_t>(c - '0'),
                                 std::numeric_limits<int32_t>::max());
    }
    version.epoch = static_cast<uint32_t>(epoch);
    text.remove_prefix(colon + 1);
  }
  if (const size_t hyphen = text.rfind('-'); hyphen != absl::string_view::npos) {
    version.revision = std::string(text.substr(hyphen + 1));
    text = text.substr(0, hyphen);
  }
  version.upstream = std::string(text);
  return version;
}

}  // namespace

std::string DebianVersion::ToString() const {
  return absl::StrCat(epoch > 0 ? absl::StrCat(epoch, ":") : "", upstream,
                      revision.empty() ? "" : absl::StrCat("-", revision));
}

absl::StatusOr<DebianVersion> ParseDebianVersion(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (trimmed.empty()) return absl::InvalidArgumentError("version string is empty");
  for (char c : trimmed) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("version string '", trimmed, "' has embedded spaces"));
    }
  }
  absl::string_view rest = trimmed;
  if (const size_t colon = rest.find(':'); colon != absl::string_view::npos) {
    // dpkg reads the epoch with strtol: an optional sign, then digits up to the colon.
    absl::string_view epoch = rest.substr(0, colon);
    bool negative = false;
    if (!epoch.empty() && (epoch[0] == '+' || epoch[0] == '-')) {
      negative = epoch[0] == '-';
      epoch.remove_prefix(1);
    }
    size_t digits = 0;
    while (digits < epoch.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(epoch[digits]))) {
      ++digits;
    }
    if (digits == 0) {
      return absl::InvalidArgumentError(absl::StrCat("epoch in version '", trimmed, "' is empty"));
    }
    if (digits != epoch.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("epoch in version '", trimmed, "' is not a number"));
    }
    uint64_t value = 0;
    for (char c : epoch) {
      value = std::min<uint64_t>(value * 10 + static_cast<uint64_t>(c - '0'), uint64_t{1} << 40);
    }
    if (negative && value != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("epoch in version '", trimmed, "' is negative"));
    }
    if (value > std::numeric_limits<int32_t>::max()) {
      return absl::InvalidArgumentError(
          absl::StrCat("epoch in version '", trimmed, "' is too big"));
    }
    rest.remove_prefix(colon + 1);
    if (rest.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("nothing after colon in version '", trimmed, "'"));
    }
  }
  if (const size_t hyphen = rest.rfind('-'); hyphen != absl::string_view::npos) {
    if (hyphen + 1 == rest.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("revision number in version '", trimmed, "' is empty"));
    }
    if (hyphen == 0) {
      return absl::InvalidArgumentError(absl::StrCat("version number in '", trimmed, "' is empty"));
    }
  }
  return SplitLeniently(trimmed);
}

int CompareDebianVersions(const DebianVersion& a, const DebianVersion& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (const int upstream = ComparePart(a.upstream, b.upstream); upstream != 0) return upstream;
  return ComparePart(a.revision, b.revision);
}

int CompareDebianVersions(absl::string_view a, absl::string_view b) {
  if (a == b) return 0;
  return CompareDebianVersions(SplitLeniently(a), SplitLeniently(b));
}

}  // namespace candor::collectors
