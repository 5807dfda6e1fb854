#pragma once

// The storage tests run against both back ends (value-parameterized): SQLite in a
// temporary directory, and PostgreSQL in a database of its own on the cluster that
// $CANDOR_TEST_POSTGRES names (scripts/test.sh starts one with scripts/pg-cluster.sh).
// Without the variable the PostgreSQL cases skip, saying how to run them.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "service/storage/storage.h"
#include "tests/support/temp_dir.h"

namespace candor::service::testing {

enum class Backend { kSqlite, kPostgres };

// For INSTANTIATE_TEST_SUITE_P's name generator: "Sqlite", "Postgres".
std::string BackendName(const ::testing::TestParamInfo<Backend>& info);

// The admin URI of the test cluster; empty when $CANDOR_TEST_POSTGRES is unset.
std::string TestPostgresUri();
extern const char kNoPostgres[];

// A fresh, empty place to store: a SQLite file, or a PostgreSQL database created with a
// unique name (so tests run in parallel) and dropped with everything in it on destruction.
class TestBackend {
 public:
  explicit TestBackend(Backend backend) : backend_(backend) {}
  ~TestBackend();
  TestBackend(const TestBackend&) = delete;
  TestBackend& operator=(const TestBackend&) = delete;

  // Creates the database (PostgreSQL). Call once, before Open.
  absl::Status Create();
  // A store on it (again and again: several stores on one database act as several servers).
  absl::StatusOr<std::unique_ptr<Storage>> Open() const;
  // What a server config's `storage` would say: the file, or the database's URI.
  const std::string& location() const { return location_; }
  // Runs SQL on a connection of its own (PostgreSQL only): what another process would do.
  absl::Status ExecOutside(const std::string& sql) const;
  // How many events are stored, through a connection of its own; -1 on error.
  int64_t CountEventsOutside() const;

 private:
  Backend backend_;
  candor::testing::TempDir dir_;
  std::string location_;
  std::string database_;  // PostgreSQL: the database's name
};

// `uri` with its database replaced by `database`.
std::string WithDatabase(const std::string& uri, const std::string& database);

}  // namespace candor::service::testing

// In SetUp of a parameterized storage test.
#define CANDOR_SKIP_WITHOUT_POSTGRES(backend)                        \
  if ((backend) == ::candor::service::testing::Backend::kPostgres && \
      ::candor::service::testing::TestPostgresUri().empty()) {       \
    GTEST_SKIP() << ::candor::service::testing::kNoPostgres;         \
  }
