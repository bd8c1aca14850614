// Transit key types: names as Vault spells them and what each type can do.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace arca::engines::transit {

enum class KeyType {
  kAes128Gcm96,
  kAes256Gcm96,
  kChaCha20Poly1305,
  kXChaCha20Poly1305,
  kEd25519,
  kEcdsaP256,
  kEcdsaP384,
  kEcdsaP521,
  kRsa2048,
  kRsa3072,
  kRsa4096,
  kHmac,
};

// "aes256-gcm96", "ecdsa-p256", ... Unknown names: InvalidRequest("unknown key type: <name>").
Result<KeyType> ParseKeyType(std::string_view name);
std::string_view KeyTypeName(KeyType type);

// Symmetric AEAD types (AES-GCM, ChaCha20-Poly1305, XChaCha20-Poly1305).
bool IsAead(KeyType type);
bool IsEcdsa(KeyType type);
bool IsRsa(KeyType type);
// Ed25519, ECDSA and RSA: a private key with a public half.
bool IsAsymmetric(KeyType type);

bool SupportsEncryption(KeyType type);  // AEAD types and RSA (OAEP)
bool SupportsSigning(KeyType type);     // ed25519, ecdsa, rsa
bool SupportsDerivation(KeyType type);  // AEAD types and ed25519

// Key length in bytes of an AEAD type (16 or 32); 0 for other types.
size_t SymmetricKeySize(KeyType type);
// AEAD nonce length in bytes: 12, or 24 for XChaCha20-Poly1305; 0 for other types.
size_t NonceSize(KeyType type);

}  // namespace arca::engines::transit
