#pragma once

#include <filesystem>
#include <ostream>

#include "config/catalog.h"

namespace candor::config {

// The `policy validate` / `policy lint` commands: checks a policy file against `catalog`;
// prints one summary line to `out` and returns 0 when valid, or prints every error to
// `err` and returns 1.
int LintPolicyFile(const std::filesystem::path& path, const CollectorCatalog& catalog,
                   std::ostream& out, std::ostream& err);

}  // namespace candor::config
