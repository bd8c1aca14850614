#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include <array>
#include <utility>

#include "crypto/openssl_util.h"

namespace arca::crypto {

namespace {

// One keyless HMAC context per digest, with the digest already set. Each call duplicates its
// template instead of looking the digest up by name again. Built once (thread-safe static init),
// only read afterwards, never freed. A null entry means HMAC with that digest is unavailable.
struct Templates {
  std::array<EVP_MAC_CTX*, internal::kAllHashAlgorithms.size()> ctx{};
  Templates() {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    for (size_t i = 0; mac != nullptr && i < internal::kAllHashAlgorithms.size(); ++i) {
      EVP_MAC_CTX* c = EVP_MAC_CTX_new(mac);
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(
              OSSL_MAC_PARAM_DIGEST,
              const_cast<char*>(internal::OpenSslDigestName(internal::kAllHashAlgorithms[i])), 0),
          OSSL_PARAM_construct_end(),
      };
      if (c != nullptr && EVP_MAC_CTX_set_params(c, params) != 1) {
        EVP_MAC_CTX_free(c);
        c = nullptr;
      }
      ctx[i] = c;
    }
    EVP_MAC_free(mac);  // each context holds its own reference
    ERR_clear_error();  // a missing digest is reported when it is used
  }
};

const EVP_MAC_CTX* TemplateFor(HashAlgorithm alg) {
  static const Templates* templates = new Templates();
  for (size_t i = 0; i < internal::kAllHashAlgorithms.size(); ++i) {
    if (internal::kAllHashAlgorithms[i] == alg) return templates->ctx[i];
  }
  return nullptr;
}

}  // namespace

Result<std::string> Hmac(HashAlgorithm alg, std::span<const uint8_t> key, std::string_view data) {
  const EVP_MAC_CTX* tmpl = TemplateFor(alg);
  if (tmpl == nullptr) {
    return Internal("HMAC-" + std::string(HashAlgorithmName(alg)) + " is not available");
  }
  // EVP_MAC_CTX_dup takes a non-const pointer but only reads the template.
  internal::MacCtxPtr ctx(EVP_MAC_CTX_dup(const_cast<EVP_MAC_CTX*>(tmpl)));
  // OpenSSL wants a non-null key pointer even for an empty key.
  static const uint8_t kNoKey = 0;
  const uint8_t* key_ptr = key.empty() ? &kNoKey : key.data();
  std::string out(DigestSize(alg), '\0');
  size_t out_len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key_ptr, key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &out_len,
                    out.size()) != 1 ||
      out_len != out.size()) {
    return Internal("HMAC-" + std::string(HashAlgorithmName(alg)) +
                    " failed: " + internal::DrainOpenSslErrors());
  }
  return out;
}

std::string HmacSha256(std::span<const uint8_t> key, std::string_view data) {
  auto mac = Hmac(HashAlgorithm::kSha256, key, data);
  if (!mac) internal::FatalCryptoError("HMAC-SHA256 failed");
  return std::move(*mac);
}

HmacSha256Keyed::HmacSha256Keyed(std::span<const uint8_t> key)
    : pool_(EVP_MAC_CTX_free, kMaxPooled) {
  const EVP_MAC_CTX* tmpl = TemplateFor(HashAlgorithm::kSha256);
  static const uint8_t kNoKey = 0;
  keyed_ = tmpl ? EVP_MAC_CTX_dup(const_cast<EVP_MAC_CTX*>(tmpl)) : nullptr;
  if (keyed_ == nullptr ||
      EVP_MAC_init(keyed_, key.empty() ? &kNoKey : key.data(), key.size(), nullptr) != 1) {
    internal::FatalCryptoError("HMAC-SHA256 key setup failed");
  }
}

HmacSha256Keyed::~HmacSha256Keyed() { EVP_MAC_CTX_free(keyed_); }

std::string HmacSha256Keyed::Sum(std::string_view data) const {
  EVP_MAC_CTX* ctx = pool_.Take();
  // A duplicate of the keyed context carries the key's pad states; EVP_MAC_init without a key
  // restarts from them.
  if (ctx == nullptr) ctx = EVP_MAC_CTX_dup(keyed_);
  std::string out(32, '\0');
  size_t out_len = 0;
  if (ctx == nullptr || EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, reinterpret_cast<unsigned char*>(out.data()), &out_len, out.size()) !=
          1 ||
      out_len != out.size()) {
    internal::FatalCryptoError("HMAC-SHA256 failed");
  }
  pool_.Give(ctx);
  return out;
}

}  // namespace arca::crypto
