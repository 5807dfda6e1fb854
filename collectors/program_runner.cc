#include "collectors/program_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace candor::collectors {
namespace {

using Clock = std::chrono::steady_clock;

void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::set<std::string> SystemProgramRunner::DefaultAllowlist() {
  return {"/usr/sbin/nft", "/usr/sbin/iptables-save", "/usr/sbin/ip6tables-save", "/usr/bin/rpm"};
}

absl::StatusOr<ProgramOutput> SystemProgramRunner::Run(const std::string& program,
                                                       const std::vector<std::string>& args) const {
  if (allowlist_.count(program) == 0) {
    return absl::PermissionDeniedError(absl::StrCat(program, " is not on the allowlist"));
  }
  if (::access(program.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(program, " is not installed"));
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    return absl::UnavailableError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char lang_env[] = "LC_ALL=C";
  char* envp[] = {path_env, lang_env, nullptr};
  // The agent blocks its stop signals outside its main thread; the program starts with
  // none blocked, so it can be stopped like any other.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    return absl::UnavailableError(absl::StrCat("cannot run ", program, ": ", std::strerror(rc)));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    children_[::gettid()] = Child{pid};
  }

  ProgramOutput result;
  const auto deadline = Clock::now() + timeout_;
  absl::Status failure = absl::OkStatus();
  char buffer[16384];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      failure = absl::DeadlineExceededError(
          absl::StrCat(program, " took longer than ", timeout_.count(), " ms"));
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno != EINTR) {
      failure = absl::UnavailableError(absl::StrCat("poll: ", std::strerror(errno)));
      break;
    }
    if (ready <= 0) continue;
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of output
    if (result.out.size() + static_cast<size_t>(n) > max_output_) {
      failure = absl::ResourceExhaustedError(
          absl::StrCat(program, " printed more than ", max_output_, " bytes"));
      break;
    }
    result.out.append(buffer, static_cast<size_t>(n));
  }
  ::close(out[0]);
  const bool killed = Forget();
  if (killed) failure = absl::AbortedError(absl::StrCat(program, " was stopped by the agent"));
  if (!failure.ok()) {
    KillAndReap(pid);
    return failure;
  }
  // The output ended; the program should be exiting. Bound the wait all the same.
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (Clock::now() >= deadline) {
      KillAndReap(pid);
      return absl::DeadlineExceededError(
          absl::StrCat(program, " took longer than ", timeout_.count(), " ms"));
    }
    ::usleep(1000);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

bool SystemProgramRunner::Forget() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = children_.find(::gettid());
  if (it == children_.end()) return false;
  const bool killed = it->second.killed;
  children_.erase(it);
  return killed;
}

int SystemProgramRunner::KillProgramsOfThread(int64_t thread_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = children_.find(thread_id);
  if (it == children_.end() || it->second.killed) return 0;
  // Not reaped yet (Forget comes first), so the pid is still this child's.
  ::kill(it->second.pid, SIGKILL);
  it->second.killed = true;
  return 1;
}

absl::StatusOr<ProgramOutput> RecordedProgramRunner::Run(
    const std::string& program, const std::vector<std::string>& args) const {
  const std::filesystem::path relative = std::filesystem::path(program).relative_path();
  std::error_code ec;
  if (!std::filesystem::exists(root_ / relative, ec)) {
    return absl::NotFoundError(absl::StrCat(program, " is not installed"));
  }
  std::string name = std::filesystem::path(program).filename().string();
  for (const std::string& arg : args) absl::StrAppend(&name, "_", arg);
  for (char& c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  }
  std::ifstream in(root_ / ".candor-programs" / (name + ".out"), std::ios::binary);
  if (!in) {
    return absl::UnavailableError(absl::StrCat(
        "programs are not run on a host tree, and no output of ", program, " is recorded in it"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  ProgramOutput result;
  result.out = buffer.str();
  if (absl::StartsWith(result.out, "exit: ")) {
    const size_t nl = result.out.find('\n');
    (void)absl::SimpleAtoi(result.out.substr(6, nl - 6), &result.exit_code);
    result.out.erase(0, nl == std::string::npos ? result.out.size() : nl + 1);
  }
  return result;
}

}  // namespace candor::collectors
