// PostgreSQL schema migrations. The first has the shape the SQLite store reached after its
// fourth migration; later changes append here (and to sqlite_store.cc) in the same order.

#include <iterator>

#include "absl/strings/str_cat.h"
#include "service/storage/postgres_store.h"

namespace candor::service {
namespace {

// check_results is updated in place by every batch: free space on each page (fillfactor)
// lets PostgreSQL update a row on its own page without touching the index (HOT), which
// keeps the table in key order for reports and the upsert cheap.
// Key columns use the "C" collation, so that ORDER BY gives the byte order SQLite gives
// whatever the database's default collation is.
constexpr const char* kMigrations[] = {
    // 1: events, latest results, tenants, tokens, devices, audit log, signed policies.
    R"sql(
CREATE TABLE events (
  device_id      TEXT COLLATE "C" NOT NULL,
  seq            BIGINT NOT NULL,
  tenant         TEXT COLLATE "C" NOT NULL,
  collector      TEXT   NOT NULL,
  check_id       TEXT   NOT NULL,
  status         TEXT   NOT NULL,
  reason         TEXT   NOT NULL,
  facts          TEXT   NOT NULL,
  observed_at_ms BIGINT NOT NULL,
  received_at_ms BIGINT NOT NULL,
  policy_version BIGINT NOT NULL,
  PRIMARY KEY (device_id, seq)
);
CREATE INDEX events_by_received ON events (received_at_ms);
CREATE TABLE check_results (
  tenant         TEXT COLLATE "C" NOT NULL,
  device_id      TEXT COLLATE "C" NOT NULL,
  check_id       TEXT COLLATE "C" NOT NULL,
  collector      TEXT   NOT NULL,
  status         TEXT   NOT NULL,
  severity       BIGINT NOT NULL,
  interval_s     BIGINT NOT NULL,
  reason         TEXT   NOT NULL,
  observed_at_ms BIGINT NOT NULL,
  received_at_ms BIGINT NOT NULL,
  policy_version BIGINT NOT NULL,
  seq            BIGINT NOT NULL,
  PRIMARY KEY (tenant, device_id, check_id)
) WITH (fillfactor = 70);
CREATE TABLE tenants (
  name          TEXT COLLATE "C" PRIMARY KEY,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE tokens (
  hash          TEXT   PRIMARY KEY,
  tenant        TEXT   NOT NULL,
  grp           TEXT   NOT NULL,
  uses_left     BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  created_by    TEXT   NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE devices (
  device_id         TEXT COLLATE "C" PRIMARY KEY,
  tenant            TEXT COLLATE "C" NOT NULL,
  grp               TEXT   NOT NULL,
  enrolled_at_ms    BIGINT NOT NULL,
  cert_serial       TEXT   NOT NULL,
  cert_not_after_ms BIGINT NOT NULL,
  revoked_at_ms     BIGINT,
  last_contact_ms   BIGINT NOT NULL,
  agent_version     TEXT   NOT NULL,
  policy_version    BIGINT NOT NULL
);
CREATE INDEX devices_by_tenant ON devices (tenant, device_id);
CREATE TABLE audit (
  id      BIGSERIAL PRIMARY KEY,
  at_ms   BIGINT NOT NULL,
  actor   TEXT   NOT NULL,
  tenant  TEXT   NOT NULL,
  action  TEXT   NOT NULL,
  detail  TEXT   NOT NULL,
  outcome TEXT   NOT NULL
);
CREATE INDEX audit_by_tenant ON audit (tenant, id);
CREATE TABLE policies (
  tenant       TEXT   NOT NULL,
  version      BIGINT NOT NULL,
  grp          TEXT   NOT NULL,
  name         TEXT   NOT NULL,
  yaml         BYTEA  NOT NULL,
  key_id       TEXT   NOT NULL,
  signature    BYTEA  NOT NULL,
  pushed_by    TEXT   NOT NULL,
  pushed_at_ms BIGINT NOT NULL,
  PRIMARY KEY (tenant, version)
);
)sql",
};

// pg_advisory_xact_lock's key for migrations: "candor" in ASCII.
constexpr int64_t kMigrationLock = 0x63616e646f72;

}  // namespace

int64_t PostgresSchemaVersion() { return static_cast<int64_t>(std::size(kMigrations)); }

absl::Status MigratePostgres(pg::Connection& conn) {
  // One transaction for the lot: DDL is transactional in PostgreSQL, and a second server
  // starting at the same moment waits at the lock and then finds the work done.
  if (absl::Status s = conn.ExecScript("begin migration", "BEGIN"); !s.ok()) return s;
  absl::Status status = [&]() -> absl::Status {
    if (auto r = conn.Exec("lock for migration", "SELECT pg_advisory_xact_lock($1)",
                           pg::Params().Int(kMigrationLock));
        !r.ok()) {
      return r.status();
    }
    if (absl::Status s = conn.ExecScript("create schema_version",
                                         "CREATE TABLE IF NOT EXISTS schema_version "
                                         "(version BIGINT NOT NULL)");
        !s.ok()) {
      return s;
    }
    absl::StatusOr<pg::Result> current = conn.Exec(
        "read schema version", "SELECT COALESCE(MAX(version), 0) FROM schema_version", {});
    if (!current.ok()) return current.status();
    const int64_t applied = current->Int(0, 0);
    const int64_t known = PostgresSchemaVersion();
    if (applied > known) {
      return absl::FailedPreconditionError(absl::StrCat("database schema version ", applied,
                                                        " is newer than this server (", known,
                                                        "); upgrade candor-server"));
    }
    for (int64_t i = applied; i < known; ++i) {
      if (absl::Status s = conn.ExecScript(absl::StrCat("migration ", i + 1), kMigrations[i]);
          !s.ok()) {
        return s;
      }
    }
    if (applied == known) return absl::OkStatus();
    if (auto r = conn.Exec("record schema version", "DELETE FROM schema_version", {}); !r.ok()) {
      return r.status();
    }
    auto r = conn.Exec("record schema version", "INSERT INTO schema_version VALUES ($1)",
                       pg::Params().Int(known));
    return r.ok() ? absl::OkStatus() : r.status();
  }();
  if (status.ok()) status = conn.ExecScript("commit migration", "COMMIT");
  if (!status.ok()) conn.RollbackIfOpen();
  return status;
}

}  // namespace candor::service
