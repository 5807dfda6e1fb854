#pragma once

// PgListener: a thread with a connection of its own that LISTENs for what other servers on
// the same PostgreSQL database announce (NOTIFY candor_policy / candor_revoke, sent by
// PostgresStore in the writing transaction, so only committed changes arrive) and tells a
// StorageChanges. A lost connection is reopened every second until it is back; changes
// announced meanwhile are lost, so it then calls ChangesMissed. The destructor stops the
// thread.

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "service/storage/pg_connection.h"
#include "service/storage/storage.h"

namespace candor::service {

class PgListener final : public ChangeWatch {
 public:
  // Connects and listens before returning, so that nothing committed after it returns is
  // missed. `instance_id` marks this server's own announcements, which are skipped.
  static absl::StatusOr<std::unique_ptr<PgListener>> Start(const std::string& uri,
                                                           std::string instance_id,
                                                           StorageChanges& changes);
  ~PgListener() override;
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  PgListener(std::string uri, std::string instance_id, StorageChanges& changes, int wake_fd);
  void Run();
  // Waits until the connection has input or Stop; false when stopping.
  bool Wait(int milliseconds);
  void Dispatch();

  const std::string uri_;
  const std::string instance_id_;
  StorageChanges& changes_;
  const int wake_fd_;  // an eventfd the destructor writes to
  std::unique_ptr<pg::Connection> conn_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Subscribes `conn` to the channels PgListener reads.
absl::Status ListenForChanges(pg::Connection& conn);

}  // namespace candor::service
