#include "config/policy_lint.h"

#include "config/policy.h"

namespace candor::config {

int LintPolicyFile(const std::filesystem::path& path, const CollectorCatalog& catalog,
                   std::ostream& out, std::ostream& err) {
  absl::StatusOr<Policy> policy = LoadPolicyFile(path, catalog);
  if (!policy.ok()) {
    err << policy.status().message() << "\n";
    return 1;
  }
  out << path.string() << ": " << DescribePolicy(*policy) << "\n";
  return 0;
}

}  // namespace candor::config
