#pragma once

// Work/personal separation on a home PC that is also used for work (docs/policy.md):
// whether work is kept apart from the family's use without looking at that use. Every
// check takes `work_accounts` (names or UIDs); every other interactive account counts as
// personal and is never named (counts, or per-device pseudonyms).

#include "collectors/collector.h"

namespace candor::collectors::separation {

// work_account: every named work account exists and is a normal account (a UID in the
// login.defs user range, a login shell, an existing home).
class WorkAccount final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

// work_account_not_admin: no work account can become root (an administrator's malware
// runs with everything).
class WorkAccountNotAdmin final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

// personal_accounts_not_admin: no other account can become root either: an administrator
// can read the work account's files. Counts and pseudonyms, never names.
class PersonalAccountsNotAdmin final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

// work_home_private: the work home is owned by its account and no other user can read
// it: no permission bits for others, none for the group when the group has other members,
// no POSIX ACL entry granting read to another user or group.
class WorkHomePrivate final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

// work_home_encrypted: the work home is on encrypted storage (the disk_encryption logic
// for its path: LUKS, LVM or btrfs on LUKS, eCryptfs home directories).
class WorkHomeEncrypted final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::separation
