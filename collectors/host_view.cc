#include "collectors/host_view.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace candor::collectors {
namespace {

absl::Status ErrnoStatus(int err, absl::string_view what) {
  const std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace

HostView::HostView(std::filesystem::path root, Options options)
    : root_(std::move(root)),
      live_(std::filesystem::path(root_).lexically_normal() == "/"),
      runner_(std::move(options.runner)),
      now_(std::move(options.now)),
      state_(std::move(options.state)) {
  if (runner_ == nullptr) {
    if (live_) {
      runner_ = std::make_shared<SystemProgramRunner>(SystemProgramRunner::DefaultAllowlist(),
                                                      std::chrono::seconds(10), 4 << 20);
    } else {
      runner_ = std::make_shared<RecordedProgramRunner>(root_);
    }
  }
  if (!now_) now_ = [] { return std::chrono::system_clock::now(); };
}

std::filesystem::path HostView::OnDisk(absl::string_view host_path) const {
  std::filesystem::path relative{std::string(host_path)};
  return root_ / relative.relative_path();
}

absl::StatusOr<std::string> HostView::ReadPrefix(absl::string_view host_path,
                                                 size_t max_bytes) const {
  const std::filesystem::path path = OnDisk(host_path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return ErrnoStatus(errno, host_path);
  std::string content(max_bytes, '\0');
  size_t got = 0;
  absl::Status status = absl::OkStatus();
  while (got < max_bytes) {
    const ssize_t n = ::read(fd, content.data() + got, max_bytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = ErrnoStatus(errno, host_path);
      break;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (!status.ok()) return status;
  content.resize(got);
  return content;
}

absl::Status HostView::ReadChunks(absl::string_view host_path, size_t chunk_bytes,
                                  uint64_t max_bytes,
                                  const std::function<bool(absl::string_view)>& sink) const {
  const std::filesystem::path path = OnDisk(host_path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return ErrnoStatus(errno, host_path);
  std::string buffer(chunk_bytes, '\0');
  uint64_t total = 0;
  absl::Status status = absl::OkStatus();
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoStatus(errno, host_path);
      break;
    }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > max_bytes) {
      status = absl::ResourceExhaustedError(
          absl::StrCat(host_path, ": larger than ", max_bytes, " bytes"));
      break;
    }
    if (!sink(absl::string_view(buffer.data(), static_cast<size_t>(n)))) break;
  }
  ::close(fd);
  return status;
}

absl::StatusOr<HostView::TimePoint> HostView::ModifiedTime(absl::string_view host_path) const {
  struct stat st;
  if (::stat(OnDisk(host_path).c_str(), &st) != 0) return ErrnoStatus(errno, host_path);
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

absl::StatusOr<HostView::FileInfo> HostView::Stat(absl::string_view host_path) const {
  struct stat st;
  if (::lstat(OnDisk(host_path).c_str(), &st) != 0) return ErrnoStatus(errno, host_path);
  return FileInfo{.mode = static_cast<uint32_t>(st.st_mode),
                  .uid = static_cast<int64_t>(st.st_uid),
                  .gid = static_cast<int64_t>(st.st_gid),
                  .is_directory = S_ISDIR(st.st_mode),
                  .is_symlink = S_ISLNK(st.st_mode)};
}

absl::StatusOr<std::string> HostView::ReadXattr(absl::string_view host_path,
                                                const std::string& name) const {
  const std::filesystem::path path = OnDisk(host_path);
  std::string value(4096, '\0');
  const ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
  if (n < 0) {
    if (errno == ENODATA || errno == ENOTSUP) {
      return absl::NotFoundError(absl::StrCat(host_path, ": no attribute ", name));
    }
    return ErrnoStatus(errno, host_path);
  }
  value.resize(static_cast<size_t>(n));
  return value;
}

absl::StatusOr<std::string> HostView::ReadFile(absl::string_view host_path,
                                               size_t max_bytes) const {
  const std::filesystem::path path = OnDisk(host_path);
  // O_NONBLOCK: a FIFO planted in a host tree must not hang the collector.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return ErrnoStatus(errno, host_path);
  std::string content;
  char buffer[8192];
  absl::Status status = absl::OkStatus();
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoStatus(errno, host_path);
      break;
    }
    if (n == 0) break;
    if (content.size() + static_cast<size_t>(n) > max_bytes) {
      status = absl::ResourceExhaustedError(
          absl::StrCat(host_path, ": larger than ", max_bytes, " bytes"));
      break;
    }
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!status.ok()) return status;
  return content;
}

absl::StatusOr<std::string> HostView::ReadLine(absl::string_view host_path) const {
  absl::StatusOr<std::string> content = ReadFile(host_path, 4096);
  if (!content.ok()) return content.status();
  const size_t end = content->find('\n');
  if (end != std::string::npos) content->resize(end);
  return content;
}

bool HostView::Exists(absl::string_view host_path) const {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(OnDisk(host_path), ec));
}

absl::StatusOr<std::vector<std::string>> HostView::ListDir(absl::string_view host_path,
                                                           size_t max_entries) const {
  std::error_code ec;
  std::filesystem::directory_iterator it(OnDisk(host_path), ec);
  if (ec) {
    return ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory
               ? absl::NotFoundError(absl::StrCat(host_path, ": ", ec.message()))
               : absl::UnavailableError(absl::StrCat(host_path, ": ", ec.message()));
  }
  std::vector<std::string> names;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return absl::UnavailableError(absl::StrCat(host_path, ": ", ec.message()));
    if (names.size() >= max_entries) {
      return absl::ResourceExhaustedError(
          absl::StrCat(host_path, ": more than ", max_entries, " entries"));
    }
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<std::string> HostView::Resolve(absl::string_view host_path) const {
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::canonical(OnDisk(host_path), ec);
  if (ec) return absl::NotFoundError(absl::StrCat(host_path, ": ", ec.message()));
  if (live_) return real.string();
  const std::filesystem::path root = std::filesystem::canonical(root_, ec);
  if (ec) return absl::NotFoundError(absl::StrCat(root_.string(), ": ", ec.message()));
  const std::filesystem::path relative = real.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") {
    return absl::FailedPreconditionError(
        absl::StrCat(host_path, " resolves outside the host tree"));
  }
  // Appended rather than `"/" + ...`: GCC 12 at -O3 warns falsely about that (-Wrestrict).
  std::string host_path_out = "/";
  if (relative != ".") host_path_out += relative.string();
  return host_path_out;
}

absl::StatusOr<std::string> HostView::ReadLink(absl::string_view host_path) const {
  std::error_code ec;
  const std::filesystem::path target = std::filesystem::read_symlink(OnDisk(host_path), ec);
  if (!ec) return target.string();
  if (ec == std::errc::no_such_file_or_directory) {
    return absl::NotFoundError(absl::StrCat(host_path, ": ", ec.message()));
  }
  return absl::InvalidArgumentError(absl::StrCat(host_path, ": ", ec.message()));
}

absl::StatusOr<std::string> HostView::MachineArchitecture() const {
  absl::StatusOr<std::string> arch = ReadLine("/proc/sys/kernel/arch");
  if (arch.ok() || !live_ || !absl::IsNotFound(arch.status())) return arch;
  struct utsname names;
  if (::uname(&names) != 0) return ErrnoStatus(errno, "uname");
  return std::string(names.machine);
}

}  // namespace candor::collectors
