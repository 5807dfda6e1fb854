#include "service/log.h"

#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"

namespace candor::service {

void Log(absl::string_view line) {
  // One fwrite per line so concurrent threads do not interleave within a line.
  std::string out = "candor-server: ";
  out.append(line.data(), line.size());
  out.push_back('\n');
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace candor::service
