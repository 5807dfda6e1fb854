#pragma once

// WalCheckpointer: copies a SQLite database's write-ahead log back into the database on a
// thread of its own (with its own connection), so that the writing connection's commits
// do not pay for it. SQLite's default is to checkpoint inside the commit that takes the
// WAL past 1,000 pages; on a server storing tens of thousands of events a second that is
// about a tenth of the writer thread's time.
//
// The WAL can only start over from its beginning once every frame in it has been copied,
// and a checkpoint running beside a busy writer is always a little behind it. So the
// writer still checkpoints itself, but only when the WAL has grown to `catch_up_pages`,
// and then there is little left to copy: the background thread did most of it. That
// catch-up waits for a background checkpoint in progress, so the WAL never grows much past
// `catch_up_pages` (plus one transaction), however slow the disk.
// Internal to service/storage.

#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"

namespace candor::service {

class WalCheckpointer {
 public:
  struct Options {
    int background_pages = 1000;  // SQLite's own default threshold
    int catch_up_pages = 8000;    // about 32 MiB of WAL with 4 KiB pages
  };

  // Replaces `writer`'s automatic checkpoint (its WAL hook) until this object is
  // destroyed. `writer` must be in WAL mode and outlive this object.
  static absl::StatusOr<std::unique_ptr<WalCheckpointer>> Start(const std::filesystem::path& path,
                                                                sqlite3* writer,
                                                                const Options& options);
  ~WalCheckpointer();

  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Background checkpoints and the writer's catch-ups run so far (for tests).
  int background_runs() const;
  int catch_ups() const;

 private:
  WalCheckpointer(sqlite3* own, sqlite3* writer, const Options& options);
  // The WAL hook: runs on the writer's thread after each commit.
  static int OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void CatchUp(sqlite3* db, const char* schema);
  void Loop();

  sqlite3* const own_;  // this thread's connection
  sqlite3* const writer_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;  // a background checkpoint finished
  bool wanted_ = false;
  bool running_ = false;  // a background checkpoint is copying
  bool stopping_ = false;
  int background_runs_ = 0;
  int catch_ups_ = 0;
  bool failing_ = false;  // the last background checkpoint failed (logged once)
  std::thread thread_;
};

}  // namespace candor::service
