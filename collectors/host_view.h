#pragma once

// HostView: the only way collectors read the host. Every path is taken relative to a root
// prefix, so tests (and `--host-root`) can point collectors at a fixture tree instead of
// the live system. Reads are bounded in size. It also runs the few allowlisted programs
// collectors need (see program_runner.h) and tells the host's current time, so that both
// can be fixed in tests.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "collectors/program_runner.h"
#include "collectors/state_store.h"

namespace candor::collectors {

// Immutable after construction, so safe to share between threads.
class HostView {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  struct Options {
    // Default: SystemProgramRunner with its allowlist on the live system, a
    // RecordedProgramRunner on a tree.
    std::shared_ptr<const ProgramRunner> runner;
    // Default: the system clock.
    std::function<TimePoint()> now;
    // What collectors remember between runs; none by default (nothing is written).
    std::shared_ptr<StateStore> state;
  };

  // `root` is "/" for the live system or a directory holding a host tree.
  explicit HostView(std::filesystem::path root) : HostView(std::move(root), Options{}) {}
  HostView(std::filesystem::path root, Options options);

  const std::filesystem::path& root() const { return root_; }
  bool is_live() const { return live_; }

  // Reads the host file at `host_path` (an absolute path on the host, e.g.
  // "/etc/os-release"). kNotFound when it does not exist, kResourceExhausted when it is
  // larger than `max_bytes`, kPermissionDenied / kUnavailable for other failures.
  absl::StatusOr<std::string> ReadFile(absl::string_view host_path,
                                       size_t max_bytes = 1 << 20) const;

  // At most the first `max_bytes` of a file of any size (a database's header).
  absl::StatusOr<std::string> ReadPrefix(absl::string_view host_path, size_t max_bytes) const;

  // Streams a file of up to `max_bytes` to `sink` in pieces of at most `chunk_bytes`, for
  // files too large to hold at once (apt's package lists). Stops early, OK, when `sink`
  // returns false; kResourceExhausted past `max_bytes`.
  absl::Status ReadChunks(absl::string_view host_path, size_t chunk_bytes, uint64_t max_bytes,
                          const std::function<bool(absl::string_view)>& sink) const;

  // When the file was last modified.
  absl::StatusOr<TimePoint> ModifiedTime(absl::string_view host_path) const;

  // Owner, group and permission bits (without following a final symbolic link).
  struct FileInfo {
    uint32_t mode = 0;  // st_mode: type and permission bits
    int64_t uid = -1;
    int64_t gid = -1;
    bool is_directory = false;
    bool is_symlink = false;
  };
  absl::StatusOr<FileInfo> Stat(absl::string_view host_path) const;

  // An extended attribute (e.g. "system.posix_acl_access"); kNotFound when the file has
  // none of that name.
  absl::StatusOr<std::string> ReadXattr(absl::string_view host_path, const std::string& name) const;

  // The first line of a small file such as /proc/sys/kernel/osrelease, without the newline.
  absl::StatusOr<std::string> ReadLine(absl::string_view host_path) const;

  // Whether the host path exists (as a file, directory or anything else).
  bool Exists(absl::string_view host_path) const;

  // The names in a host directory, sorted, at most `max_entries` (kResourceExhausted past
  // that). kNotFound when it does not exist.
  absl::StatusOr<std::vector<std::string>> ListDir(absl::string_view host_path,
                                                   size_t max_entries = 65536) const;

  // The host path that `host_path` resolves to, following symbolic links, as a path on the
  // host (for a tree, without the root prefix). kFailedPrecondition when it resolves to
  // somewhere outside the tree.
  absl::StatusOr<std::string> Resolve(absl::string_view host_path) const;

  // The target of a symbolic link, as written in the link. kInvalidArgument when the path
  // is not a symbolic link.
  absl::StatusOr<std::string> ReadLink(absl::string_view host_path) const;

  // Runs an allowlisted program (see ProgramRunner::Run for the errors).
  absl::StatusOr<ProgramOutput> RunProgram(const std::string& program,
                                           const std::vector<std::string>& args) const {
    return runner_->Run(program, args);
  }
  // See ProgramRunner::KillProgramsOfThread.
  int KillProgramsOfThread(int64_t thread_id) const {
    return runner_->KillProgramsOfThread(thread_id);
  }

  TimePoint Now() const { return now_(); }

  // The collectors' memory between runs, or null when there is none (`check`).
  StateStore* state() const { return state_.get(); }

  // The machine architecture (uname -m): /proc/sys/kernel/arch where the kernel has it,
  // else uname(2) when this view is the live system.
  absl::StatusOr<std::string> MachineArchitecture() const;

 private:
  std::filesystem::path OnDisk(absl::string_view host_path) const;

  std::filesystem::path root_;
  bool live_;
  std::shared_ptr<const ProgramRunner> runner_;
  std::function<TimePoint()> now_;
  std::shared_ptr<StateStore> state_;
};

}  // namespace candor::collectors
