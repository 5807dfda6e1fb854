#include "service/storage/sqlite_checkpointer.h"

#include <pthread.h>

#include "absl/strings/str_cat.h"
#include "service/log.h"
#include "service/storage/sqlite_internal.h"

namespace candor::service {

absl::StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(
    const std::filesystem::path& path, sqlite3* writer, const Options& options) {
  sqlite3* own = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(own, rc, absl::StrCat("open ", path.string()));
    sqlite3_close(own);
    return status;
  }
  // The checkpoint's own fsync of the database file, as the writer's would have.
  if (absl::Status s = SqliteExec(own, "PRAGMA synchronous=FULL"); !s.ok()) {
    sqlite3_close(own);
    return s;
  }
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(own, writer, options));
}

WalCheckpointer::WalCheckpointer(sqlite3* own, sqlite3* writer, const Options& options)
    : own_(own), writer_(writer), options_(options) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "wal-checkpoint");
    Loop();
  });
  sqlite3_wal_hook(writer_, &WalCheckpointer::OnCommit, this);
}

WalCheckpointer::~WalCheckpointer() {
  // Back to SQLite's automatic checkpoint for whatever the writer still commits.
  sqlite3_wal_autocheckpoint(writer_, options_.background_pages);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  thread_.join();
  sqlite3_close(own_);
}

int WalCheckpointer::background_runs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return background_runs_;
}

int WalCheckpointer::catch_ups() const {
  std::lock_guard<std::mutex> lock(mu_);
  return catch_ups_;
}

int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= checkpointer->options_.catch_up_pages) {
    checkpointer->CatchUp(db, schema);
  } else if (wal_pages >= checkpointer->options_.background_pages) {
    std::lock_guard<std::mutex> lock(checkpointer->mu_);
    checkpointer->wanted_ = true;
    checkpointer->wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::CatchUp(sqlite3* db, const char* schema) {
  // Waits for a background checkpoint in progress (SQLite would answer BUSY beside it, and
  // on a slow disk the WAL would keep growing for as long as that one runs), then copies
  // what is left with no commit running beside it, so the next transaction can start the
  // WAL over. Holding mu_ keeps the background from starting another meanwhile. A failure
  // leaves the data in the WAL, where it is as durable; the next commit tries again.
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return !running_; });
  wanted_ = false;
  sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  ++catch_ups_;
}

void WalCheckpointer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || wanted_; });
    if (stopping_) return;
    wanted_ = false;
    running_ = true;
    lock.unlock();
    const int rc =
        sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    // Busy: the writer is catching up itself; the next commit asks again. Other failures
    // (a full disk) are logged once, not at every commit, until a checkpoint succeeds.
    const bool failed = rc != SQLITE_OK && rc != SQLITE_BUSY;
    if (failed && !failing_) {
      LogWarning(absl::StrCat("WAL checkpoint failed: ", sqlite3_errmsg(own_),
                              " (the data stays in the WAL; retried after the next commits)"));
    }
    lock.lock();
    if (rc == SQLITE_OK || failed) failing_ = failed;
    ++background_runs_;
    running_ = false;
    idle_.notify_all();
  }
}

}  // namespace candor::service
