#pragma once

// SqliteStore: the embedded EventStore for a single server. WAL mode with
// synchronous=FULL, so a committed batch survives power loss before it is acknowledged.
// Thread-safe: one connection, calls serialized by a mutex.

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "candor/storage/v1/stored_events.pb.h"
#include "service/storage/storage.h"

struct sqlite3;

namespace candor::service {

class Statement;
class WalCheckpointer;

class SqliteStore final : public Storage {
 public:
  struct Options {
    bool read_only = false;
    // How long a write waits for another connection's lock before failing kUnavailable.
    std::chrono::milliseconds busy_timeout{5000};
  };

  // Opens (creating when writable) the database and applies schema migrations.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& path,
                                                           const Options& options);
  ~SqliteStore() override;

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // One server owns a SQLite database: no other server changes it.
  absl::StatusOr<std::unique_ptr<ChangeWatch>> WatchOtherServers(StorageChanges&) override {
    return nullptr;
  }

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
  absl::Status RunStep(Statement& statement, absl::string_view what);
  explicit SqliteStore(sqlite3* db);
  absl::Status Migrate();
  absl::StatusOr<int64_t> SchemaVersion();
  // A read-only store cannot migrate: its schema must be this server's.
  absl::Status CheckReadableSchema();
  static absl::Status NewerSchemaError(int64_t applied);
  // Visits the events of each row `select` returns: (tenant, device_id, received_at_ms,
  // events).
  absl::Status VisitEvents(Statement& select, const std::function<void(const StoredEvent&)>& visit);
  // Inside a transaction: stores the events of `prepared` past the device's highest
  // stored seq as one row.
  absl::Status InsertBatch(const DeviceIdentity& device, const PreparedBatch& prepared,
                           int64_t received_ms);
  absl::StatusOr<uint64_t> HighestSeqLocked(const std::string& device_id);
  // Records the newest event of each (device, check) in `batches` as its latest result.
  absl::Status UpsertLatest(absl::Span<const BatchToStore> batches, int64_t received_ms);

  std::mutex mu_;
  sqlite3* db_;
  std::unique_ptr<Statement> insert_;  // prepared once, reused for every batch
  std::unique_ptr<Statement> highest_;
  std::unique_ptr<Statement> upsert_;
  storage::v1::StoredEvents scratch_;  // a batch's events as a row stores them
  std::string encoded_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // writable stores only
};

}  // namespace candor::service
