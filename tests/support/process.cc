#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

extern char** environ;

namespace candor::testing {
namespace {

using Clock = std::chrono::steady_clock;

pid_t Spawn(const std::vector<std::string>& argv, int* out_fd, int* err_fd) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) throw std::runtime_error("posix_spawn " + argv[0] + " failed");
  *out_fd = out_pipe[0];
  *err_fd = err_pipe[0];
  return pid;
}

// Reads what is available from `fd` into `into` within `budget`; false at end of file.
bool ReadSome(int fd, std::string& into, std::chrono::milliseconds budget) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(budget.count())) <= 0) return true;
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n <= 0) return false;
  into.append(buffer, static_cast<size_t>(n));
  return true;
}

std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

RunResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  int out_fd = -1, err_fd = -1;
  const pid_t pid = Spawn(argv, &out_fd, &err_fd);
  RunResult result;
  const auto deadline = Clock::now() + timeout;
  bool out_open = true, err_open = true;
  while ((out_open || err_open) && Clock::now() < deadline) {
    pollfd fds[2] = {{out_open ? out_fd : -1, POLLIN, 0}, {err_open ? err_fd : -1, POLLIN, 0}};
    if (::poll(fds, 2, 50) <= 0) continue;
    char buffer[4096];
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
      } else {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
      }
    }
  }
  ::close(out_fd);
  ::close(err_fd);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  std::optional<int> code = WaitExit(pid, std::max(left, std::chrono::milliseconds(0)));
  if (!code) {
    ::kill(pid, SIGKILL);
    WaitExit(pid, std::chrono::seconds(5));
    result.timed_out = true;
    return result;
  }
  result.exit_code = *code;
  return result;
}

Process::Process(const std::vector<std::string>& argv) { pid_ = Spawn(argv, &out_fd_, &err_fd_); }

Process::~Process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    WaitExit(pid_, std::chrono::seconds(5));
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

std::optional<std::string> Process::WaitForLine(const std::string& prefix,
                                                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    size_t start = 0;
    for (size_t nl; (nl = out_.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = out_.substr(start, nl - start);
      if (line.rfind(prefix, 0) == 0) return line;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    ReadSome(err_fd_, err_, std::chrono::milliseconds(0));
    if (!ReadSome(out_fd_, out_, std::chrono::milliseconds(50))) {
      Drain(err_fd_, err_, std::chrono::milliseconds(200));
      return std::nullopt;  // the child closed stdout (it exited)
    }
  }
}

void Process::Drain(int fd, std::string& into, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline && ReadSome(fd, into, std::chrono::milliseconds(20))) {
  }
}

std::optional<int> Process::Stop(int signal, std::chrono::milliseconds timeout) {
  ::kill(pid_, signal);
  std::optional<int> code = WaitExit(pid_, timeout);
  if (code) {
    pid_ = -1;
    Drain(err_fd_, err_, std::chrono::milliseconds(500));
  }
  return code;
}

}  // namespace candor::testing
