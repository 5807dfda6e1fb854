// libFuzzer target for the policy loader: any bytes must give either a valid policy that
// honours the language's bounds, or an error naming the file; never a crash, a hang, a
// leak or undefined behaviour. Built by scripts/fuzz.sh (clang only).

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "config/policy.h"
#include "tests/config/test_catalog.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const candor::config::CollectorCatalog* catalog =
      new candor::config::CollectorCatalog(candor::config::testing::TestCatalog());
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<candor::config::Policy> policy =
      candor::config::ParsePolicyText(text, "fuzz.yaml", *catalog);
  if (!policy.ok()) {
    Require(policy.status().code() == absl::StatusCode::kInvalidArgument);
    Require(policy.status().message().substr(0, 9) == "fuzz.yaml");
    return 0;
  }
  Require(!policy->checks.empty() && policy->checks.size() <= candor::config::kMaxChecks);
  Require(policy->version >= 1);
  for (const candor::config::CheckSpec& check : policy->checks) {
    Require(check.interval >= candor::config::kMinInterval);
    Require(check.interval <= candor::config::kMaxInterval);
    Require(check.splay <= check.interval && check.timeout <= check.interval);
    Require(catalog->Find(check.collector) != nullptr);
    Require(check.params.size() == catalog->Find(check.collector)->params.size());
  }
  return 0;
}
