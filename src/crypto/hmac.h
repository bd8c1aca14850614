// HMAC (RFC 2104) over the digests of hash.h, through OpenSSL 3's EVP_MAC.
//
// Keys may have any length, including zero. Thread-safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/context_pool.h"
#include "crypto/hash.h"

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX

namespace arca::crypto {

// The raw 32-byte HMAC-SHA256 of `data` under `key`. Aborts the process if OpenSSL fails (it
// cannot, short of a broken installation).
std::string HmacSha256(std::span<const uint8_t> key, std::string_view data);

// The raw HMAC of `data` under `key` with digest `alg` (DigestSize(alg) bytes). Internal error
// only if OpenSSL cannot provide the algorithm.
Result<std::string> Hmac(HashAlgorithm alg, std::span<const uint8_t> key, std::string_view data);

// HMAC-SHA256 under one fixed key, for callers that MAC many short strings with it (audit
// entries: a dozen per request). The key's inner and outer pad states are computed once; each
// Sum starts from a copy of them instead of setting the key up again. Contexts are pooled, and
// freed (OpenSSL cleanses them) with the object.
//
// Thread-safety: Sum may be called concurrently.
class HmacSha256Keyed {
 public:
  explicit HmacSha256Keyed(std::span<const uint8_t> key);
  ~HmacSha256Keyed();
  HmacSha256Keyed(const HmacSha256Keyed&) = delete;
  HmacSha256Keyed& operator=(const HmacSha256Keyed&) = delete;

  // The raw 32-byte MAC of `data`; the same as HmacSha256(key, data).
  std::string Sum(std::string_view data) const;

 private:
  static constexpr size_t kMaxPooled = 64;  // more concurrent users allocate
  ::evp_mac_ctx_st* keyed_;  // initialized with the key; only duplicated
  mutable ContextPool<::evp_mac_ctx_st> pool_;
};

}  // namespace arca::crypto
