#pragma once

namespace candor::collectors::separation {

// config/personal_software.yaml, compiled into the agent by CMake
// (personal_software_catalog.cc.in).
extern const char kPersonalSoftwareCatalog[];

}  // namespace candor::collectors::separation
