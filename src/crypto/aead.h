// Authenticated encryption: AES-GCM (OpenSSL 3 EVP) with 12-byte nonces and 16-byte tags.
//
// Sealed layout (the barrier, keyring and transit build their own formats on top of this):
//     nonce (12 bytes) || ciphertext (same length as the plaintext) || tag (16 bytes)
//
// Keys are 16, 24 or 32 bytes (AES-128/192/256-GCM); any other length is
// InvalidRequest("AES-GCM key must be 16, 24 or 32 bytes") from every function here.
//
// Thread-safety: all functions are thread-safe; each call uses its own cipher context.
// Memory: plaintext copies made internally are wiped on failure; the returned plaintext is
// the caller's to wipe (SecureWipe) when it holds a secret.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/context_pool.h"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX

namespace arca::crypto {

inline constexpr size_t kGcmNonceSize = 12;
inline constexpr size_t kGcmTagSize = 16;
inline constexpr size_t kGcmOverhead = kGcmNonceSize + kGcmTagSize;

// Encrypts `plaintext` under `key` with a fresh random nonce, authenticating `aad` as well.
// Internal error only if OpenSSL or the CSPRNG fails.
Result<std::string> AesGcmSeal(std::span<const uint8_t> key, std::string_view plaintext,
                               std::string_view aad);

// Decrypts the output of AesGcmSeal / AesGcmSealWithNonce. Any tampering with nonce, ciphertext
// or tag, a wrong key, a different `aad`, or input shorter than kGcmOverhead fails with
// InvalidRequest("message authentication failed"); no unauthenticated plaintext is returned.
Result<std::string> AesGcmOpen(std::span<const uint8_t> key, std::string_view sealed,
                               std::string_view aad);

// As AesGcmSeal but with a caller-chosen nonce, which must be exactly 12 bytes
// (InvalidRequest otherwise). The caller must never reuse a nonce with the same key for a
// different plaintext (convergent encryption derives it from the plaintext).
Result<std::string> AesGcmSealWithNonce(std::span<const uint8_t> key, std::string_view nonce12,
                                        std::string_view plaintext, std::string_view aad);

// One AES-GCM key for many operations (transit keys): the key schedule is set up once, and each
// operation takes a pooled context that only needs its nonce. Results are identical to the
// functions above with the same key. Contexts are freed, their key schedules cleansed, with the
// object. Thread-safety: Seal/SealWithNonce/Open may be called concurrently.
class AesGcmKey {
 public:
  // InvalidRequest for a key that is not 16, 24 or 32 bytes.
  static Result<std::unique_ptr<AesGcmKey>> Create(std::span<const uint8_t> key);
  ~AesGcmKey();
  AesGcmKey(const AesGcmKey&) = delete;
  AesGcmKey& operator=(const AesGcmKey&) = delete;

  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  Result<std::string> SealWithNonce(std::string_view nonce12, std::string_view plaintext,
                                    std::string_view aad) const;
  Result<std::string> Open(std::string_view sealed, std::string_view aad) const;

 private:
  static constexpr size_t kMaxPooled = 64;  // per direction; more concurrent users allocate
  AesGcmKey();
  // A context keyed for `encrypt` (or decryption): a pooled one, else a copy of the template.
  ::evp_cipher_ctx_st* Acquire(bool encrypt) const;

  ::evp_cipher_ctx_st* enc_template_ = nullptr;  // keyed; only copied
  ::evp_cipher_ctx_st* dec_template_ = nullptr;
  mutable ContextPool<::evp_cipher_ctx_st> enc_pool_, dec_pool_;
};

}  // namespace arca::crypto
