#include "engines/transit/cipher.h"

#include <openssl/evp.h>

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

const EVP_CIPHER* ChaCha() {
  static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr);
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

uint32_t Load32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
void Store32(uint8_t* p, uint32_t v) {
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

// For XChaCha20: the subkey and the 12-byte inner nonce of a 24-byte nonce.
Result<std::pair<SecureBytes, std::string>> XChaChaInner(std::span<const uint8_t> key,
                                                         std::string_view nonce24) {
  ARCA_ASSIGN_OR_RETURN(SecureBytes subkey, HChaCha20(key, nonce24.substr(0, 16)));
  std::string inner(4, '\0');
  inner.append(nonce24.substr(16, 8));
  return std::pair{std::move(subkey), std::move(inner)};
}

}  // namespace

Result<SecureBytes> HChaCha20(std::span<const uint8_t> key, std::string_view nonce16) {
  if (key.size() != 32 || nonce16.size() != 16) {
    return InvalidRequest("HChaCha20 needs a 32-byte key and a 16-byte nonce");
  }
  // EVP ChaCha20's 16-byte IV is the state's words 12..15 (counter || nonce), so IV = nonce16
  // gives exactly HChaCha20's input state.
  static const unsigned char kZero[64] = {};
  unsigned char block[64];
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || ChaCha() == nullptr ||
      EVP_EncryptInit_ex2(ctx.get(), ChaCha(), key.data(), Bytes(nonce16), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), block, &len, kZero, sizeof(kZero)) != 1 || len != 64) {
    return Internal("chacha20 keystream failed");
  }
  static constexpr uint32_t kSigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
  SecureBytes out(32);
  for (int i = 0; i < 4; ++i) {
    Store32(out.data() + 4 * i, Load32(block + 4 * i) - kSigma[i]);
    Store32(out.data() + 16 + 4 * i, Load32(block + 48 + 4 * i) - Load32(Bytes(nonce16) + 4 * i));
  }
  OPENSSL_cleanse(block, sizeof(block));
  return out;
}

Result<std::string> AeadSeal(KeyType type, std::span<const uint8_t> key, std::string_view nonce,
                             std::string_view plaintext, std::string_view aad) {
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
      return crypto::AesGcmSealWithNonce(key, nonce, plaintext, aad);
    case KeyType::kChaCha20Poly1305: {
      ARCA_ASSIGN_OR_RETURN(std::string body, ChaChaSealRaw(key, nonce, plaintext, aad));
      return std::string(nonce) + body;
    }
    default: {  // XChaCha20-Poly1305
      ARCA_ASSIGN_OR_RETURN(auto inner, XChaChaInner(key, nonce));
      ARCA_ASSIGN_OR_RETURN(std::string body,
                            ChaChaSealRaw(inner.first.span(), inner.second, plaintext, aad));
      return std::string(nonce) + body;
    }
  }
}

Result<std::string> AeadOpen(KeyType type, std::span<const uint8_t> key, std::string_view sealed,
                             std::string_view aad) {
  const size_t nonce_size = NonceSize(type);
  if (nonce_size == 0) return InvalidRequest("key type does not support decryption");
  if (key.size() != SymmetricKeySize(type)) return InvalidRequest("invalid key size");
  if (sealed.size() < nonce_size + kTagSize) return InvalidRequest(kAuthFailed);
  switch (type) {
    case KeyType::kAes128Gcm96:
    case KeyType::kAes256Gcm96: {
      auto r = crypto::AesGcmOpen(key, sealed, aad);
      if (!r && r.error().kind() == ErrorKind::kInvalidRequest) return InvalidRequest(kAuthFailed);
      return r;
    }
    case KeyType::kChaCha20Poly1305:
      return ChaChaOpenRaw(key, sealed.substr(0, nonce_size), sealed.substr(nonce_size), aad);
    default: {
      ARCA_ASSIGN_OR_RETURN(auto inner, XChaChaInner(key, sealed.substr(0, nonce_size)));
      return ChaChaOpenRaw(inner.first.span(), inner.second, sealed.substr(nonce_size), aad);
    }
  }
}

}  // namespace arca::engines::transit
