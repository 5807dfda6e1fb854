#include "agent/spool_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"

namespace candor::agent {
namespace {

absl::Status IoError(absl::string_view what, const std::filesystem::path& path, int err) {
  const std::string message = absl::StrCat(what, " ", path.string(), ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  // A full disk or an I/O error may pass; the caller retries later.
  return err == ENOSPC || err == EIO || err == EDQUOT ? absl::UnavailableError(message)
                                                      : absl::InternalError(message);
}

}  // namespace

PosixSpoolFiles::~PosixSpoolFiles() {
  for (const auto& [name, fd] : open_) ::close(fd);
}

absl::StatusOr<std::vector<std::string>> PosixSpoolFiles::List() {
  DIR* dir = ::opendir(dir_.c_str());
  if (dir == nullptr) return IoError("list", dir_, errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_type == DT_REG) names.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  return names;
}

absl::StatusOr<std::string> PosixSpoolFiles::Read(const std::string& name, uint64_t offset,
                                                  size_t max_bytes) {
  const std::filesystem::path path = dir_ / name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return IoError("open", path, errno);
  std::string data(max_bytes, '\0');
  size_t got = 0;
  while (got < max_bytes) {
    const ssize_t n =
        ::pread(fd, data.data() + got, max_bytes - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return IoError("read", path, err);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(got);
  return data;
}

absl::StatusOr<uint64_t> PosixSpoolFiles::Size(const std::string& name) {
  const std::filesystem::path path = dir_ / name;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return IoError("stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path.string(), " is not a regular file"));
  }
  return static_cast<uint64_t>(st.st_size);
}

absl::StatusOr<int> PosixSpoolFiles::Writable(const std::string& name) {
  if (auto it = open_.find(name); it != open_.end()) return it->second;
  const std::filesystem::path path = dir_ / name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return IoError("open", path, errno);
  // Only the newest segment is written to; close the others.
  for (const auto& [other, other_fd] : open_) ::close(other_fd);
  open_.clear();
  open_[name] = fd;
  return fd;
}

void PosixSpoolFiles::Close(const std::string& name) {
  if (auto it = open_.find(name); it != open_.end()) {
    ::close(it->second);
    open_.erase(it);
  }
}

absl::Status PosixSpoolFiles::Append(const std::string& name, absl::string_view data) {
  absl::StatusOr<int> fd = Writable(name);
  if (!fd.ok()) return fd.status();
  while (!data.empty()) {
    const ssize_t n = ::write(*fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("append to", dir_ / name, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status PosixSpoolFiles::Truncate(const std::string& name, uint64_t size) {
  const std::filesystem::path path = dir_ / name;
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
    return IoError("truncate", path, errno);
  }
  return absl::OkStatus();
}

absl::Status PosixSpoolFiles::Sync(const std::string& name) {
  const std::filesystem::path path = dir_ / name;
  if (auto it = open_.find(name); it != open_.end()) {
    return ::fdatasync(it->second) == 0 ? absl::OkStatus() : IoError("fsync", path, errno);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return IoError("open", path, errno);
  const bool synced = ::fdatasync(fd) == 0;
  const int err = errno;
  ::close(fd);
  return synced ? absl::OkStatus() : IoError("fsync", path, err);
}

absl::Status PosixSpoolFiles::SyncDir() {
  const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open", dir_, errno);
  const bool synced = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  return synced ? absl::OkStatus() : IoError("fsync", dir_, err);
}

absl::Status PosixSpoolFiles::Replace(const std::string& name, absl::string_view data) {
  Close(name);
  return config::WriteFileAtomically(dir_, name, data);
}

absl::Status PosixSpoolFiles::Remove(const std::string& name) {
  Close(name);
  const std::filesystem::path path = dir_ / name;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("remove", path, errno);
  return absl::OkStatus();
}

}  // namespace candor::agent
