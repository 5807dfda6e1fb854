// Loading and validating a policy of 1,000 checks (the figure issue 3 names), side by side
// with yaml-cpp's plain YAML::Load of the same text: the baseline every YAML consumer pays,
// without any of Candor's checks.

#include <string>

#include "benchmark/benchmark.h"
#include "collectors/builtin.h"
#include "config/policy.h"
#include "yaml-cpp/yaml.h"

namespace {

std::string PolicyWithChecks(int count) {
  std::string text =
      "apiVersion: candor/v1\nkind: Policy\nmetadata:\n  name: bench\n  tenant: acme\n"
      "  version: 1\nnotice: |\n  Benchmark policy.\ndefaults:\n  interval: 1h\n"
      "  splay: 5m\n  timeout: 30s\n  severity: medium\nchecks:\n";
  for (int i = 0; i < count; ++i) {
    text += "  - id: check-" + std::to_string(i) +
            "\n    collector: os_info\n    interval: " + std::to_string(10 + i % 50) +
            "m\n    severity: high\n    platforms: [linux]\n";
  }
  return text;
}

const std::string& Text() {
  static const std::string* text = new std::string(PolicyWithChecks(1000));
  return *text;
}

void BM_CandorLoadAndValidate(benchmark::State& state) {
  const candor::config::CollectorCatalog catalog = candor::collectors::BuiltinCatalog();
  for (auto _ : state) {
    auto policy = candor::config::ParsePolicyText(Text(), "bench.yaml", catalog);
    if (!policy.ok() || policy->checks.size() != 1000) state.SkipWithError("invalid");
    benchmark::DoNotOptimize(policy);
  }
  state.counters["bytes"] = static_cast<double>(Text().size());
}
BENCHMARK(BM_CandorLoadAndValidate)->Unit(benchmark::kMillisecond);

void BM_YamlCppLoadOnly(benchmark::State& state) {
  for (auto _ : state) {
    YAML::Node node = YAML::Load(Text());
    benchmark::DoNotOptimize(node);
  }
}
BENCHMARK(BM_YamlCppLoadOnly)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
