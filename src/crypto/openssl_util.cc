#include "crypto/openssl_util.h"

#include <openssl/err.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace arca::crypto::internal {

namespace {

// Fetched once and intentionally never freed: they live for the whole process.
struct DigestTable {
  std::array<EVP_MD*, kAllHashAlgorithms.size()> md{};
  DigestTable() {
    for (size_t i = 0; i < kAllHashAlgorithms.size(); ++i) {
      md[i] = EVP_MD_fetch(nullptr, OpenSslDigestName(kAllHashAlgorithms[i]), nullptr);
    }
    ERR_clear_error();  // a missing algorithm is reported when it is used
  }
};

}  // namespace

const char* OpenSslDigestName(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha1:
      return "SHA1";
    case HashAlgorithm::kSha224:
      return "SHA2-224";
    case HashAlgorithm::kSha256:
      return "SHA2-256";
    case HashAlgorithm::kSha384:
      return "SHA2-384";
    case HashAlgorithm::kSha512:
      return "SHA2-512";
    case HashAlgorithm::kSha3_224:
      return "SHA3-224";
    case HashAlgorithm::kSha3_256:
      return "SHA3-256";
    case HashAlgorithm::kSha3_384:
      return "SHA3-384";
    case HashAlgorithm::kSha3_512:
      return "SHA3-512";
  }
  return "";
}

const EVP_MD* FetchedDigest(HashAlgorithm alg) {
  static const DigestTable* table = new DigestTable();
  for (size_t i = 0; i < kAllHashAlgorithms.size(); ++i) {
    if (kAllHashAlgorithms[i] == alg) return table->md[i];
  }
  return nullptr;
}

std::string DrainOpenSslErrors() {
  std::string out;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

void FatalCryptoError(const char* what) {
  std::fprintf(stderr, "arca crypto: fatal: %s: %s\n", what, DrainOpenSslErrors().c_str());
  std::abort();
}

}  // namespace arca::crypto::internal
