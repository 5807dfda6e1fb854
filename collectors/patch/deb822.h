#pragma once

// deb822 control data (dpkg's status file, apt's Packages, Release and preferences files):
// paragraphs separated by blank lines, each of "Field: value" lines, where a line starting
// with a space or tab continues the previous field. Field names are case-insensitive.
// Built for speed on 50 MB Packages files: paragraphs are views into the text, and a field
// is looked up only when asked for.

#include <functional>
#include <optional>

#include "absl/strings/string_view.h"

namespace candor::collectors {

class Deb822Paragraph {
 public:
  explicit Deb822Paragraph(absl::string_view text) : text_(text) {}

  // The value of `field` (its first line, trimmed), or nullopt when absent.
  std::optional<absl::string_view> Field(absl::string_view field) const;

  absl::string_view text() const { return text_; }

 private:
  absl::string_view text_;
};

// Calls `visit` for each paragraph of `text`, in order. Lines starting with '#' are
// comments when `comments` is true (apt's preferences files). Stops early when `visit`
// returns false.
void ForEachParagraph(absl::string_view text,
                      const std::function<bool(const Deb822Paragraph&)>& visit,
                      bool comments = false);

// The body of an OpenPGP clear-signed message (an InRelease file); `text` itself when it
// is not one.
absl::string_view ClearsignedBody(absl::string_view text);

}  // namespace candor::collectors
