// Cryptographic operations on one transit key (a Policy): encrypt/decrypt, HMAC, sign/verify,
// producing and reading Vault's "vault:v<N>:<base64>" strings.
//
// Derived keys, as Vault (keysutil, kdf "hkdf_sha256"): the working key of a version is the
// first key-size bytes of HKDF-SHA256(key, salt = none, info = context), context required (400
// when missing); for ed25519 the HKDF key is the 64-byte seed || public key and the output the
// derived seed. Convergent keys (version 3): the same stream is read for key size + 32 bytes,
// and the nonce is the first bytes of HMAC-SHA256(those last 32 bytes, plaintext), so equal
// plaintexts under the same context give equal ciphertexts. transit_kat_test.cc holds known
// answers computed outside Arca.
//
// Thread-safety: pure functions of a const Policy. Failures: user errors are InvalidRequest
// (400) with Vault's messages; OpenSSL failure is Internal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/hash.h"
#include "engines/transit/asymmetric.h"
#include "engines/transit/policy.h"

namespace arca::engines::transit {

// `version` 0 = latest (subject to min_encryption_version); the version used goes to
// *used_version. `plaintext` and `context` are raw bytes (already base64-decoded).
Result<std::string> EncryptValue(const Policy& p, std::string_view plaintext,
                                 std::string_view context, std::string_view aad, int64_t version,
                                 int64_t* used_version);
// Decrypts "vault:v<N>:...". The result is the caller's to wipe.
Result<std::string> DecryptValue(const Policy& p, std::string_view ciphertext,
                                 std::string_view context, std::string_view aad,
                                 int64_t* used_version);

Result<std::string> HmacValue(const Policy& p, crypto::HashAlgorithm alg, std::string_view input,
                              int64_t version, int64_t* used_version);
Result<bool> VerifyHmacValue(const Policy& p, crypto::HashAlgorithm alg, std::string_view input,
                             std::string_view hmac_text);

Result<std::string> SignValue(const Policy& p, std::string_view input, std::string_view context,
                              const SignOptions& opts, int64_t version, int64_t* used_version);
Result<bool> VerifySignatureValue(const Policy& p, std::string_view input,
                                  std::string_view signature_text, std::string_view context,
                                  const SignOptions& opts);

}  // namespace arca::engines::transit
