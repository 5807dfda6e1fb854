#pragma once

#include <cstddef>

#include "absl/strings/string_view.h"

namespace candor::config {

// Offset of the first byte that is not part of well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF), or npos when all of `text` is valid.
size_t FindInvalidUtf8(absl::string_view text);

inline bool IsValidUtf8(absl::string_view text) {
  return FindInvalidUtf8(text) == absl::string_view::npos;
}

}  // namespace candor::config
