#pragma once

// CollectorRegistry: the catalog of collectors a binary offers. A plain object built by the
// caller (see builtin.h), never a global, so each test builds the catalog it needs.
// Not thread-safe while registering; read-only use afterwards is safe from any thread.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "collectors/collector.h"

namespace candor::collectors {

class CollectorRegistry {
 public:
  // kAlreadyExists when a collector with the same id is registered.
  absl::Status Register(std::unique_ptr<Collector> collector);

  // nullptr when unknown.
  const Collector* Find(absl::string_view id) const;

  // Every registered id, sorted.
  std::vector<std::string> Ids() const;

  // The declarations of every registered collector, for the policy loader.
  config::CollectorCatalog Catalog() const;

 private:
  std::vector<std::unique_ptr<Collector>> collectors_;
};

}  // namespace candor::collectors
