#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include "common/secure_bytes.h"
#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace arca::crypto {

namespace {

constexpr char kAuthFailed[] = "message authentication failed";
// EVP update calls take an int length; feed larger inputs in pieces.
constexpr size_t kMaxChunk = size_t{1} << 30;

// AES-GCM ciphers fetched once per process and never freed.
const EVP_CIPHER* GcmCipher(size_t key_size) {
  static EVP_CIPHER* aes128 = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  static EVP_CIPHER* aes192 = EVP_CIPHER_fetch(nullptr, "AES-192-GCM", nullptr);
  static EVP_CIPHER* aes256 = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  switch (key_size) {
    case 16:
      return aes128;
    case 24:
      return aes192;
    case 32:
      return aes256;
    default:
      return nullptr;
  }
}

Result<const EVP_CIPHER*> CipherForKey(std::span<const uint8_t> key) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    return InvalidRequest("AES-GCM key must be 16, 24 or 32 bytes");
  }
  const EVP_CIPHER* cipher = GcmCipher(key.size());
  if (cipher == nullptr)
    return Internal("AES-GCM is not available: " + internal::DrainOpenSslErrors());
  return cipher;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Runs `in` through an initialised GCM context (encrypting or decrypting) into `out`, which has
// room for in.size() bytes. Returns false on an OpenSSL failure.
bool UpdateAll(EVP_CIPHER_CTX* ctx, bool encrypt, std::string_view in, unsigned char* out) {
  size_t done = 0;
  while (done < in.size()) {
    const size_t chunk = std::min(in.size() - done, kMaxChunk);
    int written = 0;
    const int ok = encrypt ? EVP_EncryptUpdate(ctx, out + done, &written, Bytes(in) + done,
                                               static_cast<int>(chunk))
                           : EVP_DecryptUpdate(ctx, out + done, &written, Bytes(in) + done,
                                               static_cast<int>(chunk));
    if (ok != 1 || static_cast<size_t>(written) != chunk) return false;
    done += chunk;
  }
  return true;
}

// Feeds additional authenticated data (output pointer null).
bool AddAad(EVP_CIPHER_CTX* ctx, bool encrypt, std::string_view aad) {
  size_t done = 0;
  while (done < aad.size()) {
    const size_t chunk = std::min(aad.size() - done, kMaxChunk);
    int written = 0;
    const int ok =
        encrypt
            ? EVP_EncryptUpdate(ctx, nullptr, &written, Bytes(aad) + done, static_cast<int>(chunk))
            : EVP_DecryptUpdate(ctx, nullptr, &written, Bytes(aad) + done, static_cast<int>(chunk));
    if (ok != 1) return false;
    done += chunk;
  }
  return true;
}

// Seals into nonce || ciphertext || tag with `ctx`: a fresh context given `cipher` and `key`, or
// a keyed one (both null) that only takes the nonce.
Result<std::string> SealWith(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* cipher, const uint8_t* key,
                             std::string_view nonce12, std::string_view plaintext,
                             std::string_view aad) {
  if (nonce12.size() != kGcmNonceSize) {
    return InvalidRequest("AES-GCM nonce must be 12 bytes");
  }
  std::string out(kGcmOverhead + plaintext.size(), '\0');
  std::copy(nonce12.begin(), nonce12.end(), out.begin());
  auto* ct = reinterpret_cast<unsigned char*>(out.data()) + kGcmNonceSize;
  auto* tag = ct + plaintext.size();
  int final_len = 0;
  // The default IV length of GCM in OpenSSL is 12 bytes, so no SET_IVLEN is needed.
  if (!ctx || EVP_EncryptInit_ex2(ctx, cipher, key, Bytes(nonce12), nullptr) != 1 ||
      !AddAad(ctx, true, aad) || !UpdateAll(ctx, true, plaintext, ct) ||
      EVP_EncryptFinal_ex(ctx, tag, &final_len) != 1 || final_len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kGcmTagSize, tag) != 1) {
    return Internal("AES-GCM encryption failed: " + internal::DrainOpenSslErrors());
  }
  return out;
}

// Opens nonce || ciphertext || tag; `ctx`, `cipher` and `key` as for SealWith.
Result<std::string> OpenWith(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* cipher, const uint8_t* key,
                             std::string_view sealed, std::string_view aad) {
  if (sealed.size() < kGcmOverhead) return InvalidRequest(kAuthFailed);
  const std::string_view nonce = sealed.substr(0, kGcmNonceSize);
  const std::string_view ct = sealed.substr(kGcmNonceSize, sealed.size() - kGcmOverhead);
  // SET_TAG takes a non-const pointer; copy the tag rather than cast constness away.
  unsigned char tag[kGcmTagSize];
  std::copy_n(sealed.end() - kGcmTagSize, kGcmTagSize, tag);

  std::string plaintext(ct.size(), '\0');
  auto* pt = reinterpret_cast<unsigned char*>(plaintext.data());
  if (!ctx || EVP_DecryptInit_ex2(ctx, cipher, key, Bytes(nonce), nullptr) != 1 ||
      !AddAad(ctx, false, aad) || !UpdateAll(ctx, false, ct, pt) ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag) != 1) {
    SecureWipe(plaintext);
    return Internal("AES-GCM decryption failed: " + internal::DrainOpenSslErrors());
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx, pt + ct.size(), &final_len) != 1 || final_len != 0) {
    SecureWipe(plaintext);
    internal::DrainOpenSslErrors();  // leave no stale entries in this thread's error queue
    return InvalidRequest(kAuthFailed);
  }
  return plaintext;
}

}  // namespace

Result<std::string> AesGcmSealWithNonce(std::span<const uint8_t> key, std::string_view nonce12,
                                        std::string_view plaintext, std::string_view aad) {
  ARCA_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherForKey(key));
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  return SealWith(ctx.get(), cipher, key.data(), nonce12, plaintext, aad);
}

Result<std::string> AesGcmSeal(std::span<const uint8_t> key, std::string_view plaintext,
                               std::string_view aad) {
  char nonce[kGcmNonceSize];
  ARCA_RETURN_IF_ERROR(RandomBytes({reinterpret_cast<uint8_t*>(nonce), sizeof(nonce)}));
  return AesGcmSealWithNonce(key, {nonce, sizeof(nonce)}, plaintext, aad);
}

Result<std::string> AesGcmOpen(std::span<const uint8_t> key, std::string_view sealed,
                               std::string_view aad) {
  ARCA_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherForKey(key));
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  return OpenWith(ctx.get(), cipher, key.data(), sealed, aad);
}

AesGcmKey::AesGcmKey()
    : enc_pool_(EVP_CIPHER_CTX_free, kMaxPooled), dec_pool_(EVP_CIPHER_CTX_free, kMaxPooled) {}

Result<std::unique_ptr<AesGcmKey>> AesGcmKey::Create(std::span<const uint8_t> key) {
  ARCA_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherForKey(key));
  std::unique_ptr<AesGcmKey> k(new AesGcmKey());
  k->enc_template_ = EVP_CIPHER_CTX_new();
  k->dec_template_ = EVP_CIPHER_CTX_new();
  if (k->enc_template_ == nullptr || k->dec_template_ == nullptr ||
      EVP_EncryptInit_ex2(k->enc_template_, cipher, key.data(), nullptr, nullptr) != 1 ||
      EVP_DecryptInit_ex2(k->dec_template_, cipher, key.data(), nullptr, nullptr) != 1) {
    return Internal("AES-GCM key setup failed: " + internal::DrainOpenSslErrors());
  }
  return k;
}

AesGcmKey::~AesGcmKey() {
  // EVP_CIPHER_CTX_free cleanses the key schedules (the pools free theirs).
  EVP_CIPHER_CTX_free(enc_template_);
  EVP_CIPHER_CTX_free(dec_template_);
}

EVP_CIPHER_CTX* AesGcmKey::Acquire(bool encrypt) const {
  if (EVP_CIPHER_CTX* c = (encrypt ? enc_pool_ : dec_pool_).Take()) return c;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  if (c != nullptr && EVP_CIPHER_CTX_copy(c, encrypt ? enc_template_ : dec_template_) != 1) {
    EVP_CIPHER_CTX_free(c);
    c = nullptr;
  }
  return c;
}

Result<std::string> AesGcmKey::SealWithNonce(std::string_view nonce12, std::string_view plaintext,
                                             std::string_view aad) const {
  EVP_CIPHER_CTX* ctx = Acquire(true);
  auto out = SealWith(ctx, nullptr, nullptr, nonce12, plaintext, aad);
  enc_pool_.Give(ctx);
  return out;
}

Result<std::string> AesGcmKey::Seal(std::string_view plaintext, std::string_view aad) const {
  char nonce[kGcmNonceSize];
  ARCA_RETURN_IF_ERROR(RandomBytes({reinterpret_cast<uint8_t*>(nonce), sizeof(nonce)}));
  return SealWithNonce({nonce, sizeof(nonce)}, plaintext, aad);
}

Result<std::string> AesGcmKey::Open(std::string_view sealed, std::string_view aad) const {
  EVP_CIPHER_CTX* ctx = Acquire(false);
  auto out = OpenWith(ctx, nullptr, nullptr, sealed, aad);
  dec_pool_.Give(ctx);
  return out;
}

}  // namespace arca::crypto
