// Enrollment, identity and the admin API end to end: the real candor-server (made by
// `candor-server init`), candorctl and candor-agent over real TLS on loopback.

#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "candor/v1/agent_service.grpc.pb.h"
#include "config/keys.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "service/pki/certificate_authority.h"
#include "tests/integration/harness.h"
#include "tests/integration/installation.h"
#include "tests/support/temp_dir.h"

namespace candor::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class EnrollmentTest : public Installation {};

TEST_F(EnrollmentTest, TokenEnrollDeliverListRevoke) {
  const std::string token = Token("acme", 1);
  EXPECT_THAT(token, ::testing::MatchesRegex("cnd_[A-Za-z0-9_-]{43}"));
  const fs::path state = dir_.path() / "laptop";
  const RunResult enrolled = Enroll(state, token);
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  EXPECT_THAT(enrolled.out, HasSubstr("of tenant acme"));

  // The key was made here, mode 0600; the certificate names the server's choice of id.
  struct stat key {};
  ASSERT_EQ(::stat((state / "identity" / "device.key").c_str(), &key), 0);
  EXPECT_EQ(key.st_mode & 0777, 0600u);
  const std::string id = DeviceId(state);
  EXPECT_THAT(id, ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}"));
  const RunResult text = candor::testing::Run({"/usr/bin/openssl", "x509", "-noout", "-ext",
                                               "subjectAltName,extendedKeyUsage", "-enddate", "-in",
                                               (state / "identity" / "device.pem").string()});
  EXPECT_THAT(text.out, HasSubstr("URI:candor://tenant/acme/device/" + id));
  EXPECT_THAT(text.out, HasSubstr("TLS Web Client Authentication"));

  // It connects with that identity and the server shows the contact.
  const RunResult once = RunAgentOnce(AgentConfig(state));
  ASSERT_EQ(once.exit_code, 0) << once.err;
  nlohmann::json devices = Devices("acme");
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0]["device_id"], id);
  EXPECT_GT(devices[0]["last_contact_ms"].get<int64_t>(), 0);
  EXPECT_EQ(devices[0]["agent_version"], CANDOR_VERSION);
  EXPECT_EQ(devices[0]["policy_version"], 2);
  EXPECT_EQ(devices[0]["revoked_at_ms"], 0);
  EXPECT_EQ(ExportEvents(install() / "server.yaml").size(), 1u);

  // The token had one use.
  const RunResult reused = Enroll(dir_.path() / "second", token);
  EXPECT_EQ(reused.exit_code, 1);
  EXPECT_THAT(reused.err, HasSubstr("the enrollment token is used up"));
  // Enrolling twice into one state_dir needs --replace.
  EXPECT_THAT(Enroll(state, Token("acme", 1)).err, HasSubstr("already enrolled"));

  const RunResult revoked = Ctl({"device", "revoke", id});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  const RunResult refused = RunAgentOnce(AgentConfig(state));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("this device has been revoked"));
  EXPECT_NE(Devices("acme")[0]["revoked_at_ms"], 0);

  const RunResult audit = Ctl({"audit", "--tenant", "acme"});
  EXPECT_THAT(audit.out, HasSubstr("mia (msp-admin)  token.create tenant=acme"));
  EXPECT_THAT(audit.out, HasSubstr("device.revoke tenant=acme " + id + "  ok"));
}

TEST_F(EnrollmentTest, RevocationClosesAnOpenStreamWithinSeconds) {
  const fs::path state = dir_.path() / "laptop";
  ASSERT_EQ(Enroll(state, Token("acme", 1)).exit_code, 0);
  auto stub = DeviceStub(state / "identity", server_->port());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto stream = stub->Connect(&context);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version("test");
  v1::ServerMessage reply;
  ASSERT_TRUE(stream->Write(hello) && stream->Read(&reply));  // connected, idle

  const auto revoked_at = std::chrono::steady_clock::now();
  const RunResult revoke = Ctl({"device", "revoke", DeviceId(state)});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  EXPECT_THAT(revoke.out, HasSubstr("(1 open stream(s) closed)"));
  EXPECT_FALSE(stream->Read(&reply));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(std::chrono::steady_clock::now() - revoked_at, std::chrono::seconds(10));

  // And it cannot connect again.
  grpc::ClientContext again;
  again.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto second = stub->Connect(&again);
  second->Write(hello);
  EXPECT_FALSE(second->Read(&reply));
  EXPECT_EQ(second->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(EnrollmentTest, GuessedTokensAreRefusedThenRateLimited) {
  const fs::path state = dir_.path() / "guesser";
  for (int i = 0; i < 5; ++i) {
    const RunResult r = Enroll(state, "cnd_guess" + std::to_string(i));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("unknown enrollment token"));
  }
  // Even a good token waits now: the address used up its failures.
  const RunResult limited = Enroll(state, Token("acme", 1));
  EXPECT_EQ(limited.exit_code, 1);
  EXPECT_THAT(limited.err, HasSubstr("too many failed enrollment attempts"));
}

TEST_F(EnrollmentTest, TenantsAreIsolated) {
  AdminCert("bob", "tenant-admin", "acme");
  AdminCert("ana", "analyst", "acme");
  const fs::path beta_laptop = dir_.path() / "beta-laptop";
  ASSERT_EQ(Enroll(beta_laptop, Token("beta", 1)).exit_code, 0);
  const std::string beta_device = DeviceId(beta_laptop);

  // Bob runs acme.
  EXPECT_EQ(
      Ctl({"token", "create", "--tenant", "acme", "--uses", "5", "--ttl", "1d"}, "bob").exit_code,
      0);
  EXPECT_EQ(Ctl({"device", "list", "--tenant", "acme"}, "bob").exit_code, 0);
  // ... and cannot see or touch beta.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"token", "create", "--tenant", "beta", "--uses", "1", "--ttl", "1h"},
           {"device", "list", "--tenant", "beta"},
           {"device", "list"},
           {"audit", "--tenant", "beta"},
           {"tenant", "create", "gamma"}}) {
    const RunResult r = Ctl(args, "bob");
    EXPECT_EQ(r.exit_code, 1) << args[0] << " " << args[1];
    EXPECT_THAT(r.err, HasSubstr("bob (tenant-admin of acme) may not"));
  }
  const RunResult revoke = Ctl({"device", "revoke", beta_device}, "bob");
  EXPECT_EQ(revoke.exit_code, 1);
  EXPECT_THAT(revoke.err, HasSubstr("no device " + beta_device));  // not even that it exists
  EXPECT_EQ(Devices("beta")[0]["revoked_at_ms"], 0);

  // An analyst gets no tokens and no device detail.
  EXPECT_THAT(Ctl({"token", "create", "--tenant", "acme", "--uses", "1", "--ttl", "1h"}, "ana").err,
              HasSubstr("ana (analyst of acme) may not token.create"));
  EXPECT_EQ(Ctl({"device", "list", "--tenant", "acme"}, "ana").exit_code, 1);

  // Every refusal is in the audit log, with who asked.
  const RunResult audit = Ctl({"audit", "--limit", "50"});
  EXPECT_THAT(audit.out, HasSubstr("bob (tenant-admin of acme)  token.create tenant=beta"));
  EXPECT_THAT(audit.out, HasSubstr("refused: bob (tenant-admin of acme) may not"));
}

TEST_F(EnrollmentTest, OnlyAdminCertificatesReachTheAdminApi) {
  const fs::path state = dir_.path() / "laptop";
  ASSERT_EQ(Enroll(state, Token("acme", 1)).exit_code, 0);
  // A device's certificate.
  const RunResult device = candor::testing::Run(
      {CANDOR_CTL_BIN, "--server", server(), "--ca", (install() / "ca.pem").string(), "--cert",
       (state / "identity" / "device.pem").string(), "--cert-key",
       (state / "identity" / "device.key").string(), "device", "list"});
  EXPECT_EQ(device.exit_code, 1);
  EXPECT_THAT(device.err, HasSubstr("not an admin certificate"));
  // An admin certificate cannot stream events as a device either.
  fs::copy_file(install() / "mia.pem", dir_.path() / "device.pem");
  fs::copy_file(install() / "mia.key", dir_.path() / "device.key");
  fs::copy_file(install() / "ca.pem", dir_.path() / "ca.pem");
  auto admin_as_device = DeviceStub(dir_.path(), server_->port());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = admin_as_device->Connect(&context);
  v1::AgentMessage hello;
  hello.mutable_hello();
  stream->Write(hello);
  v1::ServerMessage reply;
  EXPECT_FALSE(stream->Read(&reply));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(EnrollmentTest, TheAgentRenewsItsCertificateWithAFreshKey) {
  const fs::path state = dir_.path() / "laptop";
  ASSERT_EQ(Enroll(state, Token("acme", 1)).exit_code, 0);
  const fs::path identity = state / "identity";
  // Make its certificate 25 days into a 30-day life (same key, issued back then).
  auto ca = service::CertificateAuthority::Load(install() / "ca.pem", install() / "ca.key");
  ASSERT_TRUE(ca.ok()) << ca.status();
  std::ifstream key_in(identity / "device.key");
  const std::string old_key(std::istreambuf_iterator<char>(key_in), {});
  auto csr = config::NewCsrPem(old_key, "candor-agent");
  ASSERT_TRUE(csr.ok());
  const std::string id = DeviceId(state);
  auto aged = (*ca)->Issue(*csr,
                           {.common_name = id,
                            .uris = {"candor://tenant/acme/device/" + id},
                            .lifetime = std::chrono::hours(24 * 30)},
                           std::chrono::system_clock::now() - std::chrono::hours(24 * 25));
  ASSERT_TRUE(aged.ok()) << aged.status();
  std::ofstream(identity / "device.pem", std::ios::trunc) << aged->pem;

  const RunResult once = RunAgentOnce(AgentConfig(state));
  ASSERT_EQ(once.exit_code, 0) << once.err;
  EXPECT_THAT(once.err, HasSubstr("certificate renewed"));
  std::ifstream new_key_in(identity / "device.key");
  EXPECT_NE(std::string(std::istreambuf_iterator<char>(new_key_in), {}), old_key);
  std::ifstream cert_in(identity / "device.pem");
  auto validity =
      config::ReadCertificateValidity(std::string(std::istreambuf_iterator<char>(cert_in), {}));
  ASSERT_TRUE(validity.ok());
  EXPECT_GT(validity->not_after, std::chrono::system_clock::now() + std::chrono::hours(24 * 29));
  // Same device, same events stream.
  EXPECT_EQ(DeviceId(state), id);
  EXPECT_EQ(Devices("acme").size(), 1u);
}

TEST_F(EnrollmentTest, AnExpiredCertificateCannotConnect) {
  const fs::path state = dir_.path() / "laptop";
  ASSERT_EQ(Enroll(state, Token("acme", 1)).exit_code, 0);
  auto ca = service::CertificateAuthority::Load(install() / "ca.pem", install() / "ca.key");
  ASSERT_TRUE(ca.ok());
  std::ifstream key_in(state / "identity" / "device.key");
  auto csr = config::NewCsrPem(std::string(std::istreambuf_iterator<char>(key_in), {}), "x");
  const std::string id = DeviceId(state);
  auto expired = (*ca)->Issue(*csr,
                              {.common_name = id,
                               .uris = {"candor://tenant/acme/device/" + id},
                               .lifetime = std::chrono::hours(24 * 30)},
                              std::chrono::system_clock::now() - std::chrono::hours(24 * 31));
  ASSERT_TRUE(expired.ok());
  std::ofstream(state / "identity" / "device.pem", std::ios::trunc) << expired->pem;
  auto stub = DeviceStub(state / "identity", server_->port());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto stream = stub->Connect(&context);
  v1::AgentMessage hello;
  hello.mutable_hello();
  stream->Write(hello);
  v1::ServerMessage reply;
  EXPECT_FALSE(stream->Read(&reply));
  const grpc::Status status = stream->Finish();
  EXPECT_NE(status.error_code(), grpc::StatusCode::OK);  // the TLS handshake fails
  EXPECT_TRUE(ExportEvents(install() / "server.yaml").empty());
}

}  // namespace
}  // namespace candor::testing
