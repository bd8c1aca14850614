#include "crypto/hkdf.h"

#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"
#include "crypto/test_util.h"

namespace arca::crypto {
namespace {

using testing::AsBytes;
using testing::Unhex;

const std::string kIkm(22, '\x0b');

TEST(HkdfTest, Rfc5869Case1) {
  const std::string salt = Unhex("000102030405060708090a0b0c");
  const std::string info = Unhex("f0f1f2f3f4f5f6f7f8f9");
  auto okm = HkdfSha256(AsBytes(kIkm), salt, info, 42);
  ASSERT_TRUE(okm.has_value()) << okm.error().ToString();
  EXPECT_EQ(HexEncode(okm->view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HkdfTest, Rfc5869Case3EmptySaltAndInfo) {
  auto okm = HkdfSha256(AsBytes(kIkm), "", "", 42);
  ASSERT_TRUE(okm.has_value()) << okm.error().ToString();
  EXPECT_EQ(HexEncode(okm->view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfTest, EmptySaltEqualsZeroSalt) {
  auto a = HkdfSha256(AsBytes(kIkm), "", "ctx", 32);
  auto b = HkdfSha256(AsBytes(kIkm), std::string(32, '\0'), "ctx", 32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->view(), b->view());
}

TEST(HkdfTest, InfoSeparatesOutputs) {
  auto a = HkdfSha256(AsBytes(kIkm), "salt", "context-a", 32);
  auto b = HkdfSha256(AsBytes(kIkm), "salt", "context-b", 32);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->view(), b->view());
}

TEST(HkdfTest, ShorterOutputIsPrefixOfLonger) {
  auto short_okm = HkdfSha256(AsBytes(kIkm), "salt", "info", 16);
  auto long_okm = HkdfSha256(AsBytes(kIkm), "salt", "info", kHkdfSha256MaxOutput);
  ASSERT_TRUE(short_okm && long_okm);
  EXPECT_EQ(long_okm->size(), kHkdfSha256MaxOutput);
  EXPECT_EQ(long_okm->view().substr(0, 16), short_okm->view());
}

TEST(HkdfTest, RejectsBadArguments) {
  struct Case {
    std::string_view label;
    std::string key;
    size_t out_len;
  };
  const Case cases[] = {
      {"empty key", "", 32},
      {"zero length", kIkm, 0},
      {"too long", kIkm, kHkdfSha256MaxOutput + 1},
  };
  for (const auto& c : cases) {
    auto okm = HkdfSha256(AsBytes(c.key), "salt", "info", c.out_len);
    ASSERT_FALSE(okm.has_value()) << c.label;
    EXPECT_EQ(okm.error().kind(), ErrorKind::kInvalidRequest) << c.label;
  }
}

}  // namespace
}  // namespace arca::crypto
