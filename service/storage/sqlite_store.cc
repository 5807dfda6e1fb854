#include "service/storage/sqlite_store.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

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
};

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

}  // namespace

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  absl::Status status() const {
    return rc_ == SQLITE_OK ? absl::OkStatus() : SqliteError(db_, rc_, "prepare");
  }
  sqlite3_stmt* get() { return stmt_; }
  void BindText(int index, absl::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  // For text that stays unchanged until the statement is stepped: no copy.
  void BindStaticText(int index, absl::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  std::string Text(int column) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  int64_t Int(int column) { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

namespace {

absl::Status Exec(sqlite3* db, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(db, rc, "exec");
}

absl::string_view StatusText(v1::CheckStatus status) {
  switch (status) {
    case v1::CHECK_STATUS_PASS:
      return "PASS";
    case v1::CHECK_STATUS_FAIL:
      return "FAIL";
    case v1::CHECK_STATUS_NOT_APPLICABLE:
      return "NOT_APPLICABLE";
    case v1::CHECK_STATUS_ERROR:
      return "ERROR";
    default:
      return "UNSPECIFIED";
  }
}

int64_t ToMillis(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000 + t.nanos() / 1000000;
}

}  // namespace

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
    if (absl::Status s = Exec(db,
                              "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                              "PRAGMA cache_size=-65536;");
        !s.ok()) {
      return s;
    }
    if (absl::Status s = store->Migrate(); !s.ok()) return s;
  }
  return store;
}

SqliteStore::SqliteStore(sqlite3* db) : db_(db) {}

SqliteStore::~SqliteStore() {
  insert_.reset();  // finalized before the connection closes
  sqlite3_close(db_);
}

absl::Status SqliteStore::Migrate() {
  Statement version(db_, "PRAGMA user_version");
  if (!version.status().ok()) return version.status();
  if (sqlite3_step(version.get()) != SQLITE_ROW) return SqliteError(db_, SQLITE_ERROR, "version");
  const int64_t applied = version.Int(0);
  const int64_t known = static_cast<int64_t>(std::size(kMigrations));
  if (applied > known) {
    return absl::FailedPreconditionError(absl::StrCat("database schema version ", applied,
                                                      " is newer than this server (", known,
                                                      "); upgrade candor-server"));
  }
  for (int64_t i = applied; i < known; ++i) {
    const std::string sql = absl::StrCat("BEGIN IMMEDIATE;", kMigrations[i],
                                         "PRAGMA user_version = ", i + 1, "; COMMIT;");
    if (absl::Status s = Exec(db_, sql.c_str()); !s.ok()) {
      Exec(db_, "ROLLBACK").IgnoreError();
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
  return prepared.batch.last_seq();
}

absl::Status SqliteStore::StoreBatches(absl::Span<const BatchToStore> batches,
                                       Clock::time_point received_at) {
  const int64_t received_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(received_at.time_since_epoch()).count();
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = Exec(db_, "BEGIN IMMEDIATE"); !s.ok()) return s;
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
    const v1::EventBatch& batch = item.prepared->batch;
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
      insert.BindStaticText(6, StatusText(event.status()));
      insert.BindStaticText(7, event.reason());
      insert.BindStaticText(8, facts);
      insert.BindInt(9, ToMillis(event.observed_at()));
      insert.BindInt(10, received_ms);
      insert.BindInt(11, static_cast<int64_t>(event.policy_version()));
      if (const int rc = sqlite3_step(insert.get()); rc != SQLITE_DONE) {
        status = SqliteError(db_, rc, "insert event");
      }
    }
  }
  sqlite3_reset(insert.get());
  sqlite3_clear_bindings(insert.get());
  if (status.ok()) status = Exec(db_, "COMMIT");
  if (!status.ok()) Exec(db_, "ROLLBACK").IgnoreError();
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

}  // namespace candor::service
