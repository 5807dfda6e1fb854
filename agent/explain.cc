#include "agent/explain.h"

#include <array>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace candor::agent {
namespace {

constexpr size_t kWidth = 88;

constexpr std::array<absl::string_view, 10> kNeverCollected = {
    "keystrokes or anything you type",
    "screenshots or what is on your screen",
    "the clipboard",
    "window titles or which programs you use and when",
    "web addresses or browsing history",
    "names or contents of your files, e-mail or messages",
    "your location",
    "when you are active or idle, or any measure of productivity",
    "camera or microphone",
    "the names of the other people who use this computer",
};

// `text` wrapped at kWidth, each line after `indent`; paragraphs (blank lines) kept.
std::string Wrap(absl::string_view text, absl::string_view indent) {
  std::string out;
  for (absl::string_view paragraph : absl::StrSplit(text, "\n\n")) {
    if (!out.empty()) absl::StrAppend(&out, "\n");
    std::string line(indent);
    for (absl::string_view word :
         absl::StrSplit(paragraph, absl::ByAnyChar(" \n\t"), absl::SkipEmpty())) {
      if (line.size() > indent.size() && line.size() + 1 + word.size() > kWidth) {
        absl::StrAppend(&out, line, "\n");
        line = std::string(indent);
      }
      if (line.size() > indent.size()) line.push_back(' ');
      absl::StrAppend(&line, word);
    }
    if (line.size() > indent.size()) absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string Plural(int64_t n, absl::string_view unit) {
  return n == 1 ? absl::StrCat(unit) : absl::StrCat(n, " ", unit, "s");
}

std::string ParamText(const config::ParamValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "yes" : "no"; }
    std::string operator()(int64_t n) const { return absl::StrCat(n); }
    std::string operator()(const std::string& s) const { return s.empty() ? "(none)" : s; }
    std::string operator()(const std::vector<std::string>& list) const {
      return list.empty() ? "(none)" : absl::StrJoin(list, ", ");
    }
    std::string operator()(std::chrono::seconds s) const {
      return absl::StrCat(s.count(), " seconds");
    }
    std::string operator()(const std::vector<config::ParamRecord>& records) const {
      if (records.empty()) return "(none)";
      return absl::StrJoin(records, ", ", [](std::string* out, const config::ParamRecord& r) {
        absl::StrAppend(out, r.id);
      });
    }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace

absl::Span<const absl::string_view> NeverCollected() { return kNeverCollected; }

std::string DescribeInterval(std::chrono::seconds interval) {
  const int64_t s = interval.count();
  if (s % 86400 == 0) return absl::StrCat("every ", Plural(s / 86400, "day"));
  if (s % 3600 == 0) return absl::StrCat("every ", Plural(s / 3600, "hour"));
  if (s % 60 == 0) return absl::StrCat("every ", Plural(s / 60, "minute"));
  return absl::StrCat("every ", Plural(s, "second"));
}

std::string ExplainPolicy(const config::Policy& policy, const config::CollectorCatalog& catalog,
                          absl::string_view source) {
  std::string out;
  if (policy.version == 0 && policy.checks.empty()) {
    absl::StrAppend(&out, "No policy is in force yet: this device runs no checks and sends ",
                    "nothing until its IT provider sends a signed policy.\n");
  } else {
    absl::StrAppend(&out, Wrap(absl::StrCat("Policy \"", policy.name, "\" version ", policy.version,
                                            " of ", policy.tenant, ", ", source, "."),
                               ""));
  }
  if (!policy.notice.empty()) {
    absl::StrAppend(&out, "\nWhat your IT provider says about it:\n", Wrap(policy.notice, "  "));
  }
  if (!policy.checks.empty()) {
    absl::StrAppend(&out, "\nWhat this device is checked for (", policy.checks.size(),
                    policy.checks.size() == 1 ? " check" : " checks", "):\n");
  }
  std::set<std::string> categories;
  for (const config::CheckSpec& check : policy.checks) {
    const config::CollectorSpec* spec = catalog.Find(check.collector);
    absl::StrAppend(&out, "\n  ", check.id, ": ", DescribeInterval(check.interval), ", importance ",
                    config::SeverityName(check.severity), "\n");
    if (spec == nullptr) {  // the policy was validated against this catalog; belt and braces
      absl::StrAppend(&out, "    collector ", check.collector, "\n");
      continue;
    }
    absl::StrAppend(&out, Wrap(absl::StrCat("Looks at: ", spec->description), "    "));
    absl::StrAppend(
        &out, Wrap(absl::StrCat("Reports: ", spec->data_categories.empty()
                                                 ? "a verdict only"
                                                 : absl::StrJoin(spec->data_categories, ", ")),
                   "    "));
    categories.insert(spec->data_categories.begin(), spec->data_categories.end());
    std::vector<std::string> settings;
    for (const auto& [name, value] : check.params) {
      settings.push_back(absl::StrCat(name, " = ", ParamText(value)));
    }
    if (!settings.empty()) {
      absl::StrAppend(&out,
                      Wrap(absl::StrCat("Settings: ", absl::StrJoin(settings, "; ")), "    "));
    }
  }
  if (!categories.empty()) {
    absl::StrAppend(&out, "\nAll kinds of data this policy reports:\n",
                    Wrap(absl::StrJoin(categories, ", "), "  "));
  }
  absl::StrAppend(&out, "\nWhat Candor never collects, whatever the policy says:\n");
  for (absl::string_view item : kNeverCollected) absl::StrAppend(&out, "  - ", item, "\n");
  absl::StrAppend(&out,
                  "\nEvery result is about the device, never about you. To see exactly what was "
                  "sent,\nrun `candor-agent ledger`; `candor-agent status` shows what the agent is "
                  "doing.\n");
  return out;
}

}  // namespace candor::agent
