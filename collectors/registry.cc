#include "collectors/registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace candor::collectors {

absl::string_view StatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass:
      return "PASS";
    case CheckStatus::kFail:
      return "FAIL";
    case CheckStatus::kNotApplicable:
      return "NOT_APPLICABLE";
    case CheckStatus::kError:
      return "ERROR";
  }
  return "ERROR";
}

absl::Status CollectorRegistry::Register(std::unique_ptr<Collector> collector) {
  if (Find(collector->id()) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("collector \"", collector->id(), "\" is registered twice"));
  }
  collectors_.push_back(std::move(collector));
  return absl::OkStatus();
}

const Collector* CollectorRegistry::Find(absl::string_view id) const {
  for (const auto& collector : collectors_) {
    if (collector->id() == id) return collector.get();
  }
  return nullptr;
}

std::vector<std::string> CollectorRegistry::Ids() const {
  std::vector<std::string> ids;
  for (const auto& collector : collectors_) ids.emplace_back(collector->id());
  std::sort(ids.begin(), ids.end());
  return ids;
}

config::CollectorCatalog CollectorRegistry::Catalog() const {
  config::CollectorCatalog catalog;
  for (const auto& collector : collectors_) catalog.Add(collector->spec());
  return catalog;
}

}  // namespace candor::collectors
