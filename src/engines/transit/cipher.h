// The AEAD ciphers of transit keys, all laid out as Vault writes them:
//     nonce || ciphertext || tag(16)
// with a 12-byte nonce (AES-GCM, ChaCha20-Poly1305) or a 24-byte one (XChaCha20-Poly1305).
//
// AES-GCM comes from crypto/aead.h. ChaCha20-Poly1305 is OpenSSL's EVP cipher. XChaCha20-Poly1305
// (draft-irtf-cfrg-xchacha), which OpenSSL 3.0 lacks, is libsodium's
// crypto_aead_xchacha20poly1305_ietf.
//
// Thread-safety: all functions are thread-safe. Failures: a wrong key length, a bad nonce
// length -> InvalidRequest; tampering or a wrong key/aad on open ->
// InvalidRequest("cipher: message authentication failed"); OpenSSL failure -> Internal.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "crypto/aead.h"
#include "engines/transit/key_type.h"

namespace arca::engines::transit {

// Encrypts with `nonce` (NonceSize(type) bytes) or, when empty, a fresh random nonce. For the
// AES-GCM types, `prepared` (when given) is `key` with its schedule set up already and is used
// instead of it.
Result<std::string> AeadSeal(KeyType type, std::span<const uint8_t> key, std::string_view nonce,
                             std::string_view plaintext, std::string_view aad,
                             const crypto::AesGcmKey* prepared = nullptr);
Result<std::string> AeadOpen(KeyType type, std::span<const uint8_t> key, std::string_view sealed,
                             std::string_view aad, const crypto::AesGcmKey* prepared = nullptr);

}  // namespace arca::engines::transit
