#pragma once

// CRC-32C (Castagnoli), the checksum of spool records. Debian 12 packages no C++ CRC-32C
// library (abseil's absl/crc arrived after its 20220623 release), so this is a small
// implementation: the SSE 4.2 crc32 instruction where the CPU has it, a table otherwise;
// both tested against the RFC 3720 check values and against each other.

#include <cstdint>

#include "absl/strings/string_view.h"

namespace candor::agent {

uint32_t Crc32c(absl::string_view data, uint32_t crc = 0);

// The table-driven version, always; for tests of the fast path.
uint32_t Crc32cPortable(absl::string_view data, uint32_t crc = 0);

}  // namespace candor::agent
