#pragma once

// The collector catalog as the policy language sees it: which collectors exist, on which
// platforms, what data they report, and the typed, bounded parameters each one takes.
// Collectors declare these (collectors/); the policy loader checks policies against them.
// Plain data; safe to share between threads once built.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"

namespace candor::config {

enum class Platform { kLinux, kWindows, kMacos };

absl::string_view PlatformName(Platform platform);  // "linux", "windows", "macos"
// The platform this binary was built for.
Platform CurrentPlatform();

enum class ParamType { kBool, kInteger, kString, kStringList, kDuration, kRecordList };

// One item of a kRecordList parameter: an id "<category>:<name>" and named lists of plain
// names (e.g. the personal-software entries a policy adds).
struct ParamRecord {
  std::string id;
  std::map<std::string, std::vector<std::string>> lists;
  bool operator==(const ParamRecord&) const = default;
};

using ParamValue = std::variant<bool, int64_t, std::string, std::vector<std::string>,
                                std::chrono::seconds, std::vector<ParamRecord>>;
// Every parameter a collector declares, defaults filled in by the loader.
using Params = std::map<std::string, ParamValue>;

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  std::string description;
  ParamValue default_value;
  // kInteger: the value; kDuration: seconds; kString: length; kStringList and kRecordList:
  // number of items.
  int64_t min = 0;
  int64_t max = 0;
  // kString and kStringList items: the allowed values, when not empty.
  std::vector<std::string> choices;
  // kRecordList: the list names a record may have (each optional, at most 32 names).
  std::vector<std::string> fields;
};

struct CollectorSpec {
  std::string id;
  std::string description;  // one sentence: what it looks at
  std::vector<Platform> platforms;
  // What kinds of facts it reports, in words an employee understands
  // ("operating system version", "disk encryption state").
  std::vector<std::string> data_categories;
  std::vector<ParamSpec> params;
};

class CollectorCatalog {
 public:
  void Add(CollectorSpec spec) { specs_.push_back(std::move(spec)); }
  const CollectorSpec* Find(absl::string_view id) const;
  std::vector<std::string> Ids() const;
  const std::vector<CollectorSpec>& specs() const { return specs_; }

 private:
  std::vector<CollectorSpec> specs_;
};

}  // namespace candor::config
