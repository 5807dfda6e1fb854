#include "agent/policy_watch.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "boost/asio/steady_timer.hpp"

#if defined(__linux__)
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "boost/asio/posix/stream_descriptor.hpp"
#endif

namespace candor::agent {
namespace {

// Editors write a file in several steps; wait for them to settle.
constexpr std::chrono::milliseconds kDebounce{200};

#if defined(__linux__)

class InotifyPolicyWatch final : public PolicyWatch {
 public:
  InotifyPolicyWatch(boost::asio::io_context& io, int fd, std::string name,
                     std::function<void()> on_change)
      : fd_(io, fd), debounce_(io), name_(std::move(name)), on_change_(std::move(on_change)) {
    Read();
  }

 private:
  void Read() {
    fd_.async_read_some(boost::asio::buffer(buffer_),
                        [this](const boost::system::error_code& ec, size_t n) {
                          if (ec) return;
                          if (Mentions(n)) Debounce();
                          Read();
                        });
  }

  bool Mentions(size_t n) const {
    bool hit = false;
    for (size_t offset = 0; offset + sizeof(inotify_event) <= n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer_ + offset);
      if (event->len > 0 && name_ == event->name) hit = true;
      offset += sizeof(inotify_event) + event->len;
    }
    return hit;
  }

  void Debounce() {
    debounce_.expires_after(kDebounce);
    debounce_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) on_change_();
    });
  }

  boost::asio::posix::stream_descriptor fd_;
  boost::asio::steady_timer debounce_;
  const std::string name_;
  std::function<void()> on_change_;
  alignas(inotify_event) char buffer_[4096];
};

#endif

class NoPolicyWatch final : public PolicyWatch {};

}  // namespace

absl::StatusOr<std::unique_ptr<PolicyWatch>> PolicyWatch::Start(boost::asio::io_context& io,
                                                                const std::filesystem::path& file,
                                                                std::function<void()> on_change) {
#if defined(__linux__)
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("inotify: ", std::strerror(errno)));
  const std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  if (::inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
    const int err = errno;
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot watch ", dir.string(), ": ", std::strerror(err)));
  }
  return std::unique_ptr<PolicyWatch>(
      new InotifyPolicyWatch(io, fd, file.filename().string(), std::move(on_change)));
#else
  (void)io;
  (void)file;
  (void)on_change;
  return std::unique_ptr<PolicyWatch>(new NoPolicyWatch());
#endif
}

}  // namespace candor::agent
