#pragma once

// OpenSSL objects owned by std::unique_ptr, and memory BIOs to and from strings: what the
// key, CSR and CA code (config/keys.cc, service/pki/) share.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace candor::config::openssl {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Req = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;

// A read-only BIO over `text` (which must outlive it).
inline Bio ReadBio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

inline Bio WriteBio() { return Bio(BIO_new(BIO_s_mem())); }

// What was written to a memory BIO.
inline std::string Drain(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

}  // namespace candor::config::openssl
