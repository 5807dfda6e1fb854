#pragma once

namespace candor::collectors::posture {

// config/os_eol.yaml, compiled into the agent by CMake (os_eol_table.cc.in).
extern const char kOsEolTable[];

}  // namespace candor::collectors::posture
