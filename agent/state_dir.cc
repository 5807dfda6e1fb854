#include "agent/state_dir.h"

#include "absl/strings/str_cat.h"

#ifdef _WIN32
#include <string>

#include "agent/windows/secure_dir_win32.h"
#include "agent/windows/service_logic.h"
#else
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"
#endif

namespace candor::agent {

#ifdef _WIN32

absl::Status PrepareStateDir(const std::filesystem::path& dir) {
  const std::u8string utf8 = dir.u8string();
  std::string error;
  if (!windows::SecureDirectory(std::string(utf8.begin(), utf8.end()), windows::kStateDirSddl,
                                &error)) {
    return absl::FailedPreconditionError(absl::StrCat("state_dir ", error));
  }
  return absl::OkStatus();
}

#else

absl::Status PrepareStateDir(const std::filesystem::path& dir) {
  const std::string name = dir.string();
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return absl::FailedPreconditionError(
          absl::StrCat("state_dir ", name, ": ", std::strerror(errno)));
    }
    std::error_code ec;
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(
          absl::StrCat("state_dir ", name, ": cannot create: ", std::strerror(errno)));
    }
    if (::lstat(dir.c_str(), &st) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("state_dir ", name, ": ", std::strerror(errno)));
    }
  }
  if (S_ISLNK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("state_dir ", name, " is a symbolic link; refusing to use it"));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat("state_dir ", name, " is not a directory"));
  }
  if (st.st_uid != ::geteuid()) {
    return absl::FailedPreconditionError(absl::StrCat("state_dir ", name, " is owned by uid ",
                                                      st.st_uid, ", not by this agent (uid ",
                                                      ::geteuid(), "); refusing to use it"));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("state_dir ", name, " is writable by other users (mode ",
                     absl::StrFormat("%04o", st.st_mode & 07777), "); run chmod 700 on it"));
  }
  return absl::OkStatus();
}

#endif

}  // namespace candor::agent
