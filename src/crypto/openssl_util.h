// Private helpers shared by the crypto/ implementation files: RAII owners for OpenSSL context
// objects, the fetched digest for each HashAlgorithm, and draining OpenSSL's error queue.
// Not for use outside src/crypto/.
//
// Thread-safety: the fetched algorithm objects are created once (thread-safe static init) and are
// immutable afterwards; they may be shared by all threads. Contexts are per call.
#pragma once

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <array>
#include <memory>
#include <string>

#include "crypto/hash.h"

namespace arca::crypto::internal {

// Every HashAlgorithm, for per-algorithm tables.
inline constexpr std::array kAllHashAlgorithms = {
    HashAlgorithm::kSha1,     HashAlgorithm::kSha224,   HashAlgorithm::kSha256,
    HashAlgorithm::kSha384,   HashAlgorithm::kSha512,   HashAlgorithm::kSha3_224,
    HashAlgorithm::kSha3_256, HashAlgorithm::kSha3_384, HashAlgorithm::kSha3_512,
};

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter>;

// OpenSSL's name for a digest ("SHA2-256", "SHA3-512", ...).
const char* OpenSslDigestName(HashAlgorithm alg);

// The digest implementation, fetched once from the default library context. Null if the
// provider does not offer it (e.g. SHA-1 under a restrictive FIPS configuration).
const EVP_MD* FetchedDigest(HashAlgorithm alg);

// Pops every queued OpenSSL error and returns them joined ("; "), or "unknown OpenSSL error".
std::string DrainOpenSslErrors();

// Writes "arca crypto: fatal: <what>" to stderr and aborts. For failures the API promises never
// to report (CSPRNG failure in RandomKey, digest failure in Sha256).
[[noreturn]] void FatalCryptoError(const char* what);

}  // namespace arca::crypto::internal
