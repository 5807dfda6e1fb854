#include "collectors/state_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace candor::collectors {
namespace {

bool IsKey(absl::string_view key) {
  if (key.empty() || key.size() > 64 || key[0] == '.') return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status Errno(absl::string_view what, const std::filesystem::path& path) {
  const int err = errno;
  return absl::Status(
      err == ENOSPC || err == EIO ? absl::StatusCode::kUnavailable : absl::StatusCode::kInternal,
      absl::StrCat(what, " ", path.string(), ": ", std::strerror(err)));
}

}  // namespace

std::optional<std::string> FileStateStore::Load(absl::string_view key) const {
  if (!IsKey(key)) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  const std::filesystem::path path = dir_ / std::string(key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  std::string value;
  char buffer[8192];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && value.size() < kMaxValueBytes) {
    value.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (n < 0 || value.size() > kMaxValueBytes) return std::nullopt;
  return value;
}

absl::Status FileStateStore::Save(absl::string_view key, absl::string_view value) {
  if (!IsKey(key)) return absl::InvalidArgumentError(absl::StrCat("bad state key \"", key, "\""));
  if (value.size() > kMaxValueBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("state \"", key, "\" larger than ", kMaxValueBytes));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) return Errno("create", dir_);
  const std::filesystem::path path = dir_ / std::string(key);
  const std::filesystem::path tmp = dir_ / absl::StrCat(key, ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Errno("open", tmp);
  absl::string_view rest = value;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status status = Errno("write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return status;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    absl::Status status = Errno("fsync", tmp);
    ::unlink(tmp.c_str());
    return status;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("rename", tmp);
  return absl::OkStatus();
}

}  // namespace candor::collectors
