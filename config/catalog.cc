#include "config/catalog.h"

#include <algorithm>

namespace candor::config {

absl::string_view PlatformName(Platform platform) {
  switch (platform) {
    case Platform::kLinux:
      return "linux";
    case Platform::kWindows:
      return "windows";
    case Platform::kMacos:
      return "macos";
  }
  return "linux";
}

Platform CurrentPlatform() {
#if defined(_WIN32)
  return Platform::kWindows;
#elif defined(__APPLE__)
  return Platform::kMacos;
#else
  return Platform::kLinux;
#endif
}

const CollectorSpec* CollectorCatalog::Find(absl::string_view id) const {
  for (const CollectorSpec& spec : specs_) {
    if (spec.id == id) return &spec;
  }
  return nullptr;
}

std::vector<std::string> CollectorCatalog::Ids() const {
  std::vector<std::string> ids;
  for (const CollectorSpec& spec : specs_) ids.push_back(spec.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace candor::config
