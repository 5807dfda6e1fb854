#include "agent/windows/service_logic.h"

#include <gtest/gtest.h>

namespace candor::agent::windows {
namespace {

using std::chrono::milliseconds;

TEST(ServiceStatusMachineTest, StartRunStopStopped) {
  ServiceStatusMachine machine;
  ServiceStatusReport report = machine.StartPending();
  EXPECT_EQ(report.state, kServiceStartPending);
  EXPECT_EQ(report.controls_accepted, 0u) << "no stop before the agent can hear it";
  EXPECT_EQ(report.checkpoint, 1u);
  EXPECT_EQ(report.wait_hint, milliseconds(30000));

  report = machine.Running();
  EXPECT_EQ(report, (ServiceStatusReport{.state = kServiceRunning,
                                         .controls_accepted = kAcceptStop | kAcceptShutdown}));

  ControlOutcome stop = machine.OnControl(kControlStop);
  EXPECT_EQ(stop.reply, kNoError);
  EXPECT_EQ(stop.stop_reason, "the Service Control Manager asked the service to stop");
  ASSERT_TRUE(stop.report);
  EXPECT_EQ(stop.report->state, kServiceStopPending);
  EXPECT_EQ(stop.report->controls_accepted, 0u);
  EXPECT_EQ(stop.report->checkpoint, 1u);
  EXPECT_EQ(stop.report->wait_hint, milliseconds(10000));

  // Checkpoints grow while the agent stops, each within the wait hint.
  EXPECT_EQ(machine.StopPendingHeartbeat().checkpoint, 2u);
  EXPECT_EQ(machine.StopPendingHeartbeat().checkpoint, 3u);
  EXPECT_LT(ServiceStatusMachine::kStopHeartbeat, ServiceStatusMachine::kStopWaitHint);

  EXPECT_EQ(machine.Stopped(0), (ServiceStatusReport{.state = kServiceStopped}));
}

TEST(ServiceStatusMachineTest, ShutdownStopsLikeStop) {
  ServiceStatusMachine machine;
  machine.StartPending();
  machine.Running();
  ControlOutcome shutdown = machine.OnControl(kControlShutdown);
  EXPECT_EQ(shutdown.reply, kNoError);
  EXPECT_EQ(shutdown.stop_reason, "Windows is shutting down");
  ASSERT_TRUE(shutdown.report);
  EXPECT_EQ(shutdown.report->state, kServiceStopPending);
  EXPECT_EQ(machine.Stopped(0).win32_exit_code, kNoError);
}

TEST(ServiceStatusMachineTest, OnlyTheFirstStopAsksTheAgent) {
  ServiceStatusMachine machine;
  machine.StartPending();
  machine.Running();
  ASSERT_TRUE(machine.OnControl(kControlStop).stop_reason);
  machine.StopPendingHeartbeat();
  ControlOutcome again = machine.OnControl(kControlShutdown);
  EXPECT_FALSE(again.stop_reason);
  ASSERT_TRUE(again.report);
  EXPECT_EQ(again.report->state, kServiceStopPending);
  EXPECT_EQ(again.report->checkpoint, 2u) << "repeats the current report, no step back";
}

TEST(ServiceStatusMachineTest, StopWhileStartingIsNotLost) {
  ServiceStatusMachine machine;
  machine.StartPending();
  ControlOutcome stop = machine.OnControl(kControlStop);
  EXPECT_TRUE(stop.stop_reason);
  // The service thread reports running after starting the agent; the stop stands.
  EXPECT_EQ(machine.Running().state, kServiceStopPending);
}

TEST(ServiceStatusMachineTest, InterrogateAndUnknownControls) {
  ServiceStatusMachine machine;
  machine.StartPending();
  machine.Running();
  ControlOutcome interrogate = machine.OnControl(kControlInterrogate);
  EXPECT_EQ(interrogate.reply, kNoError);
  EXPECT_FALSE(interrogate.stop_reason);
  ASSERT_TRUE(interrogate.report);
  EXPECT_EQ(interrogate.report->state, kServiceRunning);

  ControlOutcome pause = machine.OnControl(2);  // SERVICE_CONTROL_PAUSE
  EXPECT_EQ(pause.reply, kErrorCallNotImplemented);
  EXPECT_FALSE(pause.report);
  EXPECT_FALSE(pause.stop_reason);
}

TEST(ServiceStatusMachineTest, FailuresTriggerRecovery) {
  ServiceStatusMachine failed;
  failed.StartPending();
  failed.Running();
  // A config that does not load: RunAgent returns 1 without being asked to stop.
  EXPECT_EQ(failed.Stopped(1), (ServiceStatusReport{.state = kServiceStopped,
                                                    .win32_exit_code = kErrorServiceSpecific,
                                                    .service_exit_code = 1}));

  ServiceStatusMachine returned;
  returned.StartPending();
  returned.Running();
  ServiceStatusReport report = returned.Stopped(0);
  EXPECT_EQ(report.win32_exit_code, kErrorServiceSpecific) << "nobody asked it to stop";
  EXPECT_EQ(report.service_exit_code, 1u);

  ServiceStatusMachine asked;
  asked.StartPending();
  asked.Running();
  asked.OnControl(kControlStop);
  report = asked.Stopped(3);
  EXPECT_EQ(report.win32_exit_code, kErrorServiceSpecific);
  EXPECT_EQ(report.service_exit_code, 3u);
}

TEST(WindowsPathsTest, UnderProgramData) {
  for (const std::string root : {"C:\\ProgramData", "C:\\ProgramData\\"}) {
    const WindowsPaths paths = DefaultWindowsPaths(root);
    EXPECT_EQ(paths.base_dir, "C:\\ProgramData\\Candor");
    EXPECT_EQ(paths.config, "C:\\ProgramData\\Candor\\agent.yaml");
    EXPECT_EQ(paths.state_dir, "C:\\ProgramData\\Candor\\state");
  }
}

TEST(WindowsPathsTest, Absolute) {
  EXPECT_TRUE(IsAbsoluteWindowsPath("C:\\ProgramData"));
  EXPECT_TRUE(IsAbsoluteWindowsPath("d:/candor/agent.yaml"));
  EXPECT_TRUE(IsAbsoluteWindowsPath("\\\\server\\share\\agent.yaml"));
  EXPECT_FALSE(IsAbsoluteWindowsPath("agent.yaml"));
  EXPECT_FALSE(IsAbsoluteWindowsPath("C:agent.yaml"));
  EXPECT_FALSE(IsAbsoluteWindowsPath("\\agent.yaml"));
  EXPECT_FALSE(IsAbsoluteWindowsPath(""));
}

TEST(QuoteWindowsArgumentTest, AsCommandLineToArgvReadsIt) {
  EXPECT_EQ(QuoteWindowsArgument("service", false), "service");
  EXPECT_EQ(QuoteWindowsArgument("", false), "\"\"");
  EXPECT_EQ(QuoteWindowsArgument("C:\\Program Files\\Candor", false),
            "\"C:\\Program Files\\Candor\"");
  EXPECT_EQ(QuoteWindowsArgument("C:\\ProgramData\\Candor\\agent.yaml", true),
            "\"C:\\ProgramData\\Candor\\agent.yaml\"");
  // Backslashes double only before a quote, including the closing one.
  EXPECT_EQ(QuoteWindowsArgument("C:\\My Dir\\", false), "\"C:\\My Dir\\\\\"");
  EXPECT_EQ(QuoteWindowsArgument("say \"hi\"", false), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(QuoteWindowsArgument("a\\\"b", false), "\"a\\\\\\\"b\"");
}

TEST(InstallPlanTest, TheServiceAsRegistered) {
  const InstallPlanOrError planned = MakeInstallPlan("C:\\Program Files\\Candor\\candor-agent.exe",
                                                     "C:\\ProgramData\\Candor\\agent.yaml",
                                                     DefaultWindowsPaths("C:\\ProgramData"));
  ASSERT_TRUE(planned.plan) << planned.error;
  const InstallPlan& plan = *planned.plan;
  EXPECT_EQ(plan.service_name, "CandorAgent");
  EXPECT_EQ(plan.display_name, "Candor posture agent");
  EXPECT_NE(plan.description.find("candor-agent explain"), std::string::npos);
  EXPECT_EQ(plan.command_line,
            "\"C:\\Program Files\\Candor\\candor-agent.exe\" service run --config "
            "\"C:\\ProgramData\\Candor\\agent.yaml\"");
  EXPECT_TRUE(plan.delayed_auto_start);
  EXPECT_EQ(plan.recovery, (std::vector<RecoveryAction>{{std::chrono::seconds(60)},
                                                        {std::chrono::seconds(60)},
                                                        {std::chrono::seconds(600)}}));
  EXPECT_EQ(plan.reset_failures_after, std::chrono::seconds(86400));
  EXPECT_TRUE(plan.recover_on_error_exit);
  ASSERT_EQ(plan.directories.size(), 2u);
  EXPECT_EQ(plan.directories[0].path, "C:\\ProgramData\\Candor");
  EXPECT_EQ(plan.directories[1].path, "C:\\ProgramData\\Candor\\state");
  for (const DirectoryToSecure& directory : plan.directories) {
    EXPECT_EQ(directory.sddl, "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
  }
}

TEST(InstallPlanTest, ConfigWithSpacesAndQuotes) {
  const InstallPlanOrError planned =
      MakeInstallPlan("D:\\Tools\\candor-agent.exe", "D:\\Candor Config\\my agent.yaml",
                      DefaultWindowsPaths("C:\\ProgramData"));
  ASSERT_TRUE(planned.plan) << planned.error;
  EXPECT_EQ(planned.plan->command_line,
            "\"D:\\Tools\\candor-agent.exe\" service run --config "
            "\"D:\\Candor Config\\my agent.yaml\"");
}

TEST(InstallPlanTest, RelativePathsAreRefused) {
  const WindowsPaths paths = DefaultWindowsPaths("C:\\ProgramData");
  InstallPlanOrError planned = MakeInstallPlan("C:\\candor-agent.exe", "agent.yaml", paths);
  EXPECT_FALSE(planned.plan);
  EXPECT_EQ(planned.error, "--config: expected an absolute path like C:\\..., got \"agent.yaml\"");
  planned = MakeInstallPlan("candor-agent.exe", "C:\\agent.yaml", paths);
  EXPECT_FALSE(planned.plan);
  EXPECT_EQ(planned.error,
            "the agent's executable: expected an absolute path like C:\\..., got "
            "\"candor-agent.exe\"");
}

}  // namespace
}  // namespace candor::agent::windows
