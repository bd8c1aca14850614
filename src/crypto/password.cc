#include "crypto/password.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fmt/format.h>

#include "crypto/random.h"

namespace arca::crypto {
namespace {

// A uniform random index in [0, n) without modulo bias. REQUIRES: 0 < n <= 256.
size_t UniformIndex(size_t n) {
  const unsigned limit = 256 - (256 % n);  // accept bytes below a multiple of n
  for (;;) {
    std::array<uint8_t, 16> buf;
    if (!RandomBytes(buf).has_value()) continue;
    for (uint8_t b : buf) {
      if (b < limit) return b % n;
    }
  }
}

std::string Dedup(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (out.find(c) == std::string::npos) out.push_back(c);
  }
  return out;
}

}  // namespace

const PasswordPolicy& DefaultPasswordPolicy() {
  static const PasswordPolicy kDefault{
      20,
      {{"abcdefghijklmnopqrstuvwxyz", 1},
       {"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1},
       {"0123456789", 1},
       {"-", 1}}};
  return kDefault;
}

Status ValidatePasswordPolicy(const PasswordPolicy& p) {
  if (p.length < 4 || p.length > 100) {
    return InvalidRequest(fmt::format("password length must be between 4 and 100, got {}", p.length));
  }
  if (p.rules.empty()) return InvalidRequest("a password policy needs at least one charset rule");
  int total = 0;
  for (const auto& r : p.rules) {
    if (r.charset.empty()) return InvalidRequest("a charset rule has an empty charset");
    for (unsigned char c : r.charset) {
      if (c < 0x21 || c > 0x7e) {
        return InvalidRequest("charsets may only hold printable ASCII characters");
      }
    }
    if (r.min_chars < 0) return InvalidRequest("min-chars must not be negative");
    total += r.min_chars;
  }
  if (total > p.length) {
    return InvalidRequest(fmt::format(
        "the rules' min-chars add up to {}, more than the password length {}", total, p.length));
  }
  return {};
}

Result<std::string> GeneratePassword(const PasswordPolicy& p) {
  ARCA_RETURN_IF_ERROR(ValidatePasswordPolicy(p));
  std::string all;
  for (const auto& r : p.rules) all += r.charset;
  all = Dedup(all);
  std::string out;
  out.reserve(p.length);
  for (const auto& r : p.rules) {
    const std::string cs = Dedup(r.charset);
    for (int i = 0; i < r.min_chars; ++i) out.push_back(cs[UniformIndex(cs.size())]);
  }
  while (static_cast<int>(out.size()) < p.length) out.push_back(all[UniformIndex(all.size())]);
  for (size_t i = out.size() - 1; i > 0; --i) std::swap(out[i], out[UniformIndex(i + 1)]);
  return out;
}

}  // namespace arca::crypto
