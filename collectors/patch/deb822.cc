#include "collectors/patch/deb822.h"

#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace candor::collectors {
namespace {

// The line of `text` starting at `pos`, without its newline; `next` is set past it.
absl::string_view LineAt(absl::string_view text, size_t pos, size_t& next) {
  const size_t end = text.find('\n', pos);
  next = end == absl::string_view::npos ? text.size() : end + 1;
  absl::string_view line =
      text.substr(pos, (end == absl::string_view::npos ? text.size() : end) - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Where the field named `field` starts in a paragraph (at its value), or npos.
size_t FindValue(absl::string_view text, absl::string_view field) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = 0;
    const absl::string_view line = LineAt(text, pos, next);
    if (line.size() > field.size() && line[field.size()] == ':' &&
        absl::EqualsIgnoreCase(line.substr(0, field.size()), field)) {
      return pos + field.size() + 1;
    }
    pos = next;
  }
  return absl::string_view::npos;
}

bool IsBlank(absl::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

std::optional<absl::string_view> Deb822Paragraph::Field(absl::string_view field) const {
  const size_t at = FindValue(text_, field);
  if (at == absl::string_view::npos) return std::nullopt;
  size_t next = 0;
  return absl::StripAsciiWhitespace(LineAt(text_, at, next));
}

// Where the paragraph starting at `pos` ends: the start of the first empty (or
// whitespace-only) line after it, or the end of the text. Lines are found with memchr,
// which is what makes a 50 MB list quick.
size_t ParagraphEnd(absl::string_view text, size_t pos, size_t& next) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin + pos;
  while (true) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (nl == nullptr) {
      next = text.size();
      return text.size();
    }
    const char* line = static_cast<const char*>(nl) + 1;  // the next line
    const char* q = line;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
    if (q == end || *q == '\n') {
      next = static_cast<size_t>(q - begin);
      return static_cast<size_t>(line - begin);
    }
    p = line;
  }
}

void ForEachParagraph(absl::string_view text,
                      const std::function<bool(const Deb822Paragraph&)>& visit, bool comments) {
  if (comments) {
    // Drop comment lines first, so that paragraphs stay contiguous views.
    std::string cleaned;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t next = 0;
      const absl::string_view line = LineAt(text, pos, next);
      pos = next;
      if (!line.empty() && line[0] == '#') continue;
      cleaned.append(line.data(), line.size());
      cleaned.push_back('\n');
    }
    ForEachParagraph(cleaned, visit, false);
    return;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    // Skip empty and whitespace-only lines between paragraphs.
    while (pos < text.size() &&
           (text[pos] == '\n' || text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r')) {
      if (text[pos] != '\n') {
        const size_t nl = text.find('\n', pos);
        const absl::string_view rest =
            text.substr(pos, (nl == absl::string_view::npos ? text.size() : nl) - pos);
        if (!IsBlank(rest)) break;  // a continuation line without a field: part of a paragraph
        pos = nl == absl::string_view::npos ? text.size() : nl;
      }
      ++pos;
    }
    if (pos >= text.size()) return;
    size_t next = 0;
    const size_t end = ParagraphEnd(text, pos, next);
    if (!visit(Deb822Paragraph(text.substr(pos, end - pos)))) return;
    pos = next;
  }
}

absl::string_view ClearsignedBody(absl::string_view text) {
  constexpr absl::string_view kBegin = "-----BEGIN PGP SIGNED MESSAGE-----";
  constexpr absl::string_view kSignature = "\n-----BEGIN PGP SIGNATURE-----";
  if (!absl::StartsWith(text, kBegin)) return text;
  // Armor headers ("Hash: SHA512") end at the first empty line.
  const size_t blank = text.find("\n\n");
  if (blank == absl::string_view::npos) return absl::string_view();
  absl::string_view body = text.substr(blank + 2);
  if (const size_t sig = body.find(kSignature); sig != absl::string_view::npos) {
    body = body.substr(0, sig + 1);
  }
  return body;
}

}  // namespace candor::collectors
