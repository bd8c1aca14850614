// Asymmetric transit keys (Ed25519, ECDSA P-256/384/521, RSA 2048/3072/4096) through OpenSSL 3
// EVP: generation, (de)serialisation, signing and verification, RSA-OAEP encryption.
//
// Private keys are stored as PKCS#8 DER. Formats returned to clients follow Vault:
//   public key on read/export: Ed25519 base64 of the raw 32 bytes; ECDSA/RSA PEM "PUBLIC KEY"
//   signing-key export: Ed25519 base64(seed || public) (64 bytes); ECDSA PEM "EC PRIVATE KEY";
//                       RSA PEM "RSA PRIVATE KEY"
//
// Thread-safety: an EVP_PKEY is only read after construction; every call uses its own contexts,
// so one PkeyPtr may be shared by all threads. Failures: bad input -> InvalidRequest, OpenSSL
// failure -> Internal.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "engines/transit/key_type.h"

namespace arca::engines::transit {

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

// A fresh private key of `type`, as PKCS#8 DER.
Result<SecureBytes> GenerateAsymmetricKey(KeyType type);
// Parses PKCS#8 DER and checks that the key matches `type`.
Result<PkeyPtr> ParsePrivateKey(KeyType type, std::span<const uint8_t> der);
// Ed25519 key from a 32-byte seed (derived signing keys).
Result<PkeyPtr> Ed25519FromSeed(std::span<const uint8_t> seed);
// PKCS#8 DER of a key (for storage after import).
Result<SecureBytes> PrivateKeyDer(EVP_PKEY* key);

Result<std::string> PublicKeyText(KeyType type, EVP_PKEY* key);
Result<std::string> PrivateKeyText(KeyType type, EVP_PKEY* key);

struct SignOptions {
  crypto::HashAlgorithm hash = crypto::HashAlgorithm::kSha256;
  bool hash_none = false;  // hash_algorithm "none" (RSA PKCS#1 v1.5 over a prehashed input)
  bool prehashed = false;  // input is already the digest
  bool pss = true;         // RSA: PSS (default) or PKCS#1 v1.5
  int salt_length = -2;    // RSA-PSS: -2 auto (max on sign, detected on verify), -1 hash
  bool jws = false;        // ECDSA: r||s fixed width instead of ASN.1 DER
};

Result<std::string> Sign(KeyType type, EVP_PKEY* key, std::string_view input,
                         const SignOptions& opts);
// False for a signature that does not verify (including malformed ones).
Result<bool> Verify(KeyType type, EVP_PKEY* key, std::string_view input, std::string_view signature,
                    const SignOptions& opts);

// RSA-OAEP with `md` (default SHA-256) for both OAEP and MGF1, as Vault encrypts with RSA keys
// and unwraps BYOK imports.
Result<std::string> RsaOaepEncrypt(EVP_PKEY* key, std::string_view plaintext,
                                   const EVP_MD* md = nullptr);
// Any failure to decrypt is InvalidRequest("failed to RSA decrypt the ciphertext").
Result<std::string> RsaOaepDecrypt(EVP_PKEY* key, std::string_view ciphertext,
                                   const EVP_MD* md = nullptr);

// The EVP_MD of a Vault hash algorithm (fetched once; never null for supported names).
const EVP_MD* DigestFor(crypto::HashAlgorithm alg);

}  // namespace arca::engines::transit
