#pragma once

// Running a program for a collector, for the few facts only a program can tell (the
// kernel's firewall ruleset). Programs come from a short allowlist of absolute paths; the
// arguments are a list (no shell), stdin is /dev/null, the environment is minimal, output is
// bounded and a run that takes too long is killed.
//
// On a host tree (tests, --host-root) nothing is run: RecordedProgramRunner answers from
// outputs recorded in the tree, and says so when there is none.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace candor::collectors {

struct ProgramOutput {
  int exit_code = 0;
  std::string out;  // standard output; standard error is discarded
};

// Thread-safe: Run() may be called from several collectors at once, and
// KillProgramsOfThread() from any thread.
class ProgramRunner {
 public:
  virtual ~ProgramRunner() = default;
  // kNotFound: the program is not installed. kPermissionDenied: not on the allowlist.
  // kDeadlineExceeded: killed after the timeout. kResourceExhausted: killed for printing
  // more than the limit. kAborted: killed by KillProgramsOfThread. kUnavailable: it could not be
  // run (or, on a host tree, no output was recorded for this command).
  virtual absl::StatusOr<ProgramOutput> Run(const std::string& program,
                                            const std::vector<std::string>& args) const = 0;

  // Kills the program that the thread `thread_id` (its kernel thread id, gettid) is running
  // now, if any, and returns how many it killed. That Run() then returns kAborted at once.
  // The agent's watchdog uses it when it stops a check running on that thread.
  virtual int KillProgramsOfThread(int64_t /*thread_id*/) const { return 0; }
};

class SystemProgramRunner final : public ProgramRunner {
 public:
  // The programs collectors may run on the live system.
  static std::set<std::string> DefaultAllowlist();

  SystemProgramRunner(std::set<std::string> allowlist, std::chrono::milliseconds timeout,
                      size_t max_output)
      : allowlist_(std::move(allowlist)), timeout_(timeout), max_output_(max_output) {}

  absl::StatusOr<ProgramOutput> Run(const std::string& program,
                                    const std::vector<std::string>& args) const override;
  int KillProgramsOfThread(int64_t thread_id) const override;
  // How many programs are running now (each registered once its spawn returned).
  size_t running() const {
    std::lock_guard<std::mutex> lock(mu_);
    return children_.size();
  }

 private:
  struct Child {
    int pid;
    bool killed = false;
  };
  // Forgets the calling thread's child before it is reaped (so a kill never reaches a
  // reused pid) and says whether it was killed through KillProgramsOfThread.
  bool Forget() const;

  const std::set<std::string> allowlist_;
  const std::chrono::milliseconds timeout_;
  const size_t max_output_;
  mutable std::mutex mu_;
  mutable std::map<int64_t, Child> children_;  // by the kernel id of the thread running it
};

// Answers from ROOT/.candor-programs/NAME.out, where NAME is the program's base name and
// its arguments joined by '_' (other characters than letters, digits, '.' and '-' become
// '_'); a first line "exit: N" sets the exit code. The program itself must exist in the
// tree, else kNotFound, as on a system where it is not installed.
class RecordedProgramRunner final : public ProgramRunner {
 public:
  explicit RecordedProgramRunner(std::filesystem::path root) : root_(std::move(root)) {}
  absl::StatusOr<ProgramOutput> Run(const std::string& program,
                                    const std::vector<std::string>& args) const override;

 private:
  const std::filesystem::path root_;
};

}  // namespace candor::collectors
