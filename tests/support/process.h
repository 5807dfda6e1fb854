#pragma once

// Runs the project's real binaries from tests: spawn with arguments (no shell), capture
// stdout and stderr, wait with a bound, stop with a signal. Every wait has a timeout so a
// hung child fails the test instead of hanging the suite.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace candor::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs `argv` to completion (killed after `timeout`).
RunResult Run(const std::vector<std::string>& argv,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A child process running in the background.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv);
  ~Process();  // SIGKILLs the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Reads stdout until a line starting with `prefix` arrives; returns that line.
  std::optional<std::string> WaitForLine(const std::string& prefix,
                                         std::chrono::milliseconds timeout);
  // Sends `signal` and waits for the exit; the exit code, or nullopt on timeout.
  std::optional<int> Stop(int signal, std::chrono::milliseconds timeout);
  // Everything the child wrote to stderr so far (drained on Stop).
  const std::string& err() const { return err_; }
  pid_t pid() const { return pid_; }

 private:
  void Drain(int fd, std::string& into, std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
};

}  // namespace candor::testing
