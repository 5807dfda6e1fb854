#pragma once

// Fixture host trees (tests/data/hosts/NAME) and helpers to read a result's facts.

#include <filesystem>
#include <string>
#include <vector>

#include "collectors/collector.h"

namespace candor::collectors::testing {

inline HostView Fixture(const std::string& name) {
  return HostView(std::filesystem::path(CANDOR_TEST_DATA) / "hosts" / name);
}

template <typename T>
T Fact(const CheckResult& result, const std::string& name) {
  auto it = result.facts.find(name);
  if (it == result.facts.end() || !std::holds_alternative<T>(it->second)) return T{};
  return std::get<T>(it->second);
}

inline bool HasFact(const CheckResult& result, const std::string& name) {
  return result.facts.count(name) != 0;
}

}  // namespace candor::collectors::testing
