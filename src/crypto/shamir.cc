#include "crypto/shamir.h"

#include <array>
#include <utility>

#include "crypto/gf256.h"
#include "crypto/random.h"

namespace arca::crypto {

namespace {

constexpr int kMaxParts = 255;

// A uniformly random integer in [0, n), n >= 1, by rejection sampling.
Result<uint32_t> UniformBelow(uint32_t n) {
  const uint32_t limit = UINT32_MAX - (UINT32_MAX % n);  // multiple of n
  while (true) {
    uint32_t r = 0;
    ARCA_RETURN_IF_ERROR(RandomBytes({reinterpret_cast<uint8_t*>(&r), sizeof(r)}));
    if (r < limit) return r % n;
  }
}

// `parts` distinct x coordinates in 1..255, in random order (a partial Fisher-Yates shuffle).
// The x coordinates are public, so nothing here needs to be constant-time.
Result<std::vector<uint8_t>> RandomXCoordinates(int parts) {
  std::array<uint8_t, kMaxParts> xs;
  for (int i = 0; i < kMaxParts; ++i) xs[i] = static_cast<uint8_t>(i + 1);
  for (int i = 0; i < parts; ++i) {
    ARCA_ASSIGN_OR_RETURN(uint32_t offset, UniformBelow(static_cast<uint32_t>(kMaxParts - i)));
    std::swap(xs[i], xs[i + offset]);
  }
  return std::vector<uint8_t>(xs.begin(), xs.begin() + parts);
}

}  // namespace

Result<std::vector<SecureBytes>> ShamirSplit(std::span<const uint8_t> secret, int parts,
                                             int threshold) {
  if (secret.empty()) return InvalidRequest("cannot split an empty secret");
  if (parts < 1) return InvalidRequest("parts must be at least 1");
  if (parts > kMaxParts) return InvalidRequest("parts cannot exceed 255");
  if (threshold < 1) return InvalidRequest("threshold must be at least 1");
  if (parts < threshold) return InvalidRequest("parts cannot be less than threshold");

  ARCA_ASSIGN_OR_RETURN(std::vector<uint8_t> xs, RandomXCoordinates(parts));

  // For secret byte k the polynomial is secret[k] + c[k][1] x + ... + c[k][t-1] x^(t-1), with
  // c[k][d] stored at coefficients[k * degree + d - 1]; uniformly random, zero allowed.
  const size_t degree = static_cast<size_t>(threshold - 1);
  SecureBytes coefficients(secret.size() * degree);
  ARCA_RETURN_IF_ERROR(RandomBytes({coefficients.data(), coefficients.size()}));

  std::vector<SecureBytes> shares;
  shares.reserve(static_cast<size_t>(parts));
  for (uint8_t x : xs) {
    SecureBytes share(secret.size() + 1);
    for (size_t k = 0; k < secret.size(); ++k) {
      const uint8_t* c = coefficients.data() + k * degree;
      uint8_t y = 0;  // Horner's rule, highest coefficient first
      for (size_t d = degree; d >= 1; --d) y = gf256::Add(gf256::Mul(y, x), c[d - 1]);
      share[k] = gf256::Add(gf256::Mul(y, x), secret[k]);
    }
    share[secret.size()] = x;
    shares.push_back(std::move(share));
  }
  return shares;
}

Result<SecureBytes> ShamirCombine(std::span<const SecureBytes> shares) {
  if (shares.empty()) return InvalidRequest("at least one share is required");
  const size_t share_len = shares[0].size();
  if (share_len < 2) return InvalidRequest("shares must be at least 2 bytes long");
  std::array<bool, 256> seen{};
  std::vector<uint8_t> xs;
  xs.reserve(shares.size());
  for (const SecureBytes& share : shares) {
    if (share.size() != share_len) return InvalidRequest("all shares must be the same length");
    const uint8_t x = share[share_len - 1];
    if (x == 0) return InvalidRequest("invalid share: x coordinate must not be zero");
    if (seen[x]) return InvalidRequest("duplicate share");
    seen[x] = true;
    xs.push_back(x);
  }

  // Lagrange interpolation at x = 0: secret = sum_i y_i * prod_{j != i} x_j / (x_i - x_j),
  // where subtraction in GF(2^8) is XOR.
  const size_t secret_len = share_len - 1;
  SecureBytes secret(secret_len);
  for (size_t i = 0; i < shares.size(); ++i) {
    uint8_t basis = 1;
    for (size_t j = 0; j < shares.size(); ++j) {
      if (j == i) continue;
      basis = gf256::Mul(basis, gf256::Div(xs[j], gf256::Add(xs[i], xs[j])));
    }
    for (size_t k = 0; k < secret_len; ++k) {
      secret[k] = gf256::Add(secret[k], gf256::Mul(shares[i][k], basis));
    }
  }
  return secret;
}

}  // namespace arca::crypto
