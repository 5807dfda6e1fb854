#include "absl/base/internal/endian.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "collectors/mountinfo.h"
#include "collectors/posture/disk_encryption.h"
#include "collectors/separation/checks.h"
#include "collectors/separation/household.h"

namespace candor::collectors::separation {
namespace {

// POSIX ACL tags and the read bit, as Linux stores system.posix_acl_access.
constexpr uint16_t kAclUser = 0x02;
constexpr uint16_t kAclGroup = 0x08;
constexpr uint16_t kAclMask = 0x10;
constexpr uint16_t kRead = 0x04;

struct AclGrants {
  bool other_user = false;  // a named user other than the owner may read
  bool any_group = false;   // a named group may read
};

// Reads the ACL entries that give read access beyond the owner (through the mask).
AclGrants ReadAcl(absl::string_view raw, int64_t owner_uid) {
  AclGrants grants;
  if (raw.size() < 4) return grants;
  uint16_t mask = 0x07;
  for (size_t at = 4; at + 8 <= raw.size(); at += 8) {
    if (absl::little_endian::Load16(raw.data() + at) == kAclMask) {
      mask = absl::little_endian::Load16(raw.data() + at + 2);
    }
  }
  for (size_t at = 4; at + 8 <= raw.size(); at += 8) {
    const uint16_t tag = absl::little_endian::Load16(raw.data() + at);
    const uint16_t perm = absl::little_endian::Load16(raw.data() + at + 2) & mask;
    const uint32_t id = absl::little_endian::Load32(raw.data() + at + 4);
    if ((perm & kRead) == 0) continue;
    if (tag == kAclUser && static_cast<int64_t>(id) != owner_uid) grants.other_user = true;
    if (tag == kAclGroup) grants.any_group = true;
  }
  return grants;
}

// Whether any account other than `owner` belongs to group `gid`.
bool GroupHasOthers(const HostView& host, const Household& household, int64_t gid,
                    const std::string& owner) {
  for (const Account& a : household.all) {
    if (a.gid == gid && a.name != owner) return true;
  }
  for (const Group& g : ReadGroups(host)) {
    if (g.gid != gid) continue;
    for (const std::string& member : g.members) {
      if (member != owner) return true;
    }
  }
  return false;
}

// Why the home of `account` is readable by others, or "" when it is private.
std::string ExposureOf(const HostView& host, const Household& household, const Account& account) {
  absl::StatusOr<HostView::FileInfo> info = host.Stat(account.home);
  if (!info.ok())
    return absl::StrCat("cannot examine ", account.home, ": ", info.status().message());
  if (info->is_symlink || !info->is_directory)
    return absl::StrCat(account.home, " is not a directory");
  const uint32_t mode = info->mode & 07777;
  if (info->uid != account.uid) return absl::StrCat(account.home, " is owned by another user");
  if ((mode & 0005) != 0) {
    return absl::StrCat(account.home, " is open to every user (mode ",
                        absl::StrFormat("%04o", mode), ")");
  }
  if ((mode & 0050) != 0 && GroupHasOthers(host, household, info->gid, account.name)) {
    return absl::StrCat(account.home, " is open to its group, which has other members (mode ",
                        absl::StrFormat("%04o", mode), ")");
  }
  if (absl::StatusOr<std::string> acl = host.ReadXattr(account.home, "system.posix_acl_access");
      acl.ok()) {
    const AclGrants grants = ReadAcl(*acl, account.uid);
    if (grants.other_user || grants.any_group) {
      return absl::StrCat(account.home, " has an ACL entry letting another ",
                          grants.other_user ? "user" : "group", " read it");
    }
  }
  return "";
}

}  // namespace

const config::CollectorSpec& WorkHomePrivate::spec() const {
  static const config::CollectorSpec kSpec = SeparationSpec(
      "work_home_private", "Whether other users can read the work account's home directory.",
      {"permissions of the work home directory (never its contents)"});
  return kSpec;
}

CheckResult WorkHomePrivate::Collect(const HostView& host, const config::Params& params) const {
  const Household household = ReadHousehold(host, WorkAccountsOf(params));
  if (auto unusable = Unusable(household, params, true)) return *unusable;
  std::vector<std::string> exposures;
  for (const Account& account : household.work) {
    if (std::string why = ExposureOf(host, household, account); !why.empty()) {
      exposures.push_back(std::move(why));
    }
  }
  CheckResult result;
  result.facts["homes_checked"] = static_cast<int64_t>(household.work.size());
  result.facts["homes_exposed"] = static_cast<int64_t>(exposures.size());
  result.status = exposures.empty() ? CheckStatus::kPass : CheckStatus::kFail;
  result.reason = exposures.empty() ? "no other user can read the work home directory"
                                    : absl::StrJoin(exposures, "; ");
  return result;
}

const config::CollectorSpec& WorkHomeEncrypted::spec() const {
  static const config::CollectorSpec kSpec = SeparationSpec(
      "work_home_encrypted", "Whether the work account's home directory is on encrypted storage.",
      {"disk encryption state of the work home directory"});
  return kSpec;
}

CheckResult WorkHomeEncrypted::Collect(const HostView& host, const config::Params& params) const {
  const Household household = ReadHousehold(host, WorkAccountsOf(params));
  if (auto unusable = Unusable(household, params, true)) return *unusable;
  const std::vector<Mount> mounts = ReadMounts(host);
  CheckResult result;
  std::vector<std::string> words;
  std::vector<std::string> schemes;
  bool all_encrypted = true;
  bool unknown = false;
  for (const Account& account : household.work) {
    const posture::PathEncryption e = posture::ExaminePath(host, mounts, account.home);
    words.push_back(e.words);
    if (!e.scheme.empty()) schemes.push_back(e.scheme);
    if (e.kind != posture::PathEncryption::Kind::kEncrypted) all_encrypted = false;
    if (e.kind == posture::PathEncryption::Kind::kUnknown ||
        e.kind == posture::PathEncryption::Kind::kError) {
      unknown = true;
    }
  }
  result.facts["encrypted"] = all_encrypted;
  result.facts["schemes"] = schemes;
  result.reason = absl::StrJoin(words, "; ");
  result.status = all_encrypted ? CheckStatus::kPass
                  : unknown     ? CheckStatus::kError
                                : CheckStatus::kFail;
  return result;
}

}  // namespace candor::collectors::separation
