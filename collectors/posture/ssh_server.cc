#include "collectors/posture/ssh_server.h"

#include <fnmatch.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "collectors/processes.h"

namespace candor::collectors::posture {
namespace {

using Settings = std::map<std::string, std::string>;  // lower-case keyword -> first value

constexpr int kMaxIncludeDepth = 8;

void ReadSshdConfig(const HostView& host, const std::string& path, int depth, Settings& settings,
                    std::vector<std::string>& ports, bool& in_match);

void Include(const HostView& host, const std::string& pattern, int depth, Settings& settings,
             std::vector<std::string>& ports, bool& in_match) {
  const std::string full = pattern.front() == '/' ? pattern : "/etc/ssh/" + pattern;
  const size_t slash = full.rfind('/');
  const std::string dir = full.substr(0, slash);
  const std::string glob = full.substr(slash + 1);
  absl::StatusOr<std::vector<std::string>> names = host.ListDir(dir);
  if (!names.ok()) return;
  for (const std::string& name : *names) {  // sshd includes matches in lexical order
    if (::fnmatch(glob.c_str(), name.c_str(), FNM_PERIOD) == 0) {
      ReadSshdConfig(host, dir + "/" + name, depth + 1, settings, ports, in_match);
    }
  }
}

void ReadSshdConfig(const HostView& host, const std::string& path, int depth, Settings& settings,
                    std::vector<std::string>& ports, bool& in_match) {
  if (depth > kMaxIncludeDepth) return;
  absl::StatusOr<std::string> text = host.ReadFile(path, 1 << 20);
  if (!text.ok()) return;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t="), absl::SkipEmpty());
    if (words.size() < 2) continue;
    const std::string keyword = absl::AsciiStrToLower(words[0]);
    if (keyword == "match") in_match = true;
    if (keyword == "include") {
      for (size_t i = 1; i < words.size(); ++i) {
        Include(host, words[i], depth, settings, ports, in_match);
      }
      continue;
    }
    if (in_match) continue;
    if (keyword == "port") ports.push_back(words[1]);
    settings.emplace(keyword, absl::AsciiStrToLower(words[1]));  // the first value wins
  }
}

// Ports in LISTEN state (st 0A) from /proc/net/tcp and tcp6.
std::set<int> ListeningPorts(const HostView& host) {
  std::set<int> ports;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    absl::StatusOr<std::string> text = host.ReadFile(file, 16 << 20);
    if (!text.ok()) continue;
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (f.size() < 4 || f[3] != "0A") continue;
      const size_t colon = f[1].rfind(':');
      int port = 0;
      if (colon != absl::string_view::npos && absl::SimpleHexAtoi(f[1].substr(colon + 1), &port)) {
        ports.insert(port);
      }
    }
  }
  return ports;
}

}  // namespace

const config::CollectorSpec& SshServer::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "ssh_server",
      .description =
          "Whether an SSH server listens, and whether it accepts root or "
          "password logins.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"SSH server settings", "listening network ports of the SSH server"},
      .params = {{.name = "allow_server",
                  .type = config::ParamType::kBool,
                  .description = "Whether a listening SSH server is acceptable at all.",
                  .default_value = true}},
  };
  return kSpec;
}

CheckResult SshServer::Collect(const HostView& host, const config::Params& params) const {
  CheckResult result;
  Settings settings;
  std::vector<std::string> configured_ports;
  bool in_match = false;
  ReadSshdConfig(host, "/etc/ssh/sshd_config", 0, settings, configured_ports, in_match);
  if (configured_ports.empty()) configured_ports.push_back("22");

  const std::set<int> listening = ListeningPorts(host);
  std::vector<std::string> ports;
  for (const std::string& port : configured_ports) {
    int number = 0;
    if (absl::SimpleAtoi(port, &number) && listening.count(number) != 0) ports.push_back(port);
  }
  const bool running = RunningProcessNames(host).count("sshd") != 0;
  result.facts["listening"] = running || !ports.empty();
  if (!running && ports.empty()) {
    result.status = CheckStatus::kPass;
    result.reason = "no SSH server is listening";
    return result;
  }
  if (ports.empty()) ports = configured_ports;
  result.facts["ports"] = ports;
  const std::string on = absl::StrCat("SSH server on port ", absl::StrJoin(ports, ", "));

  auto value = [&](const std::string& key, const std::string& fallback) {
    auto it = settings.find(key);
    return it == settings.end() ? fallback : it->second;
  };
  const std::string root_login = value("permitrootlogin", "prohibit-password");
  const bool passwords = value("passwordauthentication", "yes") == "yes" ||
                         value("kbdinteractiveauthentication",
                               value("challengeresponseauthentication", "yes")) == "yes";
  result.facts["root_login"] = root_login;
  result.facts["password_login"] = passwords;

  std::vector<std::string> problems;
  if (!std::get<bool>(params.at("allow_server"))) problems.push_back("is not allowed here");
  if (root_login != "no") {
    problems.push_back(absl::StrCat("allows root login (PermitRootLogin ", root_login, ")"));
  }
  if (passwords) problems.push_back("accepts passwords");
  if (problems.empty()) {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat(on, " accepts keys only and refuses root");
  } else {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat(on, " ", absl::StrJoin(problems, " and "));
  }
  return result;
}

}  // namespace candor::collectors::posture
