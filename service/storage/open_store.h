#pragma once

// OpenStorage: the back end a server config's `storage` names. A postgres:// or
// postgresql:// URI opens PostgresStore (several servers may share it); anything else is
// the path of a SQLite database file (one server). Both apply schema migrations.

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "service/storage/storage.h"

namespace candor::service {

// True when `storage` is a PostgreSQL URI.
bool IsPostgresUri(const std::string& storage);

struct StorageOptions {
  bool read_only = false;  // SQLite only: export opens the file without writing
};

absl::StatusOr<std::unique_ptr<Storage>> OpenStorage(const std::string& storage,
                                                     const StorageOptions& options);

}  // namespace candor::service
