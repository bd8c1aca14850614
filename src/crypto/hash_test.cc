#include "crypto/hash.h"

#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"
#include "crypto/test_util.h"

namespace arca::crypto {
namespace {

struct AbcVector {
  std::string_view name;
  HashAlgorithm alg;
  std::string_view hex;  // digest of "abc" (FIPS 180-4 / FIPS 202 examples)
};

constexpr AbcVector kAbcVectors[] = {
    {"sha1", HashAlgorithm::kSha1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {"sha2-224", HashAlgorithm::kSha224,
     "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
    {"sha2-256", HashAlgorithm::kSha256,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"sha2-384", HashAlgorithm::kSha384,
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c82"
     "5a7"},
    {"sha2-512", HashAlgorithm::kSha512,
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fee"
     "bbd"
     "454d4423643ce80e2a9ac94fa54ca49f"},
    {"sha3-224", HashAlgorithm::kSha3_224,
     "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"},
    {"sha3-256", HashAlgorithm::kSha3_256,
     "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
    {"sha3-384", HashAlgorithm::kSha3_384,
     "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376"
     "d25"},
    {"sha3-512", HashAlgorithm::kSha3_512,
     "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e39"
     "340"
     "57340b4cf408d5a56592f8274eec53f0"},
};

TEST(HashTest, AbcVectors) {
  for (const auto& v : kAbcVectors) {
    SCOPED_TRACE(v.name);
    auto digest = Hash(v.alg, "abc");
    ASSERT_TRUE(digest.has_value()) << digest.error().ToString();
    EXPECT_EQ(HexEncode(*digest), v.hex);
    EXPECT_EQ(digest->size(), DigestSize(v.alg));
  }
}

TEST(HashTest, ParseAndNameRoundTrip) {
  for (const auto& v : kAbcVectors) {
    auto alg = ParseHashAlgorithm(v.name);
    ASSERT_TRUE(alg.has_value()) << v.name;
    EXPECT_EQ(*alg, v.alg);
    EXPECT_EQ(HashAlgorithmName(v.alg), v.name);
  }
}

TEST(HashTest, ParseRejectsUnknownNames) {
  for (std::string_view bad :
       {"", "sha256", "SHA2-256", "sha2-256 ", "md5", "sha2-512/256", "sha3", "blake2b"}) {
    auto alg = ParseHashAlgorithm(bad);
    ASSERT_FALSE(alg.has_value()) << "accepted '" << bad << "'";
    EXPECT_EQ(alg.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(alg.error().message().find("unsupported hash algorithm"), std::string::npos);
  }
}

TEST(HashTest, Sha256KnownValues) {
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // FIPS 180-2 appendix B.3: one million 'a'.
  EXPECT_EQ(HexEncode(Sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(HashTest, BinaryInputWithNulBytes) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(Sha256(with_nul), Sha256("a"));
  EXPECT_NE(Sha256(with_nul), Sha256("ab"));
  EXPECT_EQ(Sha256(with_nul), Sha256(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace arca::crypto
