#include "service/facts_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "config/json_text.h"

namespace candor::service {
namespace {

template <typename T>
void AppendNumber(std::string& out, T value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

}  // namespace

std::string FactsToJson(const v1::Event& event) {
  // Keys in sorted order, so equal facts give equal text.
  std::vector<const google::protobuf::MapPair<std::string, v1::FactValue>*> facts;
  facts.reserve(event.facts().size());
  for (const auto& entry : event.facts()) facts.push_back(&entry);
  std::sort(facts.begin(), facts.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });

  std::string out = "{";
  for (const auto* fact : facts) {
    if (out.size() > 1) out.push_back(',');
    config::AppendJsonString(out, fact->first);
    out.push_back(':');
    const v1::FactValue& value = fact->second;
    switch (value.kind_case()) {
      case v1::FactValue::kText:
        config::AppendJsonString(out, value.text());
        break;
      case v1::FactValue::kInteger:
        AppendNumber(out, value.integer());
        break;
      case v1::FactValue::kFlag:
        out += value.flag() ? "true" : "false";
        break;
      case v1::FactValue::kNumber:
        // JSON has no NaN or infinity.
        if (std::isfinite(value.number())) {
          AppendNumber(out, value.number());
        } else {
          out += "null";
        }
        break;
      case v1::FactValue::kList: {
        out.push_back('[');
        bool first = true;
        for (const std::string& item : value.list().values()) {
          if (!first) out.push_back(',');
          first = false;
          config::AppendJsonString(out, item);
        }
        out.push_back(']');
        break;
      }
      case v1::FactValue::KIND_NOT_SET:
        out += "null";
        break;
    }
  }
  out.push_back('}');
  return out;
}

}  // namespace candor::service
