#include "service/storage/pg_listener.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "service/log.h"

namespace candor::service {

absl::Status ListenForChanges(pg::Connection& conn) {
  // Named, so an operator (or a test) can find this connection in pg_stat_activity.
  return conn.ExecScript("listen",
                         "SET application_name = 'candor-listener'; "
                         "LISTEN candor_policy; LISTEN candor_revoke");
}

absl::StatusOr<std::unique_ptr<PgListener>> PgListener::Start(const std::string& uri,
                                                              std::string instance_id,
                                                              StorageChanges& changes) {
  absl::StatusOr<std::unique_ptr<pg::Connection>> conn = pg::Connection::Open(uri);
  if (!conn.ok()) return conn.status();
  if (absl::Status s = ListenForChanges(**conn); !s.ok()) return s;
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
  std::unique_ptr<PgListener> listener(
      new PgListener(uri, std::move(instance_id), changes, wake_fd));
  listener->conn_ = std::move(*conn);
  listener->thread_ = std::thread([l = listener.get()] { l->Run(); });
  return listener;
}

PgListener::PgListener(std::string uri, std::string instance_id, StorageChanges& changes,
                       int wake_fd)
    : uri_(std::move(uri)),
      instance_id_(std::move(instance_id)),
      changes_(changes),
      wake_fd_(wake_fd) {}

PgListener::~PgListener() {
  stopping_ = true;
  const uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof one) < 0) Log("listener: cannot wake its thread");
  if (thread_.joinable()) thread_.join();
  close(wake_fd_);
}

bool PgListener::Wait(int milliseconds) {
  pollfd fds[2] = {{.fd = wake_fd_, .events = POLLIN, .revents = 0},
                   {.fd = conn_ ? PQsocket(conn_->get()) : -1, .events = POLLIN, .revents = 0}};
  const int n = poll(fds, conn_ ? 2 : 1, milliseconds);
  (void)n;
  return !stopping_;
}

void PgListener::Run() {
  while (!stopping_) {
    if (conn_ == nullptr || conn_->broken()) {
      conn_.reset();
      if (!Wait(1000)) return;
      absl::StatusOr<std::unique_ptr<pg::Connection>> conn = pg::Connection::Open(uri_);
      if (!conn.ok()) continue;  // logged once when it was lost
      if (!ListenForChanges(**conn).ok()) continue;
      conn_ = std::move(*conn);
      Log("listener: connected again to PostgreSQL; dropping cached policies");
      changes_.ChangesMissed();
      continue;
    }
    if (!Wait(-1)) return;
    if (PQconsumeInput(conn_->get()) == 0) {
      Log(absl::StrCat("listener: lost its PostgreSQL connection (",
                       absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn_->get())),
                       "); reconnecting"));
      conn_.reset();
      continue;
    }
    Dispatch();
  }
}

void PgListener::Dispatch() {
  while (PGnotify* notify = PQnotifies(conn_->get())) {
    const absl::string_view channel = notify->relname;
    const absl::string_view payload = notify->extra;
    const size_t space = payload.find(' ');
    if (space != absl::string_view::npos && payload.substr(0, space) != instance_id_) {
      const std::string subject(payload.substr(space + 1));
      if (channel == "candor_policy") changes_.PolicyPushed(subject);
      if (channel == "candor_revoke") changes_.DeviceRevoked(subject);
    }
    PQfreemem(notify);
  }
}

}  // namespace candor::service
