// RunAgent itself stops on a StopRequest, as the Windows service's stop and shutdown
// controls ask it to (stop_request_test.cc checks the hook on a bare event loop).

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "agent/run.h"
#include "agent/stop_request.h"
#include "config/keys.h"
#include "service/pki/certificate_authority.h"
#include "tests/support/temp_dir.h"

namespace candor::agent {
namespace {

using std::chrono_literals::operator""s;

TEST(RunAgentStopTest, AStopRequestFromAnotherThreadEndsTheAgent) {
  const candor::testing::TempDir dir;
  config::AgentConfig config;
  // Nothing listens on port 1: the agent runs, retrying the server, until told to stop.
  config.server = config::HostPort{.host = "127.0.0.1", .port = 1};
  config.state_dir = dir / "state";
  config.tls = {.ca = dir / "ca.pem", .cert = dir / "device.pem", .key = dir / "device.key"};
  // A real identity, so the agent starts as it does on a device.
  const auto now = std::chrono::system_clock::now();
  auto ca = service::CertificateAuthority::Create("Test CA", std::chrono::hours(24), now);
  ASSERT_TRUE(ca.ok()) << ca.status();
  absl::StatusOr<std::string> key = config::NewPrivateKeyPem();
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::string> csr = config::NewCsrPem(*key, "device");
  ASSERT_TRUE(csr.ok()) << csr.status();
  auto cert = (*ca)->Issue(*csr, {.common_name = "device"}, now);
  ASSERT_TRUE(cert.ok()) << cert.status();
  std::ofstream(config.tls.ca) << (*ca)->cert_pem();
  std::ofstream(config.tls.cert) << cert->pem;
  std::ofstream(config.tls.key) << *key;
  StopRequest stop;
  std::future<int> agent =
      std::async(std::launch::async, [&] { return RunAgent(config, false, &stop); });
  // Give it time to be in its event loop; a request before that is kept (and also works).
  EXPECT_EQ(agent.wait_for(1s), std::future_status::timeout) << "the agent ended by itself";
  stop.Request("the Service Control Manager asked the service to stop");
  ASSERT_EQ(agent.wait_for(30s), std::future_status::ready) << "the agent did not stop";
  EXPECT_EQ(agent.get(), 0);
}

}  // namespace
}  // namespace candor::agent
