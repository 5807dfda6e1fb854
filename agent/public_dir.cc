#include "agent/public_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"

namespace candor::agent {
namespace {

absl::Status Refuse(const std::filesystem::path& path, absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(path.string(), " ", why));
}

// Creates `dir` (0755) when missing; refuses anything but our own real directory.
absl::Status MakeReadableDir(const std::filesystem::path& dir) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return Refuse(dir, std::strerror(errno));
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return Refuse(dir, absl::StrCat("cannot be created: ", std::strerror(errno)));
    }
    if (::lstat(dir.c_str(), &st) != 0) return Refuse(dir, std::strerror(errno));
  }
  if (S_ISLNK(st.st_mode)) return Refuse(dir, "is a symbolic link; refusing to use it");
  if (!S_ISDIR(st.st_mode)) return Refuse(dir, "is not a directory");
  if (st.st_uid != ::geteuid()) return Refuse(dir, "is owned by another user; refusing to use it");
  // The umask may have narrowed mkdir's mode; group and others must read, never write.
  if ((st.st_mode & 07777) != 0755 && ::chmod(dir.c_str(), 0755) != 0) {
    return Refuse(dir, absl::StrCat("cannot be made readable: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

std::filesystem::path PublicDir(const std::filesystem::path& state_dir) {
  return state_dir / "public";
}

absl::Status PreparePublicDir(const std::filesystem::path& state_dir) {
  struct stat st;
  if (::stat(state_dir.c_str(), &st) != 0) return Refuse(state_dir, std::strerror(errno));
  // Enter, not list: add search permission only.
  const mode_t wanted = (st.st_mode & 07777) | S_IXGRP | S_IXOTH;
  if ((st.st_mode & 07777) != wanted && ::chmod(state_dir.c_str(), wanted) != 0) {
    return Refuse(state_dir, absl::StrCat("cannot be made enterable: ", std::strerror(errno)));
  }
  if (absl::Status s = MakeReadableDir(PublicDir(state_dir)); !s.ok()) return s;
  return MakeReadableDir(PublicDir(state_dir) / "ledger");
}

absl::Status WritePublicFile(const std::filesystem::path& state_dir, const std::string& name,
                             absl::string_view content) {
  return config::WriteFileAtomically(PublicDir(state_dir), name, content, 0644);
}

}  // namespace candor::agent
