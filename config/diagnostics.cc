#include "config/diagnostics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace candor::config {
namespace {

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

void Diagnostics::Error(SourcePos pos, absl::string_view path, absl::string_view message) {
  std::string line = file_;
  if (pos.line > 0) absl::StrAppend(&line, ":", pos.line, ":", pos.column);
  absl::StrAppend(&line, ": ");
  if (!path.empty()) absl::StrAppend(&line, path, ": ");
  absl::StrAppend(&line, message);
  errors_.push_back(std::move(line));
}

absl::Status Diagnostics::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
}

std::string NearestWord(absl::string_view word, const std::vector<absl::string_view>& candidates) {
  // A typo changes a few characters; more than a third of the word is another word.
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  absl::string_view best;
  size_t best_distance = limit + 1;
  for (absl::string_view candidate : candidates) {
    const size_t d = EditDistance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return std::string(best);
}

}  // namespace candor::config
