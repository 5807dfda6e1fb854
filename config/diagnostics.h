#pragma once

// Error collection for Candor's YAML files: every problem is reported with the file, line,
// column and dotted path, in the order found, so one run shows all of them.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace candor::config {

// A 1-based position in a source file; line 0 means "the whole file".
struct SourcePos {
  int line = 0;
  int column = 0;
};

// Accumulates errors for one file. Not thread-safe; owned by one loader call.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file_name) : file_(std::move(file_name)) {}

  // Records `file:line:col: path: message` (path may be empty).
  void Error(SourcePos pos, absl::string_view path, absl::string_view message);

  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  const std::string& file() const { return file_; }

  // OK when no error was recorded, else kInvalidArgument with one error per line.
  absl::Status ToStatus() const;

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

// The entry of `candidates` closest to `word` by edit distance, or "" when none is close
// enough to be a plausible typo.
std::string NearestWord(absl::string_view word, const std::vector<absl::string_view>& candidates);

}  // namespace candor::config
