#include "service/pki/certificate_authority.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/keys.h"
#include "config/openssl_handles.h"
#include "config/read_file.h"

namespace candor::service {
namespace {

using config::openssl::Bio;
using config::openssl::Cert;
using config::openssl::Drain;
using config::openssl::Key;
using config::openssl::ReadBio;
using config::openssl::Req;
using config::openssl::WriteBio;

std::string CertPem(X509* cert) {
  Bio out = WriteBio();
  PEM_write_bio_X509(out.get(), cert);
  return Drain(out.get());
}

// Adds an extension given in OpenSSL's configuration syntax.
bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A random positive serial of 16 octets, as RFC 5280 asks (at most 20 octets,
// unpredictable): 126 random bits under a fixed leading 01, so the top octet is never zero
// and every serial is 32 hex digits (with a zero top octet, one in 128 was shorter).
bool SetRandomSerial(X509* cert, std::string& hex) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x3f) | 0x40);
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
  char* text = BN_bn2hex(bn);
  hex = text;
  OPENSSL_free(text);
  const bool ok = X509_set_serialNumber(cert, serial) == 1;
  ASN1_INTEGER_free(serial);
  BN_free(bn);
  return ok;
}

bool SetValidity(X509* cert, std::chrono::system_clock::time_point now,
                 std::chrono::seconds lifetime) {
  const time_t start = std::chrono::system_clock::to_time_t(now) - 60;
  const time_t end = std::chrono::system_clock::to_time_t(now + lifetime);
  return ASN1_TIME_set(X509_getm_notBefore(cert), start) != nullptr &&
         ASN1_TIME_set(X509_getm_notAfter(cert), end) != nullptr;
}

bool SetCommonName(X509_NAME* name, const std::string& common_name) {
  return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                    -1, 0) == 1;
}

// A name for a SAN: printable ASCII without the separators of OpenSSL's syntax.
bool SafeForSan(const std::string& value) {
  if (value.empty() || value.size() > 255) return false;
  for (char c : value) {
    if (c <= 0x20 || c >= 0x7f || c == ',') return false;
  }
  return true;
}

}  // namespace

struct CertificateAuthority::Keys {
  Key key;
  Cert cert;
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<Keys> keys, std::string cert_pem)
    : keys_(std::move(keys)), cert_pem_(std::move(cert_pem)) {}

CertificateAuthority::~CertificateAuthority() = default;

absl::StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::Load(
    const std::filesystem::path& cert_path, const std::filesystem::path& key_path) {
  absl::StatusOr<std::string> cert_pem =
      config::ReadBoundedFile(cert_path, config::kMaxPemBytes, "ca.cert");
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem =
      config::ReadBoundedFile(key_path, config::kMaxPemBytes, "ca.key");
  if (!key_pem.ok()) return key_pem.status();
  auto keys = std::make_unique<Keys>();
  Bio cert_in = ReadBio(*cert_pem);
  keys->cert.reset(PEM_read_bio_X509(cert_in.get(), nullptr, nullptr, nullptr));
  Bio key_in = ReadBio(*key_pem);
  keys->key.reset(PEM_read_bio_PrivateKey(key_in.get(), nullptr, nullptr, nullptr));
  if (keys->cert == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(cert_path.string(), ": not a PEM certificate"));
  }
  if (keys->key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(key_path.string(), ": not a PEM private key"));
  }
  if (X509_check_private_key(keys->cert.get(), keys->key.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_path.string(), " is not the key of ", cert_path.string()));
  }
  if (X509_check_ca(keys->cert.get()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(cert_path.string(), " is not a CA certificate"));
  }
  return std::unique_ptr<CertificateAuthority>(
      new CertificateAuthority(std::move(keys), std::move(*cert_pem)));
}

absl::StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::Create(
    const std::string& name, std::chrono::seconds lifetime, TimePoint now) {
  auto keys = std::make_unique<Keys>();
  keys->key.reset(EVP_EC_gen("P-256"));
  keys->cert.reset(X509_new());
  X509* cert = keys->cert.get();
  std::string serial;
  if (keys->key == nullptr || X509_set_version(cert, X509_VERSION_3) != 1 ||
      !SetRandomSerial(cert, serial) || !SetValidity(cert, now, lifetime) ||
      !SetCommonName(X509_get_subject_name(cert), name) ||
      X509_set_issuer_name(cert, X509_get_subject_name(cert)) != 1 ||
      X509_set_pubkey(cert, keys->key.get()) != 1 ||
      !AddExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !AddExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !AddExtension(cert, cert, NID_subject_key_identifier, "hash") ||
      X509_sign(cert, keys->key.get(), EVP_sha256()) == 0) {
    return absl::InternalError("cannot create the CA certificate");
  }
  std::string pem = CertPem(cert);
  return std::unique_ptr<CertificateAuthority>(
      new CertificateAuthority(std::move(keys), std::move(pem)));
}

std::string CertificateAuthority::key_pem() const {
  Bio out = WriteBio();
  PEM_write_bio_PrivateKey(out.get(), keys_->key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return Drain(out.get());
}

absl::StatusOr<IssuedCertificate> CertificateAuthority::Issue(const std::string& csr_pem,
                                                              const LeafSpec& spec,
                                                              TimePoint now) const {
  if (csr_pem.size() > 16 * 1024) {
    return absl::InvalidArgumentError("the certificate request is larger than 16 KiB");
  }
  Bio in = ReadBio(csr_pem);
  Req req(PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr));
  if (req == nullptr) return absl::InvalidArgumentError("not a PEM certificate request");
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(req.get());
  if (public_key == nullptr || X509_REQ_verify(req.get(), public_key) != 1) {
    return absl::InvalidArgumentError("the certificate request's signature does not verify");
  }
  char curve[64] = {0};
  size_t curve_length = 0;
  if (EVP_PKEY_get_base_id(public_key) != EVP_PKEY_EC ||
      EVP_PKEY_get_utf8_string_param(public_key, "group", curve, sizeof curve, &curve_length) !=
          1 ||
      (std::string(curve) != "prime256v1" && std::string(curve) != "secp384r1")) {
    return absl::InvalidArgumentError("the request's key must be EC P-256 or P-384");
  }
  std::vector<std::string> names;
  for (const std::string& uri : spec.uris) {
    if (!SafeForSan(uri)) return absl::InvalidArgumentError("unsafe URI name");
    names.push_back("URI:" + uri);
  }
  for (const std::string& dns : spec.dns) {
    if (!SafeForSan(dns)) return absl::InvalidArgumentError("unsafe DNS name");
    names.push_back("DNS:" + dns);
  }
  for (const std::string& ip : spec.ips) {
    if (!SafeForSan(ip)) return absl::InvalidArgumentError("unsafe IP address");
    names.push_back("IP:" + ip);
  }
  Cert cert(X509_new());
  IssuedCertificate issued;
  X509* leaf = cert.get();
  X509* issuer = keys_->cert.get();
  const bool client = spec.use == LeafSpec::Use::kClient;
  if (X509_set_version(leaf, X509_VERSION_3) != 1 || !SetRandomSerial(leaf, issued.serial) ||
      !SetValidity(leaf, now, spec.lifetime) ||
      !SetCommonName(X509_get_subject_name(leaf), spec.common_name) ||
      X509_set_issuer_name(leaf, X509_get_subject_name(issuer)) != 1 ||
      X509_set_pubkey(leaf, public_key) != 1 ||
      !AddExtension(leaf, issuer, NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(leaf, issuer, NID_key_usage, "critical,digitalSignature") ||
      !AddExtension(leaf, issuer, NID_ext_key_usage, client ? "clientAuth" : "serverAuth") ||
      !AddExtension(leaf, issuer, NID_authority_key_identifier, "keyid:always") ||
      (!names.empty() &&
       !AddExtension(leaf, issuer, NID_subject_alt_name, absl::StrJoin(names, ","))) ||
      X509_sign(leaf, keys_->key.get(), EVP_sha256()) == 0) {
    return absl::InternalError("cannot sign the certificate");
  }
  issued.pem = CertPem(leaf);
  issued.not_after = now + spec.lifetime;
  return issued;
}

}  // namespace candor::service
