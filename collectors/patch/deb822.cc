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

std::optional<absl::string_view> Deb822Paragraph::MultilineField(absl::string_view field) const {
  const size_t at = FindValue(text_, field);
  if (at == absl::string_view::npos) return std::nullopt;
  size_t end = 0;
  LineAt(text_, at, end);
  while (end < text_.size() && (text_[end] == ' ' || text_[end] == '\t')) {
    size_t next = 0;
    LineAt(text_, end, next);
    end = next;
  }
  return absl::StripAsciiWhitespace(text_.substr(at, end - at));
}

void ForEachParagraph(absl::string_view text,
                      const std::function<bool(const Deb822Paragraph&)>& visit, bool comments) {
  if (!comments) {
    // The fast path: paragraphs end at "\n\n" (apt and dpkg write no blank lines with
    // spaces and no carriage returns; other files take the careful path below).
    if (text.find('\r') == absl::string_view::npos) {
      size_t pos = 0;
      while (pos < text.size()) {
        while (pos < text.size() && text[pos] == '\n') ++pos;
        if (pos >= text.size()) return;
        const void* found = ::memmem(text.data() + pos, text.size() - pos, "\n\n", 2);
        const size_t end =
            found == nullptr
                ? text.size()
                : static_cast<size_t>(static_cast<const char*>(found) - text.data()) + 1;
        const absl::string_view para = text.substr(pos, end - pos);
        // A "blank" line of spaces inside would end a paragraph too: take the careful path.
        if (para.find("\n \n") != absl::string_view::npos ||
            para.find("\n\t\n") != absl::string_view::npos) {
          break;
        }
        if (!visit(Deb822Paragraph(para))) return;
        pos = end;
      }
      if (pos >= text.size()) return;
      text.remove_prefix(pos);
    }
  }
  std::string cleaned;
  size_t pos = 0;
  size_t start = std::string::npos;
  auto flush = [&](size_t end) {
    if (start == std::string::npos) return true;
    const size_t from = start;
    start = std::string::npos;
    return visit(Deb822Paragraph(absl::string_view(cleaned).substr(from, end - from)));
  };
  // Copy without comment lines, so that paragraphs stay contiguous views.
  while (pos < text.size()) {
    size_t next = 0;
    const absl::string_view line = LineAt(text, pos, next);
    pos = next;
    if (comments && !line.empty() && line[0] == '#') continue;
    if (IsBlank(line)) {
      cleaned.push_back('\n');
      continue;
    }
    cleaned.append(line.data(), line.size());
    cleaned.push_back('\n');
  }
  pos = 0;
  while (pos < cleaned.size()) {
    size_t next = 0;
    const absl::string_view line = LineAt(cleaned, pos, next);
    if (line.empty()) {
      if (!flush(pos)) return;
    } else if (start == std::string::npos) {
      start = pos;
    }
    pos = next;
  }
  flush(cleaned.size());
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
