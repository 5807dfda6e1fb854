#include "config/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace candor::config {
namespace {

absl::Status IoError(absl::string_view what, const std::filesystem::path& path) {
  const int err = errno;
  const std::string message = absl::StrCat(what, " ", path.string(), ": ", std::strerror(err));
  return err == ENOSPC || err == EIO || err == EDQUOT ? absl::UnavailableError(message)
                                                      : absl::InternalError(message);
}

}  // namespace

absl::Status WriteFileAtomically(const std::filesystem::path& dir, const std::string& name,
                                 absl::string_view content, unsigned mode) {
  const std::filesystem::path tmp = dir / (name + ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return IoError("open", tmp);
  // Set after open so the umask cannot narrow it (or a stale temporary file keep another).
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    absl::Status status = IoError("chmod", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return status;
  }
  absl::string_view rest = content;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status status = IoError("write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return status;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) {
    absl::Status status = IoError("fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return status;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), (dir / name).c_str()) != 0) return IoError("rename", tmp);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return IoError("open", dir);
  const bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  return synced ? absl::OkStatus() : IoError("fsync", dir);
}

}  // namespace candor::config
