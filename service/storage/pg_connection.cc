#include "service/storage/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace candor::service::pg {
namespace {

// Type OIDs (pg_type.h is not part of libpq-dev's public headers).
constexpr unsigned int kByteaOid = 17;
constexpr unsigned int kInt8Oid = 20;
constexpr unsigned int kTextOid = 25;
constexpr unsigned int kTextArrayOid = 1009;
constexpr unsigned int kInt8ArrayOid = 1016;

void PutInt32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(value >> (24 - 8 * i)));
}

void PutInt64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(value >> (56 - 8 * i)));
}

// array_recv's format: dimensions, flags (no NULLs), element type, size and lower bound
// of the one dimension, then each element's length and bytes.
std::string ArrayHeader(unsigned int element_type, size_t count) {
  std::string out;
  PutInt32(out, count == 0 ? 0 : 1);
  PutInt32(out, 0);
  PutInt32(out, element_type);
  if (count > 0) {
    PutInt32(out, static_cast<uint32_t>(count));
    PutInt32(out, 1);
  }
  return out;
}

uint64_t ReadBigEndian(const char* bytes, int length) {
  uint64_t value = 0;
  for (int i = 0; i < length; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

}  // namespace

Result::~Result() { PQclear(result_); }

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int Result::rows() const { return result_ ? PQntuples(result_) : 0; }

uint64_t Result::affected() const {
  uint64_t n = 0;
  return result_ && absl::SimpleAtoi(PQcmdTuples(result_), &n) ? n : 0;
}

bool Result::IsNull(int row, int column) const { return PQgetisnull(result_, row, column); }

std::string Result::Text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t Result::Int(int row, int column) const {
  const int length = PQgetlength(result_, row, column);
  const uint64_t raw = ReadBigEndian(PQgetvalue(result_, row, column), length);
  switch (length) {  // sign-extend the narrower types
    case 2:
      return static_cast<int16_t>(raw);
    case 4:
      return static_cast<int32_t>(raw);
    default:
      return static_cast<int64_t>(raw);
  }
}

Params& Params::Text(absl::string_view text) {
  types_.push_back(kTextOid);
  values_.push_back(text.data() ? text.data() : "");
  lengths_.push_back(static_cast<int>(text.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::Bytes(absl::string_view bytes) {
  Text(bytes);
  types_.back() = kByteaOid;
  return *this;
}

Params& Params::Owned(unsigned int type, std::string bytes) {
  const std::string& kept = owned_.emplace_back(std::move(bytes));
  types_.push_back(type);
  values_.push_back(kept.data());
  lengths_.push_back(static_cast<int>(kept.size()));
  formats_.push_back(1);
  return *this;
}

Params& Params::Int(int64_t value) {
  std::string bytes;
  PutInt64(bytes, static_cast<uint64_t>(value));
  return Owned(kInt8Oid, std::move(bytes));
}

Params& Params::TextArray(absl::Span<const absl::string_view> items) {
  std::string out = ArrayHeader(kTextOid, items.size());
  for (absl::string_view item : items) {
    PutInt32(out, static_cast<uint32_t>(item.size()));
    out.append(item.data(), item.size());
  }
  return Owned(kTextArrayOid, std::move(out));
}

Params& Params::IntArray(absl::Span<const int64_t> items) {
  std::string out = ArrayHeader(kInt8Oid, items.size());
  for (int64_t item : items) {
    PutInt32(out, 8);
    PutInt64(out, static_cast<uint64_t>(item));
  }
  return Owned(kInt8ArrayOid, std::move(out));
}

Params& Params::Null() {
  types_.push_back(kInt8Oid);
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(1);
  return *this;
}

absl::Status Error(PGconn* conn, const PGresult* result, absl::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string detail = result ? PQresultErrorMessage(result) : "";
  if (detail.empty() && conn) detail = PQerrorMessage(conn);
  const std::string message = absl::StrCat(
      what, ": ", absl::StripTrailingAsciiWhitespace(detail.empty() ? "no result" : detail));
  const absl::string_view code = state ? state : "";
  if (code.empty() || absl::StartsWith(code, "08") || absl::StartsWith(code, "53") ||
      absl::StartsWith(code, "57P") || code == "40001" || code == "40P01" || code == "55P03" ||
      code == "57014") {
    // No SQLSTATE means the connection failed under the statement.
    return absl::UnavailableError(message);
  }
  if (code == "23505") return absl::AlreadyExistsError(message);
  if (absl::StartsWith(code, "22")) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

bool ParsesAsConninfo(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  PQfreemem(error);
  PQconninfoFree(options);
  return options != nullptr;
}

std::string DescribeTarget(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "(unparsable PostgreSQL URI)";
  }
  std::string host = "localhost", port = "5432", dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    if (std::strcmp(o->keyword, "host") == 0) host = o->val;
    if (std::strcmp(o->keyword, "port") == 0) port = o->val;
    if (std::strcmp(o->keyword, "dbname") == 0) dbname = o->val;
  }
  PQconninfoFree(options);
  return absl::StrCat(host, ":", port, "/", dbname);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names the host and what went wrong; it never repeats the password.
    std::string why = conn ? PQerrorMessage(conn) : "out of memory";
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL at ",
                                               DescribeTarget(uri), ": ",
                                               absl::StripTrailingAsciiWhitespace(why)));
  }
  std::unique_ptr<Connection> connection(new Connection(conn));
  // Quiet: NOTICEs (e.g. "relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

absl::StatusOr<Result> Connection::Exec(absl::string_view what, const char* sql,
                                        const Params& params) {
  Result result(PQexecParams(conn_, sql, params.size(), params.types(), params.values(),
                             params.lengths(), params.formats(), 1));
  const ExecStatusType status = result.get() ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Error(conn_, result.get(), what);
  }
  return result;
}

absl::Status Connection::Send(absl::string_view what, const char* sql, const Params& params) {
  if (PQsendQueryParams(conn_, sql, params.size(), params.types(), params.values(),
                        params.lengths(), params.formats(), 1) == 0) {
    return Error(conn_, nullptr, what);
  }
  return absl::OkStatus();
}

absl::StatusOr<Result> Connection::Receive(absl::string_view what) {
  Result result(PQgetResult(conn_));
  // One statement, one result: drain to the end so the connection takes the next.
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  const ExecStatusType status = result.get() ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Error(conn_, result.get(), what);
  }
  return result;
}

absl::Status Connection::ExecScript(absl::string_view what, const char* sql) {
  Result result(PQexec(conn_, sql));
  const ExecStatusType status = result.get() ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Error(conn_, result.get(), what);
  }
  return absl::OkStatus();
}

absl::Status Connection::Prepare(const char* name, const char* sql, const Params& param_types) {
  if (std::find(prepared_.begin(), prepared_.end(), name) != prepared_.end()) {
    return absl::OkStatus();
  }
  Result result(PQprepare(conn_, name, sql, param_types.size(), param_types.types()));
  if (result.get() == nullptr || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return Error(conn_, result.get(), absl::StrCat("prepare ", name));
  }
  prepared_.push_back(name);
  return absl::OkStatus();
}

void Connection::RollbackIfOpen() {
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) ExecScript("rollback", "ROLLBACK").IgnoreError();
}

Pool::~Pool() = default;

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  released_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
  if (!idle_.empty()) {
    std::unique_ptr<Connection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(uri_);
  absl::Status status = conn.ok() ? on_open_(**conn) : conn.status();
  if (!status.ok()) {
    if (conn.ok()) conn->reset();
    lock.lock();
    --open_;
    released_.notify_one();
    return status;
  }
  return Lease(this, std::move(*conn));
}

void Pool::Release(std::unique_ptr<Connection> conn) {
  conn->RollbackIfOpen();
  const bool keep = !conn->broken();
  if (!keep) conn.reset();  // closed outside the lock's critical work below
  std::lock_guard<std::mutex> lock(mu_);
  if (keep) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  released_.notify_one();
}

}  // namespace candor::service::pg
