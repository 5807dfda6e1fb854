#include "collectors/state_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"

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
  return config::WriteFileAtomically(dir_, std::string(key), value);
}

}  // namespace candor::collectors
