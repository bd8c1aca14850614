// Helpers for crypto/ tests only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/encoding.h"

namespace arca::crypto::testing {

// Decodes a hex literal; fails the test on bad hex.
inline std::string Unhex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.has_value()) << "bad hex in test: " << hex;
  return bytes ? *bytes : std::string();
}

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace arca::crypto::testing
