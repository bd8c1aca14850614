// Arithmetic in GF(2^8) with the AES reduction polynomial x^8 + x^4 + x^3 + x + 1 (0x11b), for
// Shamir's secret sharing. Addition and subtraction are XOR.
//
// Every operation runs in constant time: no branches on and no table lookups indexed by the
// operands, because the operands are secret bytes.
//
// Internal to crypto/ (exposed for tests). Thread-safety: pure functions.
#pragma once

#include <cstdint>

namespace arca::crypto::gf256 {

inline uint8_t Add(uint8_t a, uint8_t b) { return a ^ b; }

// a * b: shift-and-add with masks instead of branches.
inline uint8_t Mul(uint8_t a, uint8_t b) {
  uint8_t product = 0;
  for (int i = 0; i < 8; ++i) {
    const auto take = static_cast<uint8_t>(-(b & 1));  // 0xff if the low bit of b is set
    product ^= a & take;
    const auto carry = static_cast<uint8_t>(-(a >> 7));  // 0xff if a overflows on shift
    a = static_cast<uint8_t>((a << 1) ^ (0x1b & carry));
    b >>= 1;
  }
  return product;
}

// The multiplicative inverse, a^254 (a^255 = 1 for a != 0). Inv(0) is 0.
inline uint8_t Inv(uint8_t a) {
  // 254 = 0b11111110: square-and-multiply on a fixed schedule.
  uint8_t result = 1;
  uint8_t power = Mul(a, a);  // a^2
  for (int i = 0; i < 7; ++i) {
    result = Mul(result, power);  // accumulates a^2 * a^4 * ... * a^128
    power = Mul(power, power);
  }
  return result;
}

// a / b. Div(a, 0) is 0; callers never divide by zero.
inline uint8_t Div(uint8_t a, uint8_t b) { return Mul(a, Inv(b)); }

}  // namespace arca::crypto::gf256
