// The key encoding (order-preserving, '/'-preserving, reversible) and Vault's key split.
#include "storage/postgresql/pg_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace arca::storage::postgresql {
namespace {

TEST(PgKeys, PrintableKeysAreStoredAsTheyAre) {
  EXPECT_EQ(EncodeKey("logical/1f2e/secret~x"), "logical/1f2e/secret~x");
  EXPECT_EQ(DecodeKey("logical/1f2e/secret~x"), "logical/1f2e/secret~x");
}

TEST(PgKeys, EscapesBytesTextCannotHold) {
  EXPECT_EQ(EncodeKey(std::string("a\0b", 3)), std::string("a\x01\x01" "b", 4));
  EXPECT_EQ(EncodeKey("\x01"), std::string("\x01\x02"));
  EXPECT_EQ(EncodeKey("\x7f"), std::string("\x7f" "00"));
  EXPECT_EQ(EncodeKey("\xff"), std::string("\x7f" "80"));
  EXPECT_EQ(EncodeKey("\xc3\xa9"), std::string("\x7f" "44" "\x7f" "2:"));
  for (char c : EncodeKey(std::string("\0\x01\x7f\x80\xfe\xff/", 7))) {
    EXPECT_NE(c, '\0');
    EXPECT_LT(static_cast<unsigned char>(c), 0x80);
  }
}

TEST(PgKeys, RandomKeysRoundTripAndKeepTheirOrder) {
  std::mt19937 rng(7);
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) {
    std::string k(rng() % 6, '\0');
    // Bias towards the interesting bytes.
    static const unsigned char kBytes[] = {0x00, 0x01, 0x02, '/', '0', 'a', 0x7e, 0x7f, 0x80, 0xff};
    for (char& c : k) c = static_cast<char>(rng() % 3 == 0 ? rng() % 256 : kBytes[rng() % 10]);
    keys.push_back(k);
  }
  for (const std::string& k : keys) {
    const std::string e = EncodeKey(k);
    ASSERT_EQ(DecodeKey(e), k);
    EXPECT_EQ(std::count(e.begin(), e.end(), '/'), std::count(k.begin(), k.end(), '/'));
  }
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    const std::string& a = keys[i];
    const std::string& b = keys[i + 1];
    EXPECT_EQ(a < b, EncodeKey(a) < EncodeKey(b)) << i;
    EXPECT_EQ(a == b, EncodeKey(a) == EncodeKey(b)) << i;
  }
}

TEST(PgKeys, SplitsAsVaultDoes) {
  auto s = Split("foo");
  EXPECT_EQ(s.parent_path, "");
  EXPECT_EQ(s.path, "/");
  EXPECT_EQ(s.key, "foo");
  s = Split("a/c");
  EXPECT_EQ(s.parent_path, "/");
  EXPECT_EQ(s.path, "/a/");
  EXPECT_EQ(s.key, "c");
  s = Split("a/b/c");
  EXPECT_EQ(s.parent_path, "/a/");
  EXPECT_EQ(s.path, "/a/b/");
  EXPECT_EQ(s.key, "c");
  s = Split("core/lock/x/y/z");
  EXPECT_EQ(s.parent_path, "/core/lock/x/");
  EXPECT_EQ(s.path, "/core/lock/x/y/");
  EXPECT_EQ(s.key, "z");
  s = Split("a/");  // a key ending in '/': an empty key column
  EXPECT_EQ(s.parent_path, "/");
  EXPECT_EQ(s.path, "/a/");
  EXPECT_EQ(s.key, "");
  s = Split("/x");
  EXPECT_EQ(s.parent_path, "/");
  EXPECT_EQ(s.path, "//");
  EXPECT_EQ(s.key, "x");
  for (const char* k : {"foo", "a/c", "a/b/c", "a/", "/x", "a//b"}) {
    const SplitKey p = Split(k);
    EXPECT_EQ(Join(p.path, p.key), k);
  }
}

TEST(PgKeys, PrefixEnd) {
  EXPECT_EQ(PrefixEnd("/a/"), "/a0");
  EXPECT_EQ(PrefixEnd("/"), "0");
  EXPECT_LT(std::string("/a/\x7f" "80"), PrefixEnd("/a/"));
}

}  // namespace
}  // namespace arca::storage::postgresql
