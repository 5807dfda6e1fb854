#pragma once

#include "collectors/registry.h"

namespace candor::collectors {

// Registers every collector that ships with Candor. The one explicit list of the catalog.
void RegisterBuiltins(CollectorRegistry& registry);

// The declarations of every built-in collector, for validating policies without an agent.
config::CollectorCatalog BuiltinCatalog();

}  // namespace candor::collectors
