#include "engines/transit/cipher.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <memory>

#include "crypto/aead.h"
#include "crypto/random.h"

namespace arca::engines::transit {
namespace {

constexpr size_t kTagSize = 16;
constexpr char kAuthFailed[] = "cipher: message authentication failed";

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

const EVP_CIPHER* ChaChaPoly() {
  static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  return c;
}

// ChaCha20-Poly1305 with a 12-byte nonce; output ciphertext || tag (no nonce).
Result<std::string> ChaChaSealRaw(std::span<const uint8_t> key, std::string_view nonce12,
                                  std::string_view plaintext, std::string_view aad) {
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  std::string out(plaintext.size() + kTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int fin = 0;
  if (!ctx || ChaChaPoly() == nullptr ||
      EVP_EncryptInit_ex2(ctx.get(), ChaChaPoly(), key.data(), Bytes(nonce12), nullptr) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), o, &len, Bytes(plaintext), static_cast<int>(plaintext.size())) !=
          1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize, o + plaintext.size()) != 1) {
    return Internal("chacha20-poly1305 encryption failed");
  }
  return out;
}

Result<std::string> ChaChaOpenRaw(std::span<const uint8_t> key, std::string_view nonce12,
                                  std::string_view ct_tag, std::string_view aad) {
  if (ct_tag.size() < kTagSize) return InvalidRequest(kAuthFailed);
  const size_t n = ct_tag.size() - kTagSize;
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  std::string out(n, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(ct_tag.substr(n));
  int len = 0;
  int fin = 0;
  if (!ctx || ChaChaPoly() == nullptr ||
      EVP_DecryptInit_ex2(ctx.get(), ChaChaPoly(), key.data(), Bytes(nonce12), nullptr) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), o, &len, Bytes(ct_tag), static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagSize, tag.data()) != 1) {
    SecureWipe(out);
    return Internal("chacha20-poly1305 decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), o + len, &fin) != 1) {
    SecureWipe(out);
    return InvalidRequest(kAuthFailed);
  }
  return out;
}

// libsodium must be initialised once before use (thread-safe; repeated calls are no-ops).
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// XChaCha20-Poly1305 (libsodium; OpenSSL 3.0 has no XChaCha) with a 24-byte nonce; output
// ciphertext || tag (no nonce).
Result<std::string> XChaChaSealRaw(std::span<const uint8_t> key, std::string_view nonce24,
                                   std::string_view plaintext, std::string_view aad) {
  if (!SodiumReady()) return Internal("libsodium could not be initialised");
  std::string out(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_encrypt(
          reinterpret_cast<unsigned char*>(out.data()), &len, Bytes(plaintext), plaintext.size(),
          Bytes(aad), aad.size(), nullptr, Bytes(nonce24), key.data()) != 0) {
    return Internal("xchacha20-poly1305 encryption failed");
  }
  out.resize(len);
  return out;
}

Result<std::string> XChaChaOpenRaw(std::span<const uint8_t> key, std::string_view nonce24,
                                   std::string_view ct_tag, std::string_view aad) {
  if (!SodiumReady()) return Internal("libsodium could not be initialised");
  if (ct_tag.size() < kTagSize) return InvalidRequest(kAuthFailed);
  std::string out(ct_tag.size() - kTagSize, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &len, nullptr, Bytes(ct_tag),
          ct_tag.size(), Bytes(aad), aad.size(), Bytes(nonce24), key.data()) != 0) {
    SecureWipe(out);
    return InvalidRequest(kAuthFailed);
  }
  out.resize(len);
  return out;
}

}  // namespace

Result<std::string> AeadSeal(KeyType type, std::span<const uint8_t> key, std::string_view nonce,
                             std::string_view plaintext, std::string_view aad,
                             const crypto::AesGcmKey* prepared) {
  const size_t nonce_size = NonceSize(type);
  if (nonce_size == 0) return InvalidRequest("key type does not support encryption");
  if (key.size() != SymmetricKeySize(type)) return InvalidRequest("invalid key size");
  std::string fresh;
  if (nonce.empty()) {
    fresh = crypto::RandomBytesString(nonce_size);
    nonce = fresh;
  }
  if (nonce.size() != nonce_size) return InvalidRequest("invalid nonce size");
  switch (type) {
    case KeyType::kAes128Gcm96:
    case KeyType::kAes256Gcm96:
      if (prepared) return prepared->SealWithNonce(nonce, plaintext, aad);
      return crypto::AesGcmSealWithNonce(key, nonce, plaintext, aad);
    case KeyType::kChaCha20Poly1305: {
      ARCA_ASSIGN_OR_RETURN(std::string body, ChaChaSealRaw(key, nonce, plaintext, aad));
      return std::string(nonce) + body;
    }
    default: {  // XChaCha20-Poly1305
      ARCA_ASSIGN_OR_RETURN(std::string body, XChaChaSealRaw(key, nonce, plaintext, aad));
      return std::string(nonce) + body;
    }
  }
}

Result<std::string> AeadOpen(KeyType type, std::span<const uint8_t> key, std::string_view sealed,
                             std::string_view aad, const crypto::AesGcmKey* prepared) {
  const size_t nonce_size = NonceSize(type);
  if (nonce_size == 0) return InvalidRequest("key type does not support decryption");
  if (key.size() != SymmetricKeySize(type)) return InvalidRequest("invalid key size");
  if (sealed.size() < nonce_size + kTagSize) return InvalidRequest(kAuthFailed);
  switch (type) {
    case KeyType::kAes128Gcm96:
    case KeyType::kAes256Gcm96: {
      auto r = prepared ? prepared->Open(sealed, aad) : crypto::AesGcmOpen(key, sealed, aad);
      if (!r && r.error().kind() == ErrorKind::kInvalidRequest) return InvalidRequest(kAuthFailed);
      return r;
    }
    case KeyType::kChaCha20Poly1305:
      return ChaChaOpenRaw(key, sealed.substr(0, nonce_size), sealed.substr(nonce_size), aad);
    default:
      return XChaChaOpenRaw(key, sealed.substr(0, nonce_size), sealed.substr(nonce_size), aad);
  }
}

}  // namespace arca::engines::transit
