#pragma once

// PostgresStore: events and the registry in PostgreSQL, for several candor-server
// processes on one database. Same semantics as SqliteStore (idempotent on (device, seq),
// latest results upserted in the events' transaction, the policy version rule, one
// transaction per enrollment); what several servers add: policy pushes and revocations are
// announced with NOTIFY in the writing transaction, and WatchOtherServers listens for
// them on a connection of its own (PgListener). Thread-safe: calls take a connection from a small
// pool and run concurrently.

#include <chrono>
#include <memory>
#include <string>

#include "service/storage/pg_connection.h"
#include "service/storage/storage.h"

namespace candor::service {

class PostgresStore final : public Storage {
 public:
  struct Options {
    size_t pool_size = 4;
    // How long a write waits for a lock another transaction holds before failing
    // kUnavailable (PostgreSQL's lock_timeout).
    std::chrono::milliseconds lock_timeout{5000};
  };

  // Connects to `uri` (postgres:// or postgresql://, libpq's syntax) and applies schema
  // migrations. kUnavailable naming host and database when it cannot connect;
  // kFailedPrecondition when the database's schema is newer than this server.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const std::string& uri,
                                                             const Options& options);
  ~PostgresStore() override;

  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  absl::StatusOr<std::unique_ptr<ChangeWatch>> WatchOtherServers(StorageChanges& changes) override;

  using EventStore::StoreBatch;
  absl::Status StoreBatches(absl::Span<const BatchToStore> batches,
                            Clock::time_point received_at) override;
  absl::StatusOr<uint64_t> StoreBatch(const DeviceIdentity& device, const PreparedBatch& prepared,
                                      Clock::time_point received_at) override;
  absl::StatusOr<uint64_t> HighestSeq(const DeviceIdentity& device) override;
  absl::Status ForEachEvent(const std::function<void(const StoredEvent&)>& visit) override;
  absl::Status ForEachEventSince(int64_t received_since_ms,
                                 const std::function<void(const StoredEvent&)>& visit) override;
  absl::Status ForEachLatestResult(const ResultFilter& filter,
                                   const std::function<void(const LatestResult&)>& visit) override;
  absl::StatusOr<uint64_t> PruneEvents(int64_t received_before_ms) override;

  absl::Status CreateTenant(const std::string& tenant, int64_t now_ms) override;
  absl::StatusOr<bool> TenantExists(const std::string& tenant) override;
  absl::StatusOr<std::vector<std::string>> Tenants() override;
  absl::Status AddToken(const TokenRecord& token) override;
  absl::StatusOr<TokenRecord> FindToken(const std::string& token_hash) override;
  absl::StatusOr<DeviceRecord> EnrollDevice(const std::string& token_hash, DeviceRecord device,
                                            int64_t now_ms) override;
  absl::StatusOr<std::optional<DeviceRecord>> Device(const std::string& device_id) override;
  absl::StatusOr<std::vector<DeviceRecord>> Devices(const std::string& tenant) override;
  absl::Status RevokeDevice(const std::string& device_id, int64_t now_ms) override;
  absl::Status AddPolicy(const PolicyRecord& policy) override;
  absl::StatusOr<std::vector<PolicyRecord>> Policies(const std::string& tenant,
                                                     bool latest_per_group) override;
  absl::Status RecordPolicyVersion(const std::string& device_id, uint64_t version) override;
  absl::Status UpdateCertificate(const std::string& device_id, const std::string& serial,
                                 int64_t not_after_ms) override;
  absl::Status RecordContact(const std::string& device_id, const std::string& tenant,
                             int64_t now_ms, const std::string& agent_version,
                             uint64_t policy_version) override;
  absl::Status AppendAudit(const AuditRecord& record) override;
  absl::StatusOr<std::vector<AuditRecord>> Audit(const std::string& tenant, size_t limit) override;

 private:
  PostgresStore(std::string uri, const Options& options);

  // A pooled connection with the session settings applied.
  absl::StatusOr<pg::Pool::Lease> Connect();
  // Runs one statement on a pooled connection.
  absl::StatusOr<pg::Result> Run(absl::string_view what, const char* sql, const pg::Params& params);
  // Runs `sql` through a cursor, `visit` called for each row, a few thousand rows fetched
  // at a time so a large table is never held in memory at once.
  absl::Status ForEachRow(absl::string_view what, const std::string& sql, const pg::Params& params,
                          const std::function<void(const pg::Result&, int row)>& visit);
  absl::Status VisitEvents(const std::string& sql, const pg::Params& params,
                           const std::function<void(const StoredEvent&)>& visit);

  const std::string uri_;
  const Options options_;
  // Tells this server's own notifications apart from other servers'.
  const std::string instance_id_;
  pg::Pool pool_;
};

// Applies the schema migrations PostgresStore needs over `conn`, under an advisory lock so
// that servers starting together apply each once. Defined in pg_migrations.cc.
absl::Status MigratePostgres(pg::Connection& conn);
// The schema version this server applies (schema_version.version after Open).
int64_t PostgresSchemaVersion();

}  // namespace candor::service
