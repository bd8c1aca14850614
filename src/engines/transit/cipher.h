// The AEAD ciphers of transit keys, all laid out as Vault writes them:
//     nonce || ciphertext || tag(16)
// with a 12-byte nonce (AES-GCM, ChaCha20-Poly1305) or a 24-byte one (XChaCha20-Poly1305).
//
// AES-GCM comes from crypto/aead.h. ChaCha20-Poly1305 is OpenSSL's EVP cipher. XChaCha20-Poly1305
// derives a subkey with HChaCha20 (computed from one EVP ChaCha20 keystream block: the block is
// the permuted state plus the input state, so the input words are subtracted back out) and then
// runs EVP ChaCha20-Poly1305 with nonce 0^4 || nonce[16..24] (draft-irtf-cfrg-xchacha).
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
#include "engines/transit/key_type.h"

namespace arca::engines::transit {

// Encrypts with `nonce` (NonceSize(type) bytes) or, when empty, a fresh random nonce.
Result<std::string> AeadSeal(KeyType type, std::span<const uint8_t> key, std::string_view nonce,
                             std::string_view plaintext, std::string_view aad);
Result<std::string> AeadOpen(KeyType type, std::span<const uint8_t> key, std::string_view sealed,
                             std::string_view aad);

// HChaCha20(key(32), nonce16) -> 32-byte subkey. Exposed for its test vector.
Result<SecureBytes> HChaCha20(std::span<const uint8_t> key, std::string_view nonce16);

}  // namespace arca::engines::transit
