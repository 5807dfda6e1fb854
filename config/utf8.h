#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace candor::config {

// Offset of the first byte that is not part of well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF), or npos when all of `text` is valid.
size_t FindInvalidUtf8(absl::string_view text);

inline bool IsValidUtf8(absl::string_view text) {
  return FindInvalidUtf8(text) == absl::string_view::npos;
}

// `text` for a table column of `width` bytes: unchanged when it fits, otherwise cut on a
// character boundary and marked with a final "~".
std::string ClipUtf8(absl::string_view text, size_t width);

}  // namespace candor::config
