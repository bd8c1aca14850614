#include "common/uuid.h"

#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>
#include <random>

namespace arca {

namespace {

std::string FormatUuid(uint8_t* b) {
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  static constexpr char kHex[] = "0123456789abcdef";
  char out[36];
  char* p = out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = kHex[b[i] >> 4];
    *p++ = kHex[b[i] & 15];
  }
  return std::string(out, sizeof(out));
}

}  // namespace

std::string GenerateUuid() {
  uint8_t b[16];
  if (RAND_bytes(b, sizeof(b)) != 1) std::abort();  // No randomness: never limp on.
  return FormatUuid(b);
}

std::string GenerateRequestId() {
  thread_local std::mt19937_64 rng = [] {
    uint64_t seed[2];
    if (RAND_bytes(reinterpret_cast<uint8_t*>(seed), sizeof(seed)) != 1) std::abort();
    std::seed_seq seq{seed[0], seed[1]};
    return std::mt19937_64(seq);
  }();
  uint64_t words[2] = {rng(), rng()};
  return FormatUuid(reinterpret_cast<uint8_t*>(words));
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace arca
