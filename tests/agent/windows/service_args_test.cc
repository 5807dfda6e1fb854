#include "agent/windows/service_args.h"

#include <gtest/gtest.h>

namespace candor::agent::windows {
namespace {

ServiceArgsOrError Parse(std::vector<std::string> args) { return ParseServiceArgs(args); }

TEST(ServiceArgsTest, InstallWithAndWithoutConfig) {
  ServiceArgsOrError parsed = Parse({"install"});
  ASSERT_TRUE(parsed.args) << parsed.error;
  EXPECT_EQ(parsed.args->action, ServiceAction::kInstall);
  EXPECT_EQ(parsed.args->config, "");

  parsed = Parse({"install", "--config", "D:\\Candor\\agent.yaml"});
  ASSERT_TRUE(parsed.args) << parsed.error;
  EXPECT_EQ(parsed.args->config, "D:\\Candor\\agent.yaml");

  parsed = Parse({"install", "--config=C:\\Program Files\\Candor\\agent.yaml"});
  ASSERT_TRUE(parsed.args) << parsed.error;
  EXPECT_EQ(parsed.args->config, "C:\\Program Files\\Candor\\agent.yaml");
}

TEST(ServiceArgsTest, RunAndUninstall) {
  ServiceArgsOrError parsed = Parse({"run", "-c", "C:\\ProgramData\\Candor\\agent.yaml"});
  ASSERT_TRUE(parsed.args) << parsed.error;
  EXPECT_EQ(parsed.args->action, ServiceAction::kRun);
  EXPECT_EQ(parsed.args->config, "C:\\ProgramData\\Candor\\agent.yaml");

  parsed = Parse({"uninstall"});
  ASSERT_TRUE(parsed.args) << parsed.error;
  EXPECT_EQ(parsed.args->action, ServiceAction::kUninstall);
}

TEST(ServiceArgsTest, Help) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"help"}, {"install", "--help"}, {"run", "-h"}}) {
    ServiceArgsOrError parsed = Parse(args);
    ASSERT_TRUE(parsed.args) << parsed.error;
    EXPECT_EQ(parsed.args->action, ServiceAction::kHelp);
  }
}

TEST(ServiceArgsTest, ErrorsSayWhatWasWrong) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "expected install, uninstall or run"},
      {{"start"}, "unknown command \"start\"; expected install, uninstall or run"},
      {{"install", "--config"}, "install: --config needs a file"},
      {{"install", "--config", ""}, "install: --config needs a file"},
      {{"run", "--config="}, "run: --config needs a file"},
      {{"install", "--conf", "x"}, "install: unknown option \"--conf\""},
      {{"install", "agent.yaml"}, "install: unexpected argument \"agent.yaml\""},
      {{"install", "-c", "a.yaml", "--config", "b.yaml"}, "install: --config given twice"},
      {{"uninstall", "--config", "a.yaml"},
       "uninstall: takes no --config (it removes the service by its name)"},
  };
  for (const auto& [args, message] : cases) {
    ServiceArgsOrError parsed = Parse(args);
    EXPECT_FALSE(parsed.args) << message;
    EXPECT_EQ(parsed.error, message);
  }
}

}  // namespace
}  // namespace candor::agent::windows
