#pragma once

// A StateStore in memory, for tests of collectors that remember between runs.

#include <map>
#include <mutex>
#include <string>

#include "collectors/state_store.h"

namespace candor::collectors::testing {

class MemoryStateStore final : public StateStore {
 public:
  std::optional<std::string> Load(absl::string_view key) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = values_.find(std::string(key));
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  absl::Status Save(absl::string_view key, absl::string_view value) override {
    std::lock_guard<std::mutex> lock(mu_);
    values_[std::string(key)] = std::string(value);
    return absl::OkStatus();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> values_;
};

}  // namespace candor::collectors::testing
