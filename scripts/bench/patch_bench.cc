// The patch_level collector against `apt list --upgradable` on this machine (issue 6):
// both run 10 times, side by side, medians compared, and the answers compared exactly
// (every upgradable package and its candidate version).
//
// Usage: bench_patch

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "collectors/patch/apt_state.h"
#include "collectors/patch/patch_level.h"

extern char** environ;

namespace {

using Steady = std::chrono::steady_clock;

// Runs apt list --upgradable; its standard output.
std::string AptList() {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) std::exit(1);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  char arg0[] = "apt", arg1[] = "list", arg2[] = "--upgradable";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  pid_t pid;
  if (posix_spawn(&pid, "/usr/bin/apt", &actions, nullptr, argv, environ) != 0) std::exit(1);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  std::string out;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0)
    out.append(buffer, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  namespace cc = candor::collectors;
  const cc::HostView host("/");
  const cc::PatchLevel collector;
  const candor::config::Params params = {{"max_security_age_days", int64_t{14}},
                                         {"max_metadata_age_days", int64_t{7}},
                                         {"name_packages", true}};
  std::vector<double> ours, apt;
  std::string apt_out;
  for (int i = 0; i < 10; ++i) {
    auto start = Steady::now();
    const cc::CheckResult result = collector.Collect(host, params);
    ours.push_back(std::chrono::duration<double, std::milli>(Steady::now() - start).count());
    start = Steady::now();
    apt_out = AptList();
    apt.push_back(std::chrono::duration<double, std::milli>(Steady::now() - start).count());
    if (i == 0) std::printf("patch_level: %s\n", result.reason.c_str());
  }

  // The same answer: every upgradable package, with its candidate version.
  absl::StatusOr<cc::AptState> state = cc::LoadAptState(host);
  if (!state.ok()) return 1;
  std::set<std::string> ours_set, apt_set;
  for (const cc::AptUpgrade& u : cc::PendingUpgrades(*state))
    ours_set.insert(u.name + " " + u.candidate);
  std::istringstream lines(apt_out);
  for (std::string line; std::getline(lines, line);) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos || line.find("[upgradable from:") == std::string::npos) continue;
    std::istringstream words(line.substr(slash + 1));
    std::string suites, version;
    words >> suites >> version;
    apt_set.insert(line.substr(0, slash) + " " + version);
  }
  std::printf("patch_level collector: %.1f ms (median of 10)\n", Median(ours));
  std::printf("apt list --upgradable: %.1f ms (median of 10)\n", Median(apt));
  std::printf("ratio: %.1fx faster; same answer: %s (%zu upgradable packages)\n",
              Median(apt) / Median(ours), ours_set == apt_set ? "yes" : "NO", apt_set.size());
  return ours_set == apt_set ? 0 : 1;
}
