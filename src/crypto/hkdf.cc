#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "crypto/openssl_util.h"

namespace arca::crypto {

namespace {

// Fetched once per process and never freed.
EVP_KDF* HkdfImpl() {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

void* Mutable(const void* p) { return const_cast<void*>(p); }

}  // namespace

Result<SecureBytes> HkdfSha256(std::span<const uint8_t> key, std::string_view salt,
                               std::string_view info, size_t out_len) {
  if (key.empty()) return InvalidRequest("HKDF input key material must not be empty");
  if (out_len == 0 || out_len > kHkdfSha256MaxOutput) {
    return InvalidRequest("HKDF-SHA256 output length must be between 1 and 8160 bytes");
  }
  EVP_KDF* kdf = HkdfImpl();
  if (kdf == nullptr) return Internal("HKDF is not available: " + internal::DrainOpenSslErrors());
  internal::KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  if (!ctx) return Internal("HKDF failed: " + internal::DrainOpenSslErrors());

  // OpenSSL only reads these parameters; the const_casts satisfy its C signatures.
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA2-256"), 0);
  params[n++] =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, Mutable(key.data()), key.size());
  if (!salt.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, Mutable(salt.data()), salt.size());
  }
  if (!info.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, Mutable(info.data()), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();

  SecureBytes out(out_len);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return Internal("HKDF failed: " + internal::DrainOpenSslErrors());
  }
  return out;
}

}  // namespace arca::crypto
