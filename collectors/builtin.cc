#include "collectors/builtin.h"

#include <memory>

#include "collectors/posture/os_info.h"

namespace candor::collectors {

void RegisterBuiltins(CollectorRegistry& registry) {
  // Ids are unique by construction here; a duplicate is a programming error caught by tests.
  registry.Register(std::make_unique<posture::OsInfo>()).IgnoreError();
}

config::CollectorCatalog BuiltinCatalog() {
  CollectorRegistry registry;
  RegisterBuiltins(registry);
  return registry.Catalog();
}

}  // namespace candor::collectors
