#include "service/storage/sqlite_checkpointer.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

// A writer connection in WAL mode, as SqliteStore opens it.
class Writer {
 public:
  explicit Writer(const std::filesystem::path& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    Exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
  }
  ~Writer() { sqlite3_close(db_); }
  sqlite3* get() { return db_; }
  void Exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
  }
  // `rows` rows of 2 KiB each in one transaction.
  void Commit(int rows) {
    Exec("BEGIN");
    for (int i = 0; i < rows; ++i) Exec("INSERT INTO t (payload) VALUES (zeroblob(2048))");
    Exec("COMMIT");
  }
  int64_t Count() {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_, "SELECT count(*) FROM t", -1, &stmt, nullptr);
    sqlite3_step(stmt);
    const int64_t count = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return count;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Commits that never pause (as on a busy server) still let the WAL start over: it stays
// near the catch-up size instead of growing with everything written.
TEST(WalCheckpointerTest, TheWalStaysBoundedWhileTheWriterNeverPauses) {
  candor::testing::TempDir dir;
  const std::filesystem::path path = dir / "db";
  Writer writer(path);
  const WalCheckpointer::Options options{.background_pages = 50, .catch_up_pages = 400};
  auto checkpointer = WalCheckpointer::Start(path, writer.get(), options);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
  // About 40 MiB written in 200 commits of 100 rows (a commit is about 50 pages).
  for (int commit = 0; commit < 200; ++commit) writer.Commit(100);
  const auto wal_bytes = std::filesystem::file_size(path.string() + "-wal");
  // Without the writer's catch-up it would hold all 40 MiB. With it: the catch-up size plus
  // the one commit that crossed it (the catch-up waits for a background checkpoint in
  // progress, however slow the disk), pages of 4 KiB with a 24-byte frame header; with
  // room to spare for the schema's pages.
  EXPECT_LT(wal_bytes, (400u + 2u * 55u) * (4096u + 24u)) << wal_bytes;
  EXPECT_GT((*checkpointer)->background_runs(), 0);
  EXPECT_GT((*checkpointer)->catch_ups(), 0);
  EXPECT_EQ(writer.Count(), 20'000);
}

// What was committed is all there after the checkpointer stops and the database reopens,
// and the database is intact.
TEST(WalCheckpointerTest, EverythingCommittedIsReadAfterReopening) {
  candor::testing::TempDir dir;
  const std::filesystem::path path = dir / "db";
  {
    Writer writer(path);
    auto checkpointer = WalCheckpointer::Start(path, writer.get(), {.background_pages = 20});
    ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
    for (int commit = 0; commit < 50; ++commit) writer.Commit(20);
    checkpointer->reset();
    writer.Commit(20);  // after it stopped: SQLite's own checkpoint again
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), 1020);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(WalCheckpointerTest, AMissingDatabaseIsAClearError) {
  candor::testing::TempDir dir;
  Writer writer(dir / "db");
  auto checkpointer = WalCheckpointer::Start(dir / "no" / "such.db", writer.get(), {});
  EXPECT_FALSE(checkpointer.ok());
  EXPECT_NE(checkpointer.status().message().find("such.db"), std::string::npos)
      << checkpointer.status();
}

}  // namespace
}  // namespace candor::service
