#include "collectors/builtin.h"

#include <memory>

#include "collectors/patch/patch_level.h"
#include "collectors/posture/antivirus.h"
#include "collectors/posture/auto_login.h"
#include "collectors/posture/auto_updates.h"
#include "collectors/posture/disk_encryption.h"
#include "collectors/posture/firewall.h"
#include "collectors/posture/local_admins.h"
#include "collectors/posture/os_eol_table.h"
#include "collectors/posture/os_info.h"
#include "collectors/posture/os_support.h"
#include "collectors/posture/screen_lock.h"
#include "collectors/posture/secure_boot.h"
#include "collectors/posture/ssh_server.h"
#include "collectors/posture/time_sync.h"
#include "collectors/separation/checks.h"
#include "collectors/separation/personal_software.h"
#include "collectors/separation/personal_software_catalog.h"
#include "collectors/separation/vpn.h"

namespace candor::collectors {

void RegisterBuiltins(CollectorRegistry& registry) {
  // Ids are unique by construction here; a duplicate is a programming error caught by tests.
  registry.Register(std::make_unique<posture::OsInfo>()).IgnoreError();
  registry.Register(std::make_unique<posture::SecureBoot>()).IgnoreError();
  registry.Register(std::make_unique<posture::AutoLogin>()).IgnoreError();
  registry.Register(std::make_unique<posture::AutoUpdates>()).IgnoreError();
  registry.Register(std::make_unique<posture::TimeSync>()).IgnoreError();
  registry.Register(std::make_unique<posture::LocalAdmins>()).IgnoreError();
  registry.Register(std::make_unique<posture::DiskEncryption>()).IgnoreError();
  registry.Register(std::make_unique<posture::SshServer>()).IgnoreError();
  registry.Register(std::make_unique<posture::Firewall>()).IgnoreError();
  registry.Register(std::make_unique<posture::Antivirus>()).IgnoreError();
  registry.Register(std::make_unique<posture::ScreenLock>()).IgnoreError();
  registry.Register(std::make_unique<posture::OsSupport>(posture::kOsEolTable)).IgnoreError();
  registry.Register(std::make_unique<PatchLevel>()).IgnoreError();
  registry.Register(std::make_unique<separation::WorkAccount>()).IgnoreError();
  registry.Register(std::make_unique<separation::WorkAccountNotAdmin>()).IgnoreError();
  registry.Register(std::make_unique<separation::PersonalAccountsNotAdmin>()).IgnoreError();
  registry.Register(std::make_unique<separation::WorkHomePrivate>()).IgnoreError();
  registry.Register(std::make_unique<separation::WorkHomeEncrypted>()).IgnoreError();
  registry.Register(std::make_unique<separation::VpnConfigured>()).IgnoreError();
  registry
      .Register(
          std::make_unique<separation::NoPersonalSoftware>(separation::kPersonalSoftwareCatalog))
      .IgnoreError();
}

config::CollectorCatalog BuiltinCatalog() {
  CollectorRegistry registry;
  RegisterBuiltins(registry);
  return registry.Catalog();
}

}  // namespace candor::collectors
