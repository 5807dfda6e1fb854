// The CA: it signs only a request's key, with the names, use and lifetime it chooses.

#include "service/pki/certificate_authority.h"

#include <fstream>
#include <set>
#include <string>

#include "config/keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

candor::testing::RunResult Openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  return candor::testing::Run(args);
}

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = CertificateAuthority::Create("Test CA", std::chrono::hours(24 * 365), now_);
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = std::move(*ca);
    std::ofstream(dir_.path() / "ca.pem") << ca_->cert_pem();
  }
  std::string Text(const std::string& pem) {
    std::ofstream(dir_.path() / "cert.pem") << pem;
    return Openssl({"x509", "-noout", "-text", "-in", (dir_.path() / "cert.pem").string()}).out;
  }
  bool Verifies(const std::string& pem) {
    std::ofstream(dir_.path() / "cert.pem") << pem;
    return Openssl({"verify", "-CAfile", (dir_.path() / "ca.pem").string(),
                    (dir_.path() / "cert.pem").string()})
               .exit_code == 0;
  }

  const std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
  candor::testing::TempDir dir_;
  std::unique_ptr<CertificateAuthority> ca_;
};

TEST_F(CertificateAuthorityTest, IssuesWhatItChoosesNotWhatTheRequestAsks) {
  const fs::path key = dir_.path() / "k.pem";
  const fs::path csr = dir_.path() / "r.csr";
  ASSERT_EQ(Openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                     key.string()})
                .exit_code,
            0);
  // Device A asks to be device B, and a CA.
  ASSERT_EQ(Openssl({"req", "-new", "-key", key.string(), "-subj", "/CN=victim", "-addext",
                     "subjectAltName=URI:candor://tenant/beta/device/victim", "-addext",
                     "basicConstraints=critical,CA:TRUE", "-out", csr.string()})
                .exit_code,
            0);
  auto issued = ca_->Issue(Read(csr),
                           {.common_name = "d1",
                            .uris = {"candor://tenant/acme/device/d1"},
                            .lifetime = std::chrono::hours(24 * 30)},
                           now_);
  ASSERT_TRUE(issued.ok()) << issued.status();
  const std::string text = Text(issued->pem);
  EXPECT_THAT(text, HasSubstr("URI:candor://tenant/acme/device/d1"));
  EXPECT_THAT(text, Not(HasSubstr("victim")));
  EXPECT_THAT(text, HasSubstr("CA:FALSE"));
  EXPECT_THAT(text, HasSubstr("TLS Web Client Authentication"));
  EXPECT_TRUE(Verifies(issued->pem));
  auto validity = config::ReadCertificateValidity(issued->pem);
  ASSERT_TRUE(validity.ok());
  EXPECT_NEAR(std::chrono::duration<double>(validity->not_after - now_).count(), 30 * 86400.0, 2);
  EXPECT_LT(validity->not_before, now_);  // a minute of clock skew allowed
  EXPECT_EQ(issued->serial.size(), 32u);

  // Every serial is 16 octets (32 hex digits) and new, whatever the random bytes: before,
  // a zero top octet (one in 128) gave a shorter one.
  std::set<std::string> serials;
  for (int i = 0; i < 400; ++i) {
    auto again = ca_->Issue(Read(csr), {.common_name = "d1"}, now_);
    ASSERT_TRUE(again.ok()) << again.status();
    ASSERT_EQ(again->serial.size(), 32u) << again->serial;
    EXPECT_TRUE(serials.insert(again->serial).second) << again->serial;
  }
}

TEST_F(CertificateAuthorityTest, RefusesBadRequests) {
  const LeafSpec spec{.common_name = "d1", .uris = {"candor://tenant/acme/device/d1"}};
  EXPECT_EQ(ca_->Issue("not pem", spec, now_).status().code(), absl::StatusCode::kInvalidArgument);
  // An RSA key.
  const fs::path rsa = dir_.path() / "rsa.pem";
  ASSERT_EQ(Openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                     rsa.string()})
                .exit_code,
            0);
  const fs::path csr = dir_.path() / "rsa.csr";
  ASSERT_EQ(Openssl({"req", "-new", "-key", rsa.string(), "-subj", "/CN=x", "-out", csr.string()})
                .exit_code,
            0);
  EXPECT_THAT(ca_->Issue(Read(csr), spec, now_).status().message(), HasSubstr("EC P-256"));
  // A request whose signature does not match its key: the key of one, the body of another.
  auto key = config::NewPrivateKeyPem();
  auto good = config::NewCsrPem(*key, "a");
  ASSERT_TRUE(good.ok());
  std::string tampered = *good;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ca_->Issue(tampered, spec, now_).ok());
  // Names that would break the extension syntax.
  EXPECT_FALSE(ca_->Issue(*good, {.uris = {"candor://x,URI:evil"}}, now_).ok());
}

TEST_F(CertificateAuthorityTest, LoadsItsFilesAndRefusesAMismatchedKey) {
  std::ofstream(dir_.path() / "ca.key") << ca_->key_pem();
  auto loaded = CertificateAuthority::Load(dir_.path() / "ca.pem", dir_.path() / "ca.key");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->cert_pem(), ca_->cert_pem());
  auto other = config::NewPrivateKeyPem();
  std::ofstream(dir_.path() / "other.key") << *other;
  EXPECT_THAT(CertificateAuthority::Load(dir_.path() / "ca.pem", dir_.path() / "other.key")
                  .status()
                  .message(),
              HasSubstr("is not the key of"));
  EXPECT_FALSE(CertificateAuthority::Load(dir_.path() / "none.pem", dir_.path() / "ca.key").ok());
}

TEST(KeysTest, KeysRequestsAndValidity) {
  auto key = config::NewPrivateKeyPem();
  ASSERT_TRUE(key.ok());
  EXPECT_THAT(*key, HasSubstr("BEGIN PRIVATE KEY"));
  auto csr = config::NewCsrPem(*key, "candor-agent");
  ASSERT_TRUE(csr.ok());
  EXPECT_THAT(*csr, HasSubstr("BEGIN CERTIFICATE REQUEST"));
  EXPECT_FALSE(config::NewCsrPem("nonsense", "x").ok());
  EXPECT_FALSE(config::ReadCertificateValidity("nonsense").ok());
}

}  // namespace
}  // namespace candor::service
