#include "config/keys.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "config/openssl_handles.h"

namespace candor::config {
namespace {

using openssl::Bio;
using openssl::Cert;
using openssl::Drain;
using openssl::Key;
using openssl::ReadBio;
using openssl::Req;
using openssl::WriteBio;

std::chrono::system_clock::time_point FromAsn1(const ASN1_TIME* time) {
  struct tm parts {};
  ASN1_TIME_to_tm(time, &parts);
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

}  // namespace

absl::StatusOr<std::string> NewPrivateKeyPem() {
  Key key(EVP_EC_gen("P-256"));
  if (key == nullptr) return absl::InternalError("cannot generate an EC P-256 key");
  Bio out = WriteBio();
  if (!PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) {
    return absl::InternalError("cannot write the key");
  }
  return Drain(out.get());
}

absl::StatusOr<std::string> NewCsrPem(const std::string& key_pem, const std::string& common_name) {
  Bio in = ReadBio(key_pem);
  Key key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) return absl::InvalidArgumentError("not a PEM private key");
  Req req(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                  -1, 0) ||
      !X509_REQ_set_pubkey(req.get(), key.get()) ||
      !X509_REQ_sign(req.get(), key.get(), EVP_sha256())) {
    return absl::InternalError("cannot make the certificate signing request");
  }
  Bio out = WriteBio();
  if (!PEM_write_bio_X509_REQ(out.get(), req.get())) {
    return absl::InternalError("cannot write the certificate signing request");
  }
  return Drain(out.get());
}

absl::StatusOr<CertificateValidity> ReadCertificateValidity(const std::string& pem) {
  Bio in = ReadBio(pem);
  Cert cert(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return absl::InvalidArgumentError("not a PEM certificate");
  return CertificateValidity{.not_before = FromAsn1(X509_get0_notBefore(cert.get())),
                             .not_after = FromAsn1(X509_get0_notAfter(cert.get()))};
}

absl::StatusOr<std::vector<std::string>> ReadCertificateUris(const std::string& pem) {
  Bio in = ReadBio(pem);
  Cert cert(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return absl::InvalidArgumentError("not a PEM certificate");
  std::vector<std::string> uris;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return uris;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    uris.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<size_t>(ASN1_STRING_length(uri)));
  }
  GENERAL_NAMES_free(names);
  return uris;
}

absl::StatusOr<bool> CertificateMatchesKey(const std::string& cert_pem,
                                           const std::string& key_pem) {
  Bio cert_in = ReadBio(cert_pem);
  Cert cert(PEM_read_bio_X509(cert_in.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return absl::InvalidArgumentError("not a PEM certificate");
  Bio key_in = ReadBio(key_pem);
  Key key(PEM_read_bio_PrivateKey(key_in.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) return absl::InvalidArgumentError("not a PEM private key");
  return X509_check_private_key(cert.get(), key.get()) == 1;
}

}  // namespace candor::config
