// candorctl: the administrator's command line. For now it checks policy files with the same
// loader the agent uses; the admin API commands (tokens, devices, policy push, reports)
// arrive with the admin service.

#include <iostream>
#include <string>
#include <vector>

#include "collectors/builtin.h"
#include "config/policy_lint.h"

namespace {

constexpr const char* kUsage =
    "Usage:\n"
    "  candorctl policy lint FILE   check a policy file; print every error (exit 1 if any)\n"
    "  candorctl --help | --version\n"
    "\n"
    "The policy language is documented in docs/policy.md.\n";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  if (args.size() == 1 && args[0] == "--version") {
    std::cout << "candorctl " << CANDOR_VERSION << "\n";
    return 0;
  }
  if (args.size() == 3 && args[0] == "policy" && args[1] == "lint")
    return candor::config::LintPolicyFile(args[2], candor::collectors::BuiltinCatalog(), std::cout,
                                          std::cerr);
  std::cerr << kUsage;
  return 2;
}
