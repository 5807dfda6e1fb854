#include "service/storage/sqlite_store.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "candor/storage/v1/stored_events.pb.h"
#include "service/storage/sqlite_checkpointer.h"
#include "service/storage/sqlite_internal.h"

namespace candor::service {
namespace {

// One row of event_batches holds at most this many events (a migration's groups; a batch
// from the wire holds at most proto/limits.h's kMaxBatchEvents).
constexpr int kMaxEventsPerRow = 1000;

constexpr const char* kInsertBatchSql =
    "INSERT INTO event_batches (device_id, tenant, first_seq, last_seq, event_count, "
    "received_at_ms, events) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

absl::Status CopyEventsIntoBatches(sqlite3* db);

// Inserts one row of event_batches with `events` (at least one, in ascending seq), encoded
// into `encoded` (reused by the caller); its seq range and count come from them.
absl::Status InsertEventRow(sqlite3* db, Statement& insert, absl::string_view device_id,
                            absl::string_view tenant, int64_t received_ms,
                            const storage::v1::StoredEvents& events, std::string& encoded) {
  if (!insert.status().ok()) return insert.status();
  events.SerializeToString(&encoded);
  sqlite3_reset(insert.get());
  insert.BindStaticText(1, device_id);
  insert.BindStaticText(2, tenant);
  insert.BindInt(3, static_cast<int64_t>(events.events(0).seq()));
  insert.BindInt(4, static_cast<int64_t>(events.events(events.events_size() - 1).seq()));
  insert.BindInt(5, events.events_size());
  insert.BindInt(6, received_ms);
  insert.BindStaticBlob(7, encoded);
  const int rc = sqlite3_step(insert.get());
  sqlite3_reset(insert.get());
  return rc == SQLITE_DONE ? absl::OkStatus() : SqliteError(db, rc, "insert events");
}

// A schema migration: `sql`, then `copy` (C++, when SQL cannot do it), then `finish`, all
// in one transaction.
struct Migration {
  const char* sql;
  absl::Status (*copy)(sqlite3*) = nullptr;
  const char* finish = nullptr;
};

// Schema migrations, applied in order; PRAGMA user_version records how many ran.
constexpr Migration kMigrations[] = {
    // 1: events, one row per (device, seq).
    {R"sql(
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
)sql"},
    // 2: tenants, enrollment tokens, devices, the audit log.
    {R"sql(
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
)sql"},
    // 3: signed policies as admins pushed them; versions rise per tenant.
    {R"sql(
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
)sql"},
    // 4: each device's latest result per check, for compliance reports; events by the time
    // they were received, for export --since and history retention.
    {R"sql(
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
)sql"},
    // 5: events in a rowid table, in the order received, with (device, seq) unique in an
    // index of its own. A row is 300 to 500 bytes (the facts), too large for a WITHOUT ROWID
    // B-tree, which split pages all over the tree for every device's inserts; a rowid table
    // appends. 1.19x the events stored per second on the write path (docs/benchmarks.md).
    {R"sql(
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
)sql"},
    // 6: one row per batch, its events in one BLOB (candor.storage.v1.StoredEvents), not
    // one row per event: two B-tree inserts per batch instead of two per event, 1.5 to 1.7x
    // the events stored per second end to end (docs/benchmarks.md). A device's rows never
    // overlap: a batch is stored from past the device's highest stored seq, so last_seq
    // rises.
    {R"sql(
CREATE TABLE event_batches (
  device_id      TEXT    NOT NULL,
  tenant         TEXT    NOT NULL,
  first_seq      INTEGER NOT NULL,
  last_seq       INTEGER NOT NULL,
  event_count    INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  events         BLOB    NOT NULL
);
)sql",
     CopyEventsIntoBatches, R"sql(
DROP TABLE events;
CREATE UNIQUE INDEX event_batches_by_device ON event_batches (device_id, last_seq);
CREATE INDEX event_batches_by_received ON event_batches (received_at_ms);
)sql"},
};

// Migration 6's copy: schema 5's events, one row per event, into event_batches, the
// consecutive events of a device received at the same time in one row.
absl::Status CopyEventsIntoBatches(sqlite3* db) {
  Statement select(db,
                   "SELECT device_id, tenant, seq, collector, check_id, status, reason, facts, "
                   "observed_at_ms, received_at_ms, policy_version FROM events "
                   "ORDER BY device_id, seq");
  Statement insert(db, kInsertBatchSql);
  if (!select.status().ok()) return select.status();
  storage::v1::StoredEvents row;
  std::string device_id;
  std::string tenant;
  int64_t received_ms = 0;
  std::string encoded;
  auto flush = [&]() -> absl::Status {
    if (row.events_size() == 0) return absl::OkStatus();
    absl::Status s = InsertEventRow(db, insert, device_id, tenant, received_ms, row, encoded);
    row.clear_events();
    return s;
  };
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    const std::string device = select.Text(0);
    const int64_t received = select.Int(9);
    if (device != device_id || received != received_ms || row.events_size() >= kMaxEventsPerRow) {
      if (absl::Status s = flush(); !s.ok()) return s;
      device_id = device;
      tenant = select.Text(1);
      received_ms = received;
    }
    storage::v1::StoredEvent* event = row.add_events();
    event->set_seq(static_cast<uint64_t>(select.Int(2)));
    event->set_collector(select.Text(3));
    event->set_check_id(select.Text(4));
    event->set_status(select.Text(5));
    event->set_reason(select.Text(6));
    event->set_facts_json(select.Text(7));
    event->set_observed_at_ms(select.Int(8));
    event->set_policy_version(static_cast<uint64_t>(select.Int(10)));
  }
  if (rc != SQLITE_DONE) return SqliteError(db, rc, "read events to copy");
  return flush();
}

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
  } else if (absl::Status s = store->CheckReadableSchema(); !s.ok()) {
    return s;
  }
  return store;
}

absl::StatusOr<int64_t> SqliteStore::SchemaVersion() {
  Statement version(db_, "PRAGMA user_version");
  if (!version.status().ok()) return version.status();
  if (const int rc = sqlite3_step(version.get()); rc != SQLITE_ROW) {
    return SqliteError(db_, rc, "read the schema version");
  }
  return version.Int(0);
}

absl::Status SqliteStore::CheckReadableSchema() {
  absl::StatusOr<int64_t> applied = SchemaVersion();
  if (!applied.ok()) return applied.status();
  const int64_t known = static_cast<int64_t>(std::size(kMigrations));
  if (*applied > known) return NewerSchemaError(*applied);
  if (*applied < known) {
    // Only a writable open migrates; this server would misread the older tables.
    return absl::FailedPreconditionError(
        absl::StrCat("database schema version ", *applied, " is older than this candor-server (",
                     known, "); start the server once to upgrade the database, then retry"));
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::NewerSchemaError(int64_t applied) {
  return absl::FailedPreconditionError(
      absl::StrCat("database schema version ", applied, " is newer than this server (",
                   std::size(kMigrations), "); upgrade candor-server"));
}

SqliteStore::SqliteStore(sqlite3* db) : db_(db) {}

SqliteStore::~SqliteStore() {
  insert_.reset();  // finalized before the connection closes
  highest_.reset();
  upsert_.reset();
  checkpointer_.reset();  // before its writer connection closes
  sqlite3_close(db_);
}

absl::Status SqliteStore::Migrate() {
  // Its statement is finalized on return: no read in progress while a migration drops a table.
  absl::StatusOr<int64_t> version = SchemaVersion();
  if (!version.ok()) return version.status();
  const int64_t applied = *version;
  const int64_t known = static_cast<int64_t>(std::size(kMigrations));
  if (applied > known) return NewerSchemaError(applied);
  for (int64_t i = applied; i < known; ++i) {
    const Migration& migration = kMigrations[i];
    Transaction transaction(db_);
    if (!transaction.begun().ok()) return transaction.begun();
    absl::Status s = SqliteExec(db_, migration.sql);
    if (s.ok() && migration.copy != nullptr) s = migration.copy(db_);
    if (s.ok() && migration.finish != nullptr) s = SqliteExec(db_, migration.finish);
    if (s.ok()) s = SqliteExec(db_, absl::StrCat("PRAGMA user_version = ", i + 1).c_str());
    if (s.ok()) s = transaction.Commit();
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("schema migration ", i + 1, ": ", s.message()));
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
  absl::Status status;
  for (const BatchToStore& item : batches) {
    status = InsertBatch(*item.device, *item.prepared, received_ms);
    if (!status.ok()) break;
  }
  if (status.ok()) status = UpsertLatest(batches, received_ms);
  if (status.ok()) status = SqliteExec(db_, "COMMIT");
  if (!status.ok()) SqliteExec(db_, "ROLLBACK").IgnoreError();
  return status;
}

absl::StatusOr<uint64_t> SqliteStore::HighestSeqLocked(const std::string& device_id) {
  if (highest_ == nullptr) {
    highest_ = std::make_unique<Statement>(
        db_, "SELECT COALESCE(MAX(last_seq), 0) FROM event_batches WHERE device_id = ?1");
  }
  Statement& select = *highest_;
  if (!select.status().ok()) return select.status();
  sqlite3_reset(select.get());
  select.BindStaticText(1, device_id);
  const int rc = sqlite3_step(select.get());
  const uint64_t highest = static_cast<uint64_t>(select.Int(0));
  sqlite3_reset(select.get());
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "read highest seq");
  return highest;
}

absl::Status SqliteStore::InsertBatch(const DeviceIdentity& device, const PreparedBatch& prepared,
                                      int64_t received_ms) {
  // An agent sends its events in seq order and, after a reconnect, again from its last
  // ack: what is at or below the device's highest stored seq is stored already.
  absl::StatusOr<uint64_t> highest = HighestSeqLocked(device.device_id);
  if (!highest.ok()) return highest.status();
  const v1::EventBatch& batch = *prepared.batch;
  int first = 0;
  while (first < batch.events_size() && batch.events(first).seq() <= *highest) ++first;
  if (first == batch.events_size()) return absl::OkStatus();

  // Reused for every batch: after the first few, encoding allocates nothing.
  scratch_.mutable_events()->Clear();
  for (int i = first; i < batch.events_size(); ++i) {
    const v1::Event& event = batch.events(i);
    storage::v1::StoredEvent* stored = scratch_.add_events();
    stored->set_seq(event.seq());
    stored->set_collector(event.collector());
    stored->set_check_id(event.check_id());
    const absl::string_view status = CheckStatusText(event.status());
    stored->set_status(status.data(), status.size());
    stored->set_reason(event.reason());
    stored->set_facts_json(prepared.facts_json[static_cast<size_t>(i)]);
    stored->set_observed_at_ms(TimestampMillis(event.observed_at()));
    stored->set_policy_version(event.policy_version());
  }
  if (insert_ == nullptr) insert_ = std::make_unique<Statement>(db_, kInsertBatchSql);
  return InsertEventRow(db_, *insert_, device.device_id, device.tenant, received_ms, scratch_,
                        encoded_);
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
  return HighestSeqLocked(device.device_id);
}

absl::Status SqliteStore::ForEachEvent(const std::function<void(const StoredEvent&)>& visit) {
  std::lock_guard<std::mutex> lock(mu_);
  // Device by device, each through its index: one query ordered by tenant would sort every
  // row, events and all.
  std::vector<std::string> devices;
  {
    Statement select(db_,
                     "SELECT device_id FROM (SELECT DISTINCT tenant, device_id FROM event_batches) "
                     "ORDER BY tenant, device_id");
    if (!select.status().ok()) return select.status();
    int rc;
    while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) devices.push_back(select.Text(0));
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "read devices with events");
  }
  Statement select(db_,
                   "SELECT tenant, device_id, received_at_ms, events FROM event_batches "
                   "WHERE device_id = ?1 ORDER BY last_seq");
  for (const std::string& device_id : devices) {
    sqlite3_reset(select.get());
    select.BindStaticText(1, device_id);
    if (absl::Status s = VisitEvents(select, visit); !s.ok()) return s;
  }
  return select.status();
}

absl::Status SqliteStore::ForEachEventSince(int64_t received_since_ms,
                                            const std::function<void(const StoredEvent&)>& visit) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement select(db_,
                   "SELECT tenant, device_id, received_at_ms, events FROM event_batches "
                   "WHERE received_at_ms >= ?1 ORDER BY received_at_ms, device_id, last_seq");
  select.BindInt(1, received_since_ms);
  return VisitEvents(select, visit);
}

absl::Status SqliteStore::VisitEvents(Statement& select,
                                      const std::function<void(const StoredEvent&)>& visit) {
  if (!select.status().ok()) return select.status();
  storage::v1::StoredEvents row;
  StoredEvent event;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    event.tenant = select.Text(0);
    event.device_id = select.Text(1);
    event.received_at_ms = select.Int(2);
    const absl::string_view bytes = select.BlobView(3);
    if (!row.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError(absl::StrCat("the stored events of device ", event.device_id,
                                              " received at ", event.received_at_ms,
                                              " ms are not readable"));
    }
    for (const storage::v1::StoredEvent& stored : row.events()) {
      event.seq = stored.seq();
      event.collector = stored.collector();
      event.check_id = stored.check_id();
      event.status = stored.status();
      event.reason = stored.reason();
      event.facts_json = stored.facts_json();
      event.observed_at_ms = stored.observed_at_ms();
      event.policy_version = stored.policy_version();
      visit(event);
    }
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
  // In slices of rows (a row is a batch, typically 50 events), so ingest waits for at most
  // one slice; each device's newest row stays, so the seq a reconnecting agent is told was
  // stored never goes back.
  constexpr int kSlice = 100;
  uint64_t deleted = 0;
  while (true) {
    std::lock_guard<std::mutex> lock(mu_);
    Statement prune(db_,
                    "DELETE FROM event_batches WHERE rowid IN ("
                    "SELECT rowid FROM event_batches e WHERE received_at_ms < ?1 AND last_seq < "
                    "(SELECT MAX(last_seq) FROM event_batches x WHERE x.device_id = e.device_id) "
                    "LIMIT ?2) RETURNING event_count");
    if (!prune.status().ok()) return prune.status();
    prune.BindInt(1, received_before_ms);
    prune.BindInt(2, kSlice);
    int rows = 0;
    int rc;
    while ((rc = sqlite3_step(prune.get())) == SQLITE_ROW) {
      ++rows;
      deleted += static_cast<uint64_t>(prune.Int(0));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "prune events");
    if (rows < kSlice) return deleted;
  }
}

}  // namespace candor::service
