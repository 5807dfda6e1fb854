#include "service/storage/open_store.h"

#include "absl/strings/match.h"
#include "service/storage/postgres_store.h"
#include "service/storage/sqlite_store.h"

namespace candor::service {

bool IsPostgresUri(const std::string& storage) {
  return absl::StartsWith(storage, "postgres://") || absl::StartsWith(storage, "postgresql://");
}

absl::StatusOr<std::unique_ptr<Storage>> OpenStorage(const std::string& storage,
                                                     const StorageOptions& options) {
  if (IsPostgresUri(storage)) {
    absl::StatusOr<std::unique_ptr<PostgresStore>> store =
        PostgresStore::Open(storage, PostgresStore::Options{});
    if (!store.ok()) return store.status();
    return std::unique_ptr<Storage>(std::move(*store));
  }
  SqliteStore::Options sqlite;
  sqlite.read_only = options.read_only;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(storage, sqlite);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Storage>(std::move(*store));
}

}  // namespace candor::service
