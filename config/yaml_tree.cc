#include "config/yaml_tree.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "config/read_file.h"
#include "config/utf8.h"
#include "yaml-cpp/anchor.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace candor::config {
namespace {

SourcePos PosOf(const YAML::Mark& mark) { return {mark.line + 1, mark.column + 1}; }

SourcePos PosOfOffset(absl::string_view text, size_t offset) {
  SourcePos pos{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

// Thrown from inside yaml-cpp's callbacks to stop a parse that cannot go on safely.
struct TooDeep {
  YAML::Mark mark;
};

// yaml-cpp 0.7 starts document after document at the same place, forever, on a stray
// token such as a leading ',' (upstream yaml-cpp issue 1040, fixed after 0.7).
struct Stuck {
  YAML::Mark mark;
};

// Builds a YamlNode tree from yaml-cpp's event stream and enforces Candor's YAML subset.
class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(Diagnostics& diag, int max_depth) : diag_(diag), max_depth_(max_depth) {}

  int documents() const { return documents_; }
  YamlNode TakeRoot() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (documents_ > 0 && mark.pos == last_document_.pos) throw Stuck{mark};
    last_document_ = mark;
    if (++documents_ == 2) {
      diag_.Error(PosOf(mark), "", "several YAML documents in one file; keep exactly one");
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    CheckAnchor(mark, anchor);
    YamlNode node;
    node.pos = PosOf(mark);
    Add(std::move(node));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    diag_.Error(PosOf(mark), "", "aliases (*name) are not allowed; write the value out");
    YamlNode node;
    node.pos = PosOf(mark);
    Add(std::move(node));
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    CheckAnchor(mark, anchor);
    CheckTag(mark, tag);
    YamlNode node;
    node.kind = YamlNode::Kind::kScalar;
    node.pos = PosOf(mark);
    node.scalar = value;
    node.quoted = tag == "!";  // yaml-cpp marks quoted scalars with the non-specific tag "!"
    Add(std::move(node));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, tag, anchor, YamlNode::Kind::kSequence);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, tag, anchor, YamlNode::Kind::kMap);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    YamlNode node;
    bool have_key = false;  // kMap: a key was read, its value comes next
    YamlMapEntry pending;
  };

  void CheckAnchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) {
      diag_.Error(PosOf(mark), "", "anchors (&name) are not allowed; write the value out");
    }
  }
  void CheckTag(const YAML::Mark& mark, const std::string& tag) {
    if (!tag.empty() && tag != "?" && tag != "!") {
      diag_.Error(PosOf(mark), "", absl::StrCat("tags are not allowed, found \"", tag, "\""));
    }
  }

  void Open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
            YamlNode::Kind kind) {
    CheckAnchor(mark, anchor);
    CheckTag(mark, tag);
    if (static_cast<int>(stack_.size()) >= max_depth_) throw TooDeep{mark};
    Frame frame;
    frame.node.kind = kind;
    frame.node.pos = PosOf(mark);
    stack_.push_back(std::move(frame));
  }

  void Close() {
    YamlNode done = std::move(stack_.back().node);
    stack_.pop_back();
    Add(std::move(done));
  }

  void Add(YamlNode node) {
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.kind == YamlNode::Kind::kSequence) {
      top.node.items.push_back(std::move(node));
      return;
    }
    if (!top.have_key) {
      if (node.kind != YamlNode::Kind::kScalar) {
        diag_.Error(node.pos, "", "keys must be plain strings");
      }
      top.pending = YamlMapEntry{node.scalar, node.pos, {}};
      top.have_key = true;
      return;
    }
    top.have_key = false;
    for (const YamlMapEntry& entry : top.node.entries) {
      if (entry.key == top.pending.key) {
        diag_.Error(top.pending.key_pos, "",
                    absl::StrCat("duplicate key \"", entry.key, "\" (first at line ",
                                 entry.key_pos.line, ")"));
        return;
      }
    }
    top.pending.value = std::move(node);
    top.node.entries.push_back(std::move(top.pending));
  }

  Diagnostics& diag_;
  const int max_depth_;
  int documents_ = 0;
  YAML::Mark last_document_;
  std::vector<Frame> stack_;
  YamlNode root_;
};

}  // namespace

std::string YamlNode::Describe() const {
  switch (kind) {
    case Kind::kNull:
      return "nothing";
    case Kind::kScalar:
      return absl::StrCat("\"", scalar, "\"");
    case Kind::kSequence:
      return "a list";
    case Kind::kMap:
      return "a mapping";
  }
  return "?";
}

absl::StatusOr<YamlNode> ParseYaml(absl::string_view text, absl::string_view file_name,
                                   const YamlLimits& limits) {
  Diagnostics diag{std::string(file_name)};
  if (text.size() > limits.max_bytes) {
    diag.Error({}, "",
               absl::StrCat("file is ", text.size(), " bytes; the limit is ", limits.max_bytes));
    return diag.ToStatus();
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    diag.Error({1, 1}, "", "file starts with a byte-order mark; save it as UTF-8 without BOM");
    return diag.ToStatus();
  }
  if (const size_t nul = text.find('\0'); nul != absl::string_view::npos) {
    diag.Error(PosOfOffset(text, nul), "", "file contains a NUL byte");
    return diag.ToStatus();
  }
  if (const size_t bad = FindInvalidUtf8(text); bad != absl::string_view::npos) {
    diag.Error(PosOfOffset(text, bad), "", "file is not valid UTF-8");
    return diag.ToStatus();
  }

  std::istringstream in{std::string(text)};
  TreeBuilder builder(diag, limits.max_depth);
  try {
    YAML::Parser parser(in);
    // Every document after the first is an error; stop there rather than read on.
    while (builder.documents() < 2 && parser.HandleNextDocument(builder)) {
    }
  } catch (const Stuck& e) {
    diag.Error(PosOf(e.mark), "", "malformed YAML: unexpected character");
    return diag.ToStatus();
  } catch (const TooDeep& e) {
    diag.Error(PosOf(e.mark), "",
               absl::StrCat("nesting deeper than ", limits.max_depth, " levels"));
    return diag.ToStatus();
  } catch (const YAML::Exception& e) {
    diag.Error(PosOf(e.mark), "", absl::StrCat("malformed YAML: ", e.msg));
    return diag.ToStatus();
  }
  if (builder.documents() == 0) diag.Error({}, "", "file is empty");
  if (!diag.ok()) return diag.ToStatus();
  return builder.TakeRoot();
}

absl::StatusOr<YamlNode> LoadYamlFile(const std::filesystem::path& path, const YamlLimits& limits) {
  absl::StatusOr<std::string> text = ReadBoundedFile(path, limits.max_bytes);
  if (!text.ok()) return text.status();
  return ParseYaml(*text, path.string(), limits);
}

}  // namespace candor::config
