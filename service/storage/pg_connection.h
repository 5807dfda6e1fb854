#pragma once

// libpq, wrapped for PostgresStore: results that free themselves, parameters sent in binary
// with explicit types (values never go into SQL text), errors as absl::Status with the
// canonical code a caller can act on, and a small pool of connections so concurrent calls
// don't wait for one another.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace candor::service::pg {

// A finished query's result; frees it on destruction. Binary format: integers are read
// big-endian, text and bytea as their bytes.
class Result {
 public:
  Result() = default;
  explicit Result(PGresult* result) : result_(result) {}
  ~Result();
  Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Result& operator=(Result&& other) noexcept;

  PGresult* get() const { return result_; }
  int rows() const;
  // Rows changed by an INSERT, UPDATE or DELETE.
  uint64_t affected() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;  // text and bytea alike
  int64_t Int(int row, int column) const;       // int2, int4 or int8

 private:
  PGresult* result_ = nullptr;
};

// Parameters of one statement, all in binary format. Text and bytes are referenced, not
// copied: they must outlive the call that sends them.
class Params {
 public:
  Params& Text(absl::string_view text);
  Params& Bytes(absl::string_view bytes);
  Params& Int(int64_t value);
  Params& Null();  // a NULL of type bigint
  // text[] and bigint[] (for unnest: many rows in one statement). Copied.
  Params& TextArray(absl::Span<const absl::string_view> items);
  Params& IntArray(absl::Span<const int64_t> items);

  int size() const { return static_cast<int>(values_.size()); }
  const unsigned int* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<unsigned int> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  Params& Owned(unsigned int type, std::string bytes);

  std::deque<std::string> owned_;  // encoded Int and array values; a deque keeps them put
};

// The Status for a failed result (or a lost connection when `result` is null): kUnavailable
// for what is worth retrying (connection, lock timeout, serialization failure, deadlock,
// shutdown), kInvalidArgument for data PostgreSQL refuses, kAlreadyExists for a unique
// key, kInternal for the rest. The message starts with `what`.
absl::Status Error(PGconn* conn, const PGresult* result, absl::string_view what);

// One open connection. Not thread-safe: a connection is used by one caller at a time (the
// pool hands it out).
class Connection {
 public:
  // Connects to `uri` (a libpq URI). kUnavailable naming the host and database, never the
  // password, when it cannot.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& uri);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* get() const { return conn_; }
  bool broken() const;

  // Runs one statement (binary results); an error Status unless it succeeded.
  absl::StatusOr<Result> Exec(absl::string_view what, const char* sql, const Params& params);
  // Exec in two halves, so the caller can work while the server runs the statement: Send
  // returns once it is sent; Receive waits for its result. Nothing else may be sent between.
  absl::Status Send(absl::string_view what, const char* sql, const Params& params);
  absl::StatusOr<Result> Receive(absl::string_view what);
  // Runs SQL without parameters, possibly several statements (migrations, BEGIN, COMMIT).
  absl::Status ExecScript(absl::string_view what, const char* sql);
  // Prepares `sql` under `name` on this connection the first time it is asked for.
  absl::Status Prepare(const char* name, const char* sql, const Params& param_types);

  // ROLLBACK if a transaction is open (after an error).
  void RollbackIfOpen();

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}

  PGconn* conn_;
  std::vector<std::string> prepared_;
};

// Up to `size` connections to one database, opened when first needed and reused; a broken
// one is dropped and replaced by the next caller. Thread-safe.
class Pool {
 public:
  // `on_open` runs on each new connection (session settings) before it is handed out.
  Pool(std::string uri, size_t size, std::function<absl::Status(Connection&)> on_open)
      : uri_(std::move(uri)), size_(size), on_open_(std::move(on_open)) {}
  ~Pool();

  // A connection for one caller, back to the pool when the Lease goes.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Waits while all `size` connections are in use.
  absl::StatusOr<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> conn);

  const std::string uri_;
  const size_t size_;
  const std::function<absl::Status(Connection&)> on_open_;
  std::mutex mu_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;  // idle and leased
};

// Whether libpq can parse `uri` (it is not connected to).
bool ParsesAsConninfo(const std::string& uri);

// "host:port/dbname" of a libpq URI, for messages: never the user's password.
std::string DescribeTarget(const std::string& uri);

}  // namespace candor::service::pg
