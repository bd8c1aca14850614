// Message digests (SHA-1, SHA-2, SHA-3) through OpenSSL 3 EVP, named the way Vault names them.
//
// Thread-safety: all functions are thread-safe (no shared mutable state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arca::crypto {

enum class HashAlgorithm {
  kSha1,
  kSha224,
  kSha256,
  kSha384,
  kSha512,
  kSha3_224,
  kSha3_256,
  kSha3_384,
  kSha3_512,
};

// Parses Vault's algorithm names: "sha1", "sha2-224", "sha2-256", "sha2-384", "sha2-512",
// "sha3-224", "sha3-256", "sha3-384", "sha3-512" (exact, lower case). Anything else is
// InvalidRequest("unsupported hash algorithm: <name>").
Result<HashAlgorithm> ParseHashAlgorithm(std::string_view vault_name);

// The Vault name of an algorithm ("sha2-256"); inverse of ParseHashAlgorithm.
std::string_view HashAlgorithmName(HashAlgorithm alg);

// Digest length in bytes (20 for SHA-1, 32 for SHA-256, ...).
size_t DigestSize(HashAlgorithm alg);

// The raw digest of `data`. Internal error only if OpenSSL cannot provide the algorithm.
Result<std::string> Hash(HashAlgorithm alg, std::string_view data);

// The raw 32-byte SHA-256 digest of `data`. Aborts the process if OpenSSL fails (it cannot,
// short of a broken installation).
std::string Sha256(std::string_view data);

}  // namespace arca::crypto
