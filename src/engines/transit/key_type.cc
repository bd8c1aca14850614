#include "engines/transit/key_type.h"

#include <array>
#include <string>
#include <utility>

namespace arca::engines::transit {
namespace {

constexpr std::array<std::pair<KeyType, std::string_view>, 12> kNames = {{
    {KeyType::kAes128Gcm96, "aes128-gcm96"},
    {KeyType::kAes256Gcm96, "aes256-gcm96"},
    {KeyType::kChaCha20Poly1305, "chacha20-poly1305"},
    {KeyType::kXChaCha20Poly1305, "xchacha20-poly1305"},
    {KeyType::kEd25519, "ed25519"},
    {KeyType::kEcdsaP256, "ecdsa-p256"},
    {KeyType::kEcdsaP384, "ecdsa-p384"},
    {KeyType::kEcdsaP521, "ecdsa-p521"},
    {KeyType::kRsa2048, "rsa-2048"},
    {KeyType::kRsa3072, "rsa-3072"},
    {KeyType::kRsa4096, "rsa-4096"},
    {KeyType::kHmac, "hmac"},
}};

}  // namespace

Result<KeyType> ParseKeyType(std::string_view name) {
  for (const auto& [type, n] : kNames) {
    if (n == name) return type;
  }
  return InvalidRequest("unknown key type: " + std::string(name));
}

std::string_view KeyTypeName(KeyType type) {
  for (const auto& [t, n] : kNames) {
    if (t == type) return n;
  }
  return "unknown";
}

bool IsAead(KeyType type) {
  return type == KeyType::kAes128Gcm96 || type == KeyType::kAes256Gcm96 ||
         type == KeyType::kChaCha20Poly1305 || type == KeyType::kXChaCha20Poly1305;
}

bool IsEcdsa(KeyType type) {
  return type == KeyType::kEcdsaP256 || type == KeyType::kEcdsaP384 || type == KeyType::kEcdsaP521;
}

bool IsRsa(KeyType type) {
  return type == KeyType::kRsa2048 || type == KeyType::kRsa3072 || type == KeyType::kRsa4096;
}

bool IsAsymmetric(KeyType type) {
  return type == KeyType::kEd25519 || IsEcdsa(type) || IsRsa(type);
}

bool SupportsEncryption(KeyType type) { return IsAead(type) || IsRsa(type); }
bool SupportsSigning(KeyType type) { return IsAsymmetric(type); }
bool SupportsDerivation(KeyType type) { return IsAead(type) || type == KeyType::kEd25519; }

size_t SymmetricKeySize(KeyType type) {
  if (type == KeyType::kAes128Gcm96) return 16;
  return IsAead(type) ? 32 : 0;
}

size_t NonceSize(KeyType type) {
  if (type == KeyType::kXChaCha20Poly1305) return 24;
  return IsAead(type) ? 12 : 0;
}

}  // namespace arca::engines::transit
