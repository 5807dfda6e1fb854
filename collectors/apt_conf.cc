#include "collectors/apt_conf.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"

namespace candor::collectors {
namespace {

enum class Kind { kWord, kString, kOpen, kClose, kEnd, kDone };

struct Token {
  Kind kind;
  std::string text;
};

class Lexer {
 public:
  explicit Lexer(absl::string_view text) : text_(text) {}

  Token Next() {
    SkipSpaceAndComments();
    if (pos_ >= text_.size()) return {Kind::kDone, ""};
    const char c = text_[pos_];
    if (c == '{') return ++pos_, Token{Kind::kOpen, "{"};
    if (c == '}') return ++pos_, Token{Kind::kClose, "}"};
    if (c == ';') return ++pos_, Token{Kind::kEnd, ";"};
    if (c == '"') {
      const size_t end = text_.find('"', pos_ + 1);
      const size_t stop = end == absl::string_view::npos ? text_.size() : end;
      Token token{Kind::kString, std::string(text_.substr(pos_ + 1, stop - pos_ - 1))};
      pos_ = stop + 1;
      return token;
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && !absl::ascii_isspace(static_cast<unsigned char>(text_[pos_])) &&
           text_[pos_] != '{' && text_[pos_] != '}' && text_[pos_] != ';' && text_[pos_] != '"') {
      ++pos_;
    }
    return {Kind::kWord, std::string(text_.substr(start, pos_ - start))};
  }

 private:
  void SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (text_.substr(pos_, 2) == "//" || (c == '#' && AtLineStart())) {
        const size_t nl = text_.find('\n', pos_);  // comments, #include and #clear lines
        pos_ = nl == absl::string_view::npos ? text_.size() : nl + 1;
      } else if (text_.substr(pos_, 2) == "/*") {
        const size_t end = text_.find("*/", pos_ + 2);
        pos_ = end == absl::string_view::npos ? text_.size() : end + 2;
      } else {
        return;
      }
    }
  }
  bool AtLineStart() const {
    for (size_t i = pos_; i > 0; --i) {
      if (text_[i - 1] == '\n') return true;
      if (!absl::ascii_isspace(static_cast<unsigned char>(text_[i - 1]))) return false;
    }
    return true;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

// apt.conf(5): names of letters, digits, '_', '-' and '.', without an extension or ending
// in ".conf".
bool AptReadsFile(const std::string& name) {
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      return false;
  }
  const size_t dot = name.rfind('.');
  return dot == std::string::npos || name.substr(dot) == ".conf";
}

}  // namespace

void ParseAptConf(absl::string_view text, AptConfig& config) {
  Lexer lexer(text);
  std::vector<std::string> scopes;
  std::string key;
  for (Token token = lexer.Next(); token.kind != Kind::kDone; token = lexer.Next()) {
    switch (token.kind) {
      case Kind::kWord:
        key = token.text;
        break;
      case Kind::kString:
        if (!key.empty()) {  // a bare string inside a block is a list item: not a setting
          std::vector<std::string> parts = scopes;
          parts.push_back(key);
          config[absl::AsciiStrToLower(absl::StrJoin(parts, "::"))] = token.text;
        }
        key.clear();
        break;
      case Kind::kOpen:
        scopes.push_back(key);
        key.clear();
        break;
      case Kind::kClose:
        if (!scopes.empty()) scopes.pop_back();
        key.clear();
        break;
      case Kind::kEnd:
        key.clear();
        break;
      case Kind::kDone:
        break;
    }
  }
}

AptConfig ReadAptConfig(const HostView& host) {
  AptConfig config;
  if (auto names = host.ListDir("/etc/apt/apt.conf.d"); names.ok()) {
    for (const std::string& name : *names) {
      if (!AptReadsFile(name)) continue;
      if (auto text = host.ReadFile("/etc/apt/apt.conf.d/" + name, 256 * 1024); text.ok()) {
        ParseAptConf(*text, config);
      }
    }
  }
  if (auto text = host.ReadFile("/etc/apt/apt.conf", 256 * 1024); text.ok()) {
    ParseAptConf(*text, config);
  }
  return config;
}

}  // namespace candor::collectors
