#include "service/storage/sqlite_store.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "service/storage/sqlite_checkpointer.h"
#include "service/storage/sqlite_internal.h"

namespace candor::service {
namespace {

// Schema migrations, applied in order; PRAGMA user_version records how many ran.
constexpr const char* kMigrations[] = {
    // 1: events, one row per (device, seq).
    R"sql(
CREATE TABLE events (
  device_id      TEXT    NOT NULL,
  seq            INTEGER NOT NULL,
  tenant         TEXT    NOT NULL,
  collector      TEXT    NOT NULL,
  check_id       TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  reason         TEXT    NOT NULL,
  facts          TEXT    NOT NULL,
  observed_at_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  policy_version INTEGER NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
)sql",
    // 2: tenants, enrollment tokens, devices, the audit log.
    R"sql(
CREATE TABLE tenants (
  name          TEXT    PRIMARY KEY,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE tokens (
  hash          TEXT    PRIMARY KEY,
  tenant        TEXT    NOT NULL REFERENCES tenants(name),
  grp           TEXT    NOT NULL,
  uses_left     INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  created_by    TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE devices (
  device_id         TEXT    PRIMARY KEY,
  tenant            TEXT    NOT NULL,
  grp               TEXT    NOT NULL,
  enrolled_at_ms    INTEGER NOT NULL,
  cert_serial       TEXT    NOT NULL,
  cert_not_after_ms INTEGER NOT NULL,
  revoked_at_ms     INTEGER,
  last_contact_ms   INTEGER NOT NULL,
  agent_version     TEXT    NOT NULL,
  policy_version    INTEGER NOT NULL
);
CREATE INDEX devices_by_tenant ON devices (tenant, device_id);
CREATE TABLE audit (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms   INTEGER NOT NULL,
  actor   TEXT    NOT NULL,
  tenant  TEXT    NOT NULL,
  action  TEXT    NOT NULL,
  detail  TEXT    NOT NULL,
  outcome TEXT    NOT NULL
);
CREATE INDEX audit_by_tenant ON audit (tenant, id);
)sql",
    // 3: signed policies as admins pushed them; versions rise per tenant.
    R"sql(
CREATE TABLE policies (
  tenant       TEXT    NOT NULL REFERENCES tenants(name),
  version      INTEGER NOT NULL,
  grp          TEXT    NOT NULL,
  name         TEXT    NOT NULL,
  yaml         BLOB    NOT NULL,
  key_id       TEXT    NOT NULL,
  signature    BLOB    NOT NULL,
  pushed_by    TEXT    NOT NULL,
  pushed_at_ms INTEGER NOT NULL,
  PRIMARY KEY (tenant, version)
);
)sql",
    // 4: each device's latest result per check, for compliance reports; events by the time
    // they were received, for export --since and history retention.
    R"sql(
CREATE TABLE check_results (
  tenant         TEXT    NOT NULL,
  device_id      TEXT    NOT NULL,
  check_id       TEXT    NOT NULL,
  collector      TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  severity       INTEGER NOT NULL,
  interval_s     INTEGER NOT NULL,
  reason         TEXT    NOT NULL,
  observed_at_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  policy_version INTEGER NOT NULL,
  seq            INTEGER NOT NULL,
  PRIMARY KEY (tenant, device_id, check_id)
) WITHOUT ROWID;
INSERT INTO check_results
  SELECT tenant, device_id, check_id, collector, status, 0, 0, reason, observed_at_ms,
         received_at_ms, policy_version, MAX(seq)
  FROM events WHERE collector != 'agent' GROUP BY tenant, device_id, check_id;
CREATE INDEX events_by_received ON events (received_at_ms);
)sql",
    // 5: events in a rowid table, in the order received, with (device, seq) unique in an
    // index of its own. A row is 300 to 500 bytes (the facts), too large for a WITHOUT ROWID
    // B-tree, which split pages all over the tree for every device's inserts; a rowid table
    // appends. 1.19x the events stored per second on the write path (docs/benchmarks.md).
    R"sql(
CREATE TABLE events_v5 (
  device_id      TEXT    NOT NULL,
  seq            INTEGER NOT NULL,
  tenant         TEXT    NOT NULL,
  collector      TEXT    NOT NULL,
  check_id       TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  reason         TEXT    NOT NULL,
  facts          TEXT    NOT NULL,
  observed_at_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  policy_version INTEGER NOT NULL
);
INSERT INTO events_v5 (device_id, seq, tenant, collector, check_id, status, reason, facts,
                       observed_at_ms, received_at_ms, policy_version)
  SELECT device_id, seq, tenant, collector, check_id, status, reason, facts, observed_at_ms,
         received_at_ms, policy_version
  FROM events ORDER BY received_at_ms, device_id, seq;
DROP TABLE events;
ALTER TABLE events_v5 RENAME TO events;
CREATE UNIQUE INDEX events_by_device ON events (device_id, seq);
CREATE INDEX events_by_received ON events (received_at_ms);
)sql",
};

}  // namespace

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  const std::string message =
      absl::StrCat(what, ": ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return absl::UnavailableError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status SqliteExec(sqlite3* db, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(db, rc, "exec");
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::filesystem::path& path,
                                                               const Options& options) {
  sqlite3* db = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(db, rc, absl::StrCat("open ", path.string()));
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  if (!options.read_only) {
    // 64 MiB of page cache keeps the events table's upper B-tree levels in memory.
    if (absl::Status s = SqliteExec(db,
                                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                                    "PRAGMA cache_size=-65536;");
        !s.ok()) {
      return s;
    }
    if (absl::Status s = store->Migrate(); !s.ok()) return s;
    // Checkpoints off the commit path (sqlite_checkpointer.h).
    absl::StatusOr<std::unique_ptr<WalCheckpointer>> checkpointer =
        WalCheckpointer::Start(path, db, {});
    if (!checkpointer.ok()) return checkpointer.status();
    store->checkpointer_ = std::move(*checkpointer);
  }
  return store;
}

SqliteStore::SqliteStore(sqlite3* db) : db_(db) {}

SqliteStore::~SqliteStore() {
  insert_.reset();  // finalized before the connection closes
  upsert_.reset();
  checkpointer_.reset();  // before its writer connection closes
  sqlite3_close(db_);
}

absl::Status SqliteStore::Migrate() {
  Statement version(db_, "PRAGMA user_version");
  if (!version.status().ok()) return version.status();
  if (sqlite3_step(version.get()) != SQLITE_ROW) return SqliteError(db_, SQLITE_ERROR, "version");
  const int64_t applied = version.Int(0);
  sqlite3_reset(version.get());  // no read in progress: a migration may drop a table
  const int64_t known = static_cast<int64_t>(std::size(kMigrations));
  if (applied > known) {
    return absl::FailedPreconditionError(absl::StrCat("database schema version ", applied,
                                                      " is newer than this server (", known,
                                                      "); upgrade candor-server"));
  }
  for (int64_t i = applied; i < known; ++i) {
    const std::string sql = absl::StrCat("BEGIN IMMEDIATE;", kMigrations[i],
                                         "PRAGMA user_version = ", i + 1, "; COMMIT;");
    if (absl::Status s = SqliteExec(db_, sql.c_str()); !s.ok()) {
      SqliteExec(db_, "ROLLBACK").IgnoreError();
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SqliteStore::StoreBatch(const DeviceIdentity& device,
                                                 const PreparedBatch& prepared,
                                                 Clock::time_point received_at) {
  const BatchToStore one{&device, &prepared};
  if (absl::Status s = StoreBatches({&one, 1}, received_at); !s.ok()) return s;
  return prepared.batch->last_seq();
}

absl::Status SqliteStore::StoreBatches(absl::Span<const BatchToStore> batches,
                                       Clock::time_point received_at) {
  const int64_t received_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(received_at.time_since_epoch()).count();
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = SqliteExec(db_, "BEGIN IMMEDIATE"); !s.ok()) return s;
  if (insert_ == nullptr) {
    insert_ = std::make_unique<Statement>(
        db_,
        "INSERT OR IGNORE INTO events (device_id, seq, tenant, collector, check_id, "
        "status, reason, facts, observed_at_ms, received_at_ms, policy_version) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  }
  Statement& insert = *insert_;
  absl::Status status = insert.status();
  for (const BatchToStore& item : batches) {
    const DeviceIdentity& device = *item.device;
    const v1::EventBatch& batch = *item.prepared->batch;
    for (int i = 0; status.ok() && i < batch.events_size(); ++i) {
      const v1::Event& event = batch.events(i);
      const std::string& facts = item.prepared->facts_json[static_cast<size_t>(i)];
      sqlite3_reset(insert.get());
      // The batch and `facts` outlive the step: bind without copying.
      insert.BindStaticText(1, device.device_id);
      insert.BindInt(2, static_cast<int64_t>(event.seq()));
      insert.BindStaticText(3, device.tenant);
      insert.BindStaticText(4, event.collector());
      insert.BindStaticText(5, event.check_id());
      insert.BindStaticText(6, CheckStatusText(event.status()));
      insert.BindStaticText(7, event.reason());
      insert.BindStaticText(8, facts);
      insert.BindInt(9, TimestampMillis(event.observed_at()));
      insert.BindInt(10, received_ms);
      insert.BindInt(11, static_cast<int64_t>(event.policy_version()));
      if (const int rc = sqlite3_step(insert.get()); rc != SQLITE_DONE) {
        status = SqliteError(db_, rc, "insert event");
      }
    }
  }
  sqlite3_reset(insert.get());
  sqlite3_clear_bindings(insert.get());
  if (status.ok()) status = UpsertLatest(batches, received_ms);
  if (status.ok()) status = SqliteExec(db_, "COMMIT");
  if (!status.ok()) SqliteExec(db_, "ROLLBACK").IgnoreError();
  return status;
}

absl::Status SqliteStore::UpsertLatest(absl::Span<const BatchToStore> batches,
                                       int64_t received_ms) {
  if (upsert_ == nullptr) {
    upsert_ = std::make_unique<Statement>(
        db_,
        "INSERT INTO check_results (tenant, device_id, check_id, collector, status, severity, "
        "interval_s, reason, observed_at_ms, received_at_ms, policy_version, seq) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
        "ON CONFLICT (tenant, device_id, check_id) DO UPDATE SET collector = excluded.collector, "
        "status = excluded.status, severity = excluded.severity, interval_s = excluded.interval_s, "
        "reason = excluded.reason, observed_at_ms = excluded.observed_at_ms, "
        "received_at_ms = excluded.received_at_ms, policy_version = excluded.policy_version, "
        "seq = excluded.seq WHERE excluded.seq > check_results.seq");
  }
  Statement& upsert = *upsert_;
  if (!upsert.status().ok()) return upsert.status();
  absl::Status status;
  for (const LatestOfCheck& latest : LatestPerCheck(batches)) {
    const v1::Event& event = *latest.event;
    sqlite3_reset(upsert.get());
    upsert.BindStaticText(1, latest.device->tenant);
    upsert.BindStaticText(2, latest.device->device_id);
    upsert.BindStaticText(3, event.check_id());
    upsert.BindStaticText(4, event.collector());
    upsert.BindStaticText(5, CheckStatusText(event.status()));
    upsert.BindInt(6, event.severity());
    upsert.BindInt(7, event.interval_seconds());
    upsert.BindStaticText(8, event.reason());
    upsert.BindInt(9, TimestampMillis(event.observed_at()));
    upsert.BindInt(10, received_ms);
    upsert.BindInt(11, static_cast<int64_t>(event.policy_version()));
    upsert.BindInt(12, static_cast<int64_t>(event.seq()));
    if (const int rc = sqlite3_step(upsert.get()); rc != SQLITE_DONE) {
      status = SqliteError(db_, rc, "record latest result");
      break;
    }
  }
  sqlite3_reset(upsert.get());
  sqlite3_clear_bindings(upsert.get());
  return status;
}

absl::StatusOr<uint64_t> SqliteStore::HighestSeq(const DeviceIdentity& device) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(db_, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE device_id = ?1");
  if (!select.status().ok()) return select.status();
  select.BindText(1, device.device_id);
  const int rc = sqlite3_step(select.get());
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "read highest seq");
  return static_cast<uint64_t>(select.Int(0));
}

absl::Status SqliteStore::ForEachEvent(const std::function<void(const StoredEvent&)>& visit) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(db_,
                   "SELECT tenant, device_id, seq, collector, check_id, status, reason, facts, "
                   "observed_at_ms, received_at_ms, policy_version FROM events "
                   "ORDER BY tenant, device_id, seq");
  return VisitEvents(select, visit);
}

absl::Status SqliteStore::ForEachEventSince(int64_t received_since_ms,
                                            const std::function<void(const StoredEvent&)>& visit) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(db_,
                   "SELECT tenant, device_id, seq, collector, check_id, status, reason, facts, "
                   "observed_at_ms, received_at_ms, policy_version FROM events "
                   "WHERE received_at_ms >= ?1 ORDER BY received_at_ms, device_id, seq");
  select.BindInt(1, received_since_ms);
  return VisitEvents(select, visit);
}

absl::Status SqliteStore::VisitEvents(Statement& select,
                                      const std::function<void(const StoredEvent&)>& visit) {
  if (!select.status().ok()) return select.status();
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    StoredEvent event;
    event.tenant = select.Text(0);
    event.device_id = select.Text(1);
    event.seq = static_cast<uint64_t>(select.Int(2));
    event.collector = select.Text(3);
    event.check_id = select.Text(4);
    event.status = select.Text(5);
    event.reason = select.Text(6);
    event.facts_json = select.Text(7);
    event.observed_at_ms = select.Int(8);
    event.received_at_ms = select.Int(9);
    event.policy_version = static_cast<uint64_t>(select.Int(10));
    visit(event);
  }
  return rc == SQLITE_DONE ? absl::OkStatus() : SqliteError(db_, rc, "read events");
}

absl::Status SqliteStore::ForEachLatestResult(
    const ResultFilter& filter, const std::function<void(const LatestResult&)>& visit) {
  std::lock_guard<std::mutex> lock(mu_);
  // Only the conditions asked for, so SQLite walks the (tenant, device, check) key.
  std::string sql =
      "SELECT tenant, device_id, check_id, collector, status, severity, interval_s, reason, "
      "observed_at_ms, received_at_ms, policy_version FROM check_results";
  if (!filter.tenant.empty()) sql += " WHERE tenant = ?1";
  if (!filter.device_id.empty()) sql += filter.tenant.empty() ? " WHERE" : " AND";
  if (!filter.device_id.empty()) sql += " device_id = ?2";
  sql += " ORDER BY tenant, device_id, check_id";
  Statement select(db_, sql.c_str());
  if (!select.status().ok()) return select.status();
  if (!filter.tenant.empty()) select.BindText(1, filter.tenant);
  if (!filter.device_id.empty()) select.BindText(2, filter.device_id);
  int rc;
  LatestResult row;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    row.tenant = select.Text(0);
    row.device_id = select.Text(1);
    row.check_id = select.Text(2);
    row.collector = select.Text(3);
    row.status = select.Text(4);
    row.severity = static_cast<int>(select.Int(5));
    row.interval_seconds = select.Int(6);
    row.reason = select.Text(7);
    row.observed_at_ms = select.Int(8);
    row.received_at_ms = select.Int(9);
    row.policy_version = static_cast<uint64_t>(select.Int(10));
    visit(row);
  }
  return rc == SQLITE_DONE ? absl::OkStatus() : SqliteError(db_, rc, "read latest results");
}

absl::StatusOr<uint64_t> SqliteStore::PruneEvents(int64_t received_before_ms) {
  // In slices, so ingest waits for at most one slice; each device's newest event stays, so
  // the seq a reconnecting agent is told was stored never goes back.
  constexpr int kSlice = 5000;
  uint64_t deleted = 0;
  while (true) {
    std::lock_guard<std::mutex> lock(mu_);
    Statement prune(db_,
                    "DELETE FROM events WHERE (device_id, seq) IN ("
                    "SELECT device_id, seq FROM events e WHERE received_at_ms < ?1 AND seq < "
                    "(SELECT MAX(seq) FROM events x WHERE x.device_id = e.device_id) LIMIT ?2)");
    prune.BindInt(1, received_before_ms);
    prune.BindInt(2, kSlice);
    if (absl::Status s = RunStep(prune, "prune events"); !s.ok()) return s;
    const int changes = sqlite3_changes(db_);
    deleted += static_cast<uint64_t>(changes);
    if (changes < kSlice) return deleted;
  }
}

}  // namespace candor::service
