#include "crypto/gf256.h"

#include <gtest/gtest.h>

namespace arca::crypto::gf256 {
namespace {

// Straightforward (branching) reference multiplication, for tests only.
uint8_t ReferenceMul(uint8_t a, uint8_t b) {
  unsigned product = 0;
  for (int i = 0; i < 8; ++i) {
    if (b & (1u << i)) product ^= static_cast<unsigned>(a) << i;
  }
  for (int bit = 14; bit >= 8; --bit) {
    if (product & (1u << bit)) product ^= 0x11bu << (bit - 8);
  }
  return static_cast<uint8_t>(product);
}

TEST(Gf256Test, Fips197Examples) {
  EXPECT_EQ(Mul(0x57, 0x83), 0xc1);  // FIPS-197 section 4.2
  EXPECT_EQ(Mul(0x57, 0x13), 0xfe);  // FIPS-197 section 4.2.1
  EXPECT_EQ(Inv(0x53), 0xca);        // FIPS-197 section 5.1.1
  EXPECT_EQ(Inv(0xca), 0x53);
}

TEST(Gf256Test, MulMatchesReferenceForAllPairs) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      ASSERT_EQ(Mul(a, b), ReferenceMul(a, b)) << a << " * " << b;
    }
  }
}

TEST(Gf256Test, InverseOfEveryNonZeroElement) {
  EXPECT_EQ(Inv(0), 0);
  EXPECT_EQ(Inv(1), 1);
  for (int a = 1; a < 256; ++a) {
    ASSERT_EQ(Mul(a, Inv(a)), 1) << a;
    ASSERT_EQ(Div(a, a), 1) << a;
    ASSERT_EQ(Div(Mul(a, 0x1d), 0x1d), a) << a;
  }
}

TEST(Gf256Test, AddIsXor) {
  EXPECT_EQ(Add(0x57, 0x83), 0xd4);
  EXPECT_EQ(Add(0xff, 0xff), 0);
}

}  // namespace
}  // namespace arca::crypto::gf256
