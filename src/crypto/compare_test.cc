#include "crypto/compare.h"

#include <gtest/gtest.h>

#include <string>

namespace arca::crypto {
namespace {

TEST(ConstantTimeEqualsTest, Table) {
  struct Case {
    std::string a;
    std::string b;
    bool equal;
  };
  const Case cases[] = {
      {"", "", true},
      {"a", "a", true},
      {"s.abcdefghijklmnop", "s.abcdefghijklmnop", true},
      {std::string("a\0b", 3), std::string("a\0b", 3), true},
      {std::string("a\0b", 3), std::string("a\0c", 3), false},
      {"xbcdef", "abcdef", false},  // differs in the first byte
      {"abcdex", "abcdef", false},  // differs in the last byte
      {"abc", "abcd", false},       // prefix: different lengths
      {"abcd", "abc", false},
      {"", "a", false},
      {"a", "", false},
      {std::string(4096, 'z'), std::string(4096, 'z'), true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ConstantTimeEquals(c.a, c.b), c.equal) << "'" << c.a << "' vs '" << c.b << "'";
  }
}

}  // namespace
}  // namespace arca::crypto
