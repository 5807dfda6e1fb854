#include "tests/service/store_backends.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/storage/open_store.h"
#include "service/storage/pg_connection.h"

namespace candor::service::testing {
namespace {

// Runs `sql` (no parameters) on a new connection to `uri`.
absl::StatusOr<pg::Result> ExecOn(const std::string& uri, const std::string& sql) {
  absl::StatusOr<std::unique_ptr<pg::Connection>> conn = pg::Connection::Open(uri);
  if (!conn.ok()) return conn.status();
  return (*conn)->Exec("test", sql.c_str(), {});
}

}  // namespace

const char kNoPostgres[] =
    "PostgreSQL cases need a cluster: run scripts/test.sh, or start one with "
    "`scripts/pg-cluster.sh start /tmp/candor-pg` and set CANDOR_TEST_POSTGRES to the URI "
    "it prints";

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

std::string TestPostgresUri() {
  const char* uri = std::getenv("CANDOR_TEST_POSTGRES");
  return uri ? uri : "";
}

std::string WithDatabase(const std::string& uri, const std::string& database) {
  const size_t authority = uri.find("://");
  const size_t slash = uri.find('/', authority == std::string::npos ? 0 : authority + 3);
  const size_t query = uri.find('?', slash == std::string::npos ? 0 : slash);
  const std::string rest = query == std::string::npos ? "" : uri.substr(query);
  if (slash == std::string::npos) {
    return absl::StrCat(uri.substr(0, query == std::string::npos ? uri.size() : query), "/",
                        database, rest);
  }
  return absl::StrCat(uri.substr(0, slash + 1), database, rest);
}

absl::Status TestBackend::Create() {
  if (backend_ == Backend::kSqlite) {
    location_ = (dir_ / "candor.db").string();
    return absl::OkStatus();
  }
  static std::atomic<int> counter{0};
  std::random_device random;
  database_ = absl::StrFormat("candor_test_%d_%d_%08x", getpid(), counter++, random());
  // The name is ours (letters, digits, '_'): safe as an identifier.
  if (auto r = ExecOn(TestPostgresUri(), absl::StrCat("CREATE DATABASE ", database_)); !r.ok()) {
    database_.clear();
    return r.status();
  }
  location_ = WithDatabase(TestPostgresUri(), database_);
  return absl::OkStatus();
}

TestBackend::~TestBackend() {
  if (database_.empty()) return;
  auto r = ExecOn(TestPostgresUri(), absl::StrCat("DROP DATABASE ", database_, " WITH (FORCE)"));
  if (!r.ok()) ADD_FAILURE() << r.status();
}

absl::StatusOr<std::unique_ptr<Storage>> TestBackend::Open() const {
  return OpenStorage(location_, {});
}

absl::Status TestBackend::ExecOutside(const std::string& sql) const {
  return ExecOn(location_, sql).status();
}

int64_t TestBackend::CountEventsOutside() const {
  if (backend_ == Backend::kPostgres) {
    absl::StatusOr<pg::Result> r = ExecOn(location_, "SELECT COUNT(*) FROM events");
    return r.ok() ? r->Int(0, 0) : -1;
  }
  sqlite3* db = nullptr;
  sqlite3_open_v2(location_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT COALESCE(SUM(event_count), 0) FROM event_batches", -1, &stmt,
                     nullptr);
  int64_t count = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) count = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

}  // namespace candor::service::testing
