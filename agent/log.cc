#include "agent/log.h"

#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"

namespace candor::agent {

void Log(absl::string_view line) {
  std::string out = "candor-agent: ";
  out.append(line.data(), line.size());
  out.push_back('\n');
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace candor::agent
