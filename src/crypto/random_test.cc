#include "crypto/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

namespace arca::crypto {
namespace {

TEST(RandomTest, RandomBytesFillsTheSpan) {
  std::vector<uint8_t> buf(64, 0);
  ASSERT_TRUE(RandomBytes(buf).has_value());
  // 64 zero bytes from a working CSPRNG has probability 2^-512.
  EXPECT_TRUE(std::any_of(buf.begin(), buf.end(), [](uint8_t b) { return b != 0; }));
}

TEST(RandomTest, EmptySpanSucceeds) { EXPECT_TRUE(RandomBytes({}).has_value()); }

TEST(RandomTest, SizesAreExact) {
  for (size_t n : {0, 1, 12, 16, 32, 1000}) {
    EXPECT_EQ(RandomKey(n).size(), n);
    EXPECT_EQ(RandomBytesString(n).size(), n);
  }
}

TEST(RandomTest, OutputsDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(seen.insert(RandomBytesString(16)).second);
    EXPECT_TRUE(seen.insert(std::string(RandomKey(16).view())).second);
  }
}

TEST(RandomTest, BytesAreRoughlyUniform) {
  // Every byte value appears in 64 KiB of output (expected 256 times each; a missing value has
  // probability about 256 * e^-256).
  const std::string bytes = RandomBytesString(65536);
  std::vector<int> counts(256, 0);
  for (unsigned char c : bytes) ++counts[c];
  EXPECT_TRUE(std::all_of(counts.begin(), counts.end(), [](int n) { return n > 100; }));
}

}  // namespace
}  // namespace arca::crypto
