#pragma once

// What SqliteStore's two source files (sqlite_store.cc: opening, migrations, events;
// sqlite_registry.cc: the registry) share. Internal to service/storage.

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace candor::service {

// The Status for SQLite's result code `rc`: kUnavailable for busy, locked, full or I/O
// errors, kFailedPrecondition for read-only or unopenable files, kInternal otherwise.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);
// Runs SQL without parameters (possibly several statements).
absl::Status SqliteExec(sqlite3* db, const char* sql);

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
  void BindBlob(int index, absl::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  // For bytes that stay unchanged until the statement is stepped: no copy.
  void BindStaticBlob(int index, absl::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  }
  // The column's bytes, valid until the next step or reset.
  absl::string_view BlobView(int column) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return bytes
               ? absl::string_view(bytes, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
               : absl::string_view();
  }
  std::string Blob(int column) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return bytes ? std::string(bytes, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                 : std::string();
  }
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

// BEGIN IMMEDIATE now; ROLLBACK when it goes out of scope without a successful Commit().
// Declared before the transaction's Statements, so they are finalized first.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db), begun_(SqliteExec(db, "BEGIN IMMEDIATE")) {}
  ~Transaction() {
    if (begun_.ok() && !committed_) SqliteExec(db_, "ROLLBACK").IgnoreError();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  const absl::Status& begun() const { return begun_; }
  absl::Status Commit() {
    absl::Status s = SqliteExec(db_, "COMMIT");
    committed_ = s.ok();
    return s;
  }

 private:
  sqlite3* db_;
  absl::Status begun_;
  bool committed_ = false;
};

}  // namespace candor::service
