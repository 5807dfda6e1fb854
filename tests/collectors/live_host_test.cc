// Every built-in collector on the machine the tests run on: whatever the verdicts, each
// result must be well-formed (a status, a one-line reason, UTF-8 text, bounded facts).

#include "collectors/builtin.h"
#include "config/utf8.h"
#include "gtest/gtest.h"

namespace candor::collectors {
namespace {

TEST(LiveHostTest, EveryCollectorGivesAWellFormedResult) {
  CollectorRegistry registry;
  RegisterBuiltins(registry);
  const HostView host("/");
  for (const std::string& id : registry.Ids()) {
    SCOPED_TRACE(id);
    const Collector* collector = registry.Find(id);
    config::Params params;
    for (const auto& param : collector->spec().params) params[param.name] = param.default_value;
    const CheckResult result = collector->Collect(host, params);
    EXPECT_FALSE(result.reason.empty());
    EXPECT_EQ(result.reason.find('\n'), std::string::npos);
    EXPECT_TRUE(config::IsValidUtf8(result.reason));
    EXPECT_LE(result.facts.size(), 64u);
    EXPECT_FALSE(collector->spec().data_categories.empty());
    std::printf("%-14s %-14s %s\n", id.c_str(), std::string(StatusName(result.status)).c_str(),
                result.reason.c_str());
  }
}

}  // namespace
}  // namespace candor::collectors
