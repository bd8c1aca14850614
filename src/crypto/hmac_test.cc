#include "crypto/hmac.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "crypto/test_util.h"

namespace arca::crypto {
namespace {

using testing::AsBytes;
using testing::Unhex;

struct HmacVector {
  std::string_view label;
  HashAlgorithm alg;
  std::string key;
  std::string data;
  std::string_view hex;
};

std::vector<HmacVector> Vectors() {
  const std::string jefe_data = "what do ya want for nothing?";
  return {
      // RFC 4231 test cases 1, 2, 3, 6 (SHA-256) and 2 (SHA-384, SHA-512).
      {"4231-1", HashAlgorithm::kSha256, std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"4231-2", HashAlgorithm::kSha256, "Jefe", jefe_data,
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"4231-3", HashAlgorithm::kSha256, std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"4231-6", HashAlgorithm::kSha256, std::string(131, '\xaa'),
       "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"4231-2-384", HashAlgorithm::kSha384, "Jefe", jefe_data,
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfa"
       "b21649"},
      {"4231-2-512", HashAlgorithm::kSha512, "Jefe", jefe_data,
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8"
       "f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
      // RFC 2202 test case 2 (SHA-1).
      {"2202-2", HashAlgorithm::kSha1, "Jefe", jefe_data,
       "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
  };
}

TEST(HmacTest, RfcVectors) {
  for (const auto& v : Vectors()) {
    SCOPED_TRACE(v.label);
    auto mac = Hmac(v.alg, AsBytes(v.key), v.data);
    ASSERT_TRUE(mac.has_value()) << mac.error().ToString();
    EXPECT_EQ(HexEncode(*mac), v.hex);
  }
}

TEST(HmacTest, HmacSha256MatchesGenericHmac) {
  for (const auto& v : Vectors()) {
    if (v.alg != HashAlgorithm::kSha256) continue;
    EXPECT_EQ(HexEncode(HmacSha256(AsBytes(v.key), v.data)), v.hex) << v.label;
  }
}

TEST(HmacTest, EveryAlgorithmHasItsDigestSize) {
  for (auto alg : {HashAlgorithm::kSha1, HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                   HashAlgorithm::kSha384, HashAlgorithm::kSha512, HashAlgorithm::kSha3_224,
                   HashAlgorithm::kSha3_256, HashAlgorithm::kSha3_384, HashAlgorithm::kSha3_512}) {
    auto mac = Hmac(alg, AsBytes("key"), "data");
    ASSERT_TRUE(mac.has_value()) << HashAlgorithmName(alg);
    EXPECT_EQ(mac->size(), DigestSize(alg)) << HashAlgorithmName(alg);
  }
}

TEST(HmacTest, EmptyKeyAndEmptyData) {
  // Cross-checked against an independent implementation (Python's hmac module).
  EXPECT_EQ(HexEncode(HmacSha256({}, "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacTest, KeyAndDataChangeTheMac) {
  const std::string base = HmacSha256(AsBytes("key"), "data");
  EXPECT_NE(HmacSha256(AsBytes("kez"), "data"), base);
  EXPECT_NE(HmacSha256(AsBytes("key"), "datb"), base);
  EXPECT_NE(HmacSha256(AsBytes("key"), std::string("data\0", 5)), base);
  EXPECT_EQ(HmacSha256(AsBytes("key"), "data"), base);
}

TEST(HmacTest, ConcurrentCallsAgree) {
  const std::string key = "shared key";
  const std::string expected = HmacSha256(AsBytes(key), "payload");
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (HmacSha256(AsBytes(key), "payload") != expected) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(HmacTest, KeyedMatchesOneShotAcrossReuse) {
  // RFC 4231 vectors through one keyed object per key, each summed twice (the second Sum reuses a
  // pooled context that must restart from the key, not continue the previous message).
  for (const auto& v : Vectors()) {
    if (v.alg != HashAlgorithm::kSha256) continue;
    SCOPED_TRACE(v.label);
    HmacSha256Keyed keyed(AsBytes(v.key));
    EXPECT_EQ(HexEncode(keyed.Sum(v.data)), v.hex);
    EXPECT_EQ(HexEncode(keyed.Sum(v.data)), v.hex);
    EXPECT_EQ(keyed.Sum("other"), HmacSha256(AsBytes(v.key), "other"));
  }
  HmacSha256Keyed empty_key(std::span<const uint8_t>{});
  EXPECT_EQ(empty_key.Sum(""), HmacSha256(std::span<const uint8_t>{}, ""));
}

TEST(HmacTest, KeyedConcurrentSumsAgree) {
  HmacSha256Keyed keyed(AsBytes("shared key"));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string data = "payload " + std::to_string(t * 1000 + i);
        if (keyed.Sum(data) != HmacSha256(AsBytes("shared key"), data)) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace arca::crypto
