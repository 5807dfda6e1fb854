#pragma once

#include "collectors/registry.h"

namespace candor::collectors {

// Registers every collector that ships with Candor. The one explicit list of the catalog.
void RegisterBuiltins(CollectorRegistry& registry);

}  // namespace candor::collectors
