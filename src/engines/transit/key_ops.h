// Cryptographic operations on one transit key (a Policy): encrypt/decrypt, HMAC, sign/verify,
// producing and reading Vault's "vault:v<N>:<base64>" strings.
//
// Derived keys: the working key of a version is HKDF-SHA256(key, salt = "", info = context),
// context required (400 when missing). Convergent keys (version 3): the nonce is the first
// bytes of HMAC-SHA256(version HMAC key, context || plaintext), so equal plaintexts under the
// same context give equal ciphertexts.
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
