#include "service/facts_json.h"

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace candor::service {

std::string FactsToJson(const v1::Event& event) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : event.facts()) {
    switch (value.kind_case()) {
      case v1::FactValue::kText:
        object[key] = value.text();
        break;
      case v1::FactValue::kInteger:
        object[key] = value.integer();
        break;
      case v1::FactValue::kFlag:
        object[key] = value.flag();
        break;
      case v1::FactValue::kNumber:
        object[key] = value.number();
        break;
      case v1::FactValue::kList:
        object[key] =
            std::vector<std::string>(value.list().values().begin(), value.list().values().end());
        break;
      case v1::FactValue::KIND_NOT_SET:
        object[key] = nullptr;
        break;
    }
  }
  // nlohmann::json keeps object keys sorted, so equal facts give equal text.
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace candor::service
