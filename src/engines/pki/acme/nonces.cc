#include "engines/pki/acme/nonces.h"

#include <algorithm>
#include <vector>

#include "common/encoding.h"
#include "crypto/random.h"

namespace arca::pki::acme {

std::string NonceStore::Issue() {
  std::string nonce = Base64UrlEncode(crypto::RandomBytesString(16));
  const Clock::time_point now = Clock::now();
  std::lock_guard lock(mu_);
  if (expiry_.size() >= capacity_) PruneLocked(now);
  expiry_[nonce] = now + lifetime_;
  return nonce;
}

bool NonceStore::Consume(std::string_view nonce) {
  std::lock_guard lock(mu_);
  auto it = expiry_.find(std::string(nonce));
  if (it == expiry_.end()) return false;
  const bool fresh = it->second > Clock::now();
  expiry_.erase(it);
  return fresh;
}

size_t NonceStore::size() const {
  std::lock_guard lock(mu_);
  return expiry_.size();
}

void NonceStore::PruneLocked(Clock::time_point now) {
  std::erase_if(expiry_, [now](const auto& e) { return e.second <= now; });
  if (expiry_.size() < capacity_) return;
  std::vector<Clock::time_point> times;
  times.reserve(expiry_.size());
  for (const auto& [_, t] : expiry_) times.push_back(t);
  auto mid = times.begin() + times.size() / 2;
  std::nth_element(times.begin(), mid, times.end());
  const Clock::time_point cutoff = *mid;
  std::erase_if(expiry_, [cutoff](const auto& e) { return e.second <= cutoff; });
}

}  // namespace arca::pki::acme
