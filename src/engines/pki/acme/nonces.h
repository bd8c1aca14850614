// Replay nonces (RFC 8555 §6.5): random, single use, short-lived, kept in memory per mount (as
// Vault does: a restart invalidates outstanding nonces and clients retry on badNonce).
//
// Thread-safety: all members are safe to call concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace arca::pki::acme {

class NonceStore {
 public:
  using Clock = std::chrono::steady_clock;
  explicit NonceStore(std::chrono::seconds lifetime = std::chrono::minutes(15),
                      size_t capacity = 100000)
      : lifetime_(lifetime), capacity_(capacity) {}

  // A fresh nonce (128 random bits, base64url). When the store is full, expired nonces are
  // dropped first, then the oldest half.
  std::string Issue();
  // True once for a nonce that was issued and has not expired; it is consumed.
  bool Consume(std::string_view nonce);
  size_t size() const;

 private:
  void PruneLocked(Clock::time_point now);

  const std::chrono::seconds lifetime_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Clock::time_point> expiry_;  // guarded by mu_
};

}  // namespace arca::pki::acme
