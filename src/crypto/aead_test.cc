#include "crypto/aead.h"

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

constexpr std::string_view kAuthFailed = "message authentication failed";

// Test cases from McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", appendix B.
struct GcmVector {
  std::string_view label;
  std::string_view key, nonce, plaintext, aad, ciphertext, tag;
};

constexpr std::string_view kLongPt =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
    "b525b16aedf5aa0de657ba637b39";
constexpr std::string_view kAad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

constexpr GcmVector kVectors[] = {
    {"case 1", "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "58e2fccefa7e3061367f1d57a4e7455a"},
    {"case 2", "00000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {"case 4", "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", kLongPt, kAad,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac"
     "84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"case 10", "feffe9928665731c6d6a8f9467308308feffe9928665731c", "cafebabefacedbaddecaf888",
     kLongPt, kAad,
     "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c8"
     "4a3f4718e2448b2fe324d9ccda2710",
     "2519498e80f1478f37ba55bd6d27618c"},
    {"case 16", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", kLongPt, kAad,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056"
     "828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(AesGcmTest, SpecVectorsSeal) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.label);
    const std::string key = Unhex(v.key);
    auto sealed =
        AesGcmSealWithNonce(AsBytes(key), Unhex(v.nonce), Unhex(v.plaintext), Unhex(v.aad));
    ASSERT_TRUE(sealed.has_value()) << sealed.error().ToString();
    EXPECT_EQ(HexEncode(*sealed),
              std::string(v.nonce) + std::string(v.ciphertext) + std::string(v.tag));
  }
}

TEST(AesGcmTest, SpecVectorsOpen) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.label);
    const std::string key = Unhex(v.key);
    const std::string sealed =
        Unhex(std::string(v.nonce) + std::string(v.ciphertext) + std::string(v.tag));
    auto opened = AesGcmOpen(AsBytes(key), sealed, Unhex(v.aad));
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    EXPECT_EQ(HexEncode(*opened), v.plaintext);
  }
}

TEST(AesGcmTest, RoundTripAllKeySizesAndLengths) {
  for (size_t key_size : {16, 24, 32}) {
    const std::string key(key_size, 'k');
    for (size_t len : {0, 1, 15, 16, 17, 1000}) {
      const std::string plaintext(len, 'p');
      auto sealed = AesGcmSeal(AsBytes(key), plaintext, "aad");
      ASSERT_TRUE(sealed.has_value()) << sealed.error().ToString();
      EXPECT_EQ(sealed->size(), len + kGcmOverhead);
      if (len >= 16) {  // shorter plaintexts can appear in random bytes by chance
        EXPECT_EQ(sealed->find(plaintext), std::string::npos);
      }
      auto opened = AesGcmOpen(AsBytes(key), *sealed, "aad");
      ASSERT_TRUE(opened.has_value()) << key_size << "/" << len;
      EXPECT_EQ(*opened, plaintext);
    }
  }
}

TEST(AesGcmTest, RandomNonceDiffersPerSeal) {
  const std::string key(32, 'k');
  auto a = AesGcmSeal(AsBytes(key), "same", "");
  auto b = AesGcmSeal(AsBytes(key), "same", "");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->substr(0, kGcmNonceSize), b->substr(0, kGcmNonceSize));
  EXPECT_NE(*a, *b);
}

TEST(AesGcmTest, SealWithNonceIsDeterministic) {
  const std::string key(32, 'k');
  const std::string nonce(12, 'n');
  auto a = AesGcmSealWithNonce(AsBytes(key), nonce, "same", "x");
  auto b = AesGcmSealWithNonce(AsBytes(key), nonce, "same", "x");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->substr(0, kGcmNonceSize), nonce);
}

void ExpectAuthFailure(const Result<std::string>& r, std::string_view what) {
  ASSERT_FALSE(r.has_value()) << what << " was accepted";
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << what;
  EXPECT_EQ(r.error().message(), kAuthFailed) << what;
}

TEST(AesGcmTest, EveryBitFlipIsDetected) {
  const std::string key(32, 'k');
  auto sealed = AesGcmSeal(AsBytes(key), "attack at dawn", "aad");
  ASSERT_TRUE(sealed.has_value());
  // Flip one bit in each byte: nonce, ciphertext and tag alike.
  for (size_t i = 0; i < sealed->size(); ++i) {
    for (uint8_t bit : {uint8_t{0x01}, uint8_t{0x80}}) {
      std::string tampered = *sealed;
      tampered[i] = static_cast<char>(tampered[i] ^ bit);
      ExpectAuthFailure(AesGcmOpen(AsBytes(key), tampered, "aad"),
                        "flip at byte " + std::to_string(i));
    }
  }
}

TEST(AesGcmTest, WrongAadKeyOrLengthFails) {
  const std::string key(32, 'k');
  auto sealed = AesGcmSeal(AsBytes(key), "secret", "context");
  ASSERT_TRUE(sealed.has_value());
  ExpectAuthFailure(AesGcmOpen(AsBytes(key), *sealed, "contexT"), "different aad");
  ExpectAuthFailure(AesGcmOpen(AsBytes(key), *sealed, ""), "missing aad");
  const std::string other_key(32, 'K');
  ExpectAuthFailure(AesGcmOpen(AsBytes(other_key), *sealed, "context"), "wrong key");
  ExpectAuthFailure(AesGcmOpen(AsBytes(key), *sealed + "x", "context"), "appended byte");
  ExpectAuthFailure(AesGcmOpen(AsBytes(key), sealed->substr(0, sealed->size() - 1), "context"),
                    "truncated tag");
  ExpectAuthFailure(AesGcmOpen(AsBytes(key), sealed->substr(1), "context"), "dropped first byte");
  ExpectAuthFailure(AesGcmOpen(AsBytes(key), "", "context"), "empty input");
  ExpectAuthFailure(AesGcmOpen(AsBytes(key), std::string(kGcmOverhead - 1, '\0'), "context"),
                    "short input");
  ExpectAuthFailure(AesGcmOpen(AsBytes(key), std::string(kGcmOverhead, '\0'), "context"),
                    "zero-filled empty message");
}

TEST(AesGcmTest, KeyOfDifferentSizeButSamePrefixFails) {
  const std::string key32(32, 'k');
  const std::string key16(16, 'k');
  auto sealed = AesGcmSeal(AsBytes(key32), "secret", "");
  ASSERT_TRUE(sealed.has_value());
  ExpectAuthFailure(AesGcmOpen(AsBytes(key16), *sealed, ""), "AES-128 key on AES-256 data");
}

TEST(AesGcmTest, RejectsBadKeyLengths) {
  for (size_t len : {0, 1, 15, 17, 23, 31, 33, 64}) {
    SCOPED_TRACE(len);
    const std::string key(len, 'k');
    auto sealed = AesGcmSeal(AsBytes(key), "x", "");
    ASSERT_FALSE(sealed.has_value());
    EXPECT_EQ(sealed.error().kind(), ErrorKind::kInvalidRequest);
    auto with_nonce = AesGcmSealWithNonce(AsBytes(key), std::string(12, 'n'), "x", "");
    ASSERT_FALSE(with_nonce.has_value());
    EXPECT_EQ(with_nonce.error().kind(), ErrorKind::kInvalidRequest);
    auto opened = AesGcmOpen(AsBytes(key), std::string(40, 'c'), "");
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(opened.error().message(), kAuthFailed);
  }
}

TEST(AesGcmTest, RejectsBadNonceLengths) {
  const std::string key(32, 'k');
  for (size_t len : {0, 8, 11, 13, 16}) {
    auto sealed = AesGcmSealWithNonce(AsBytes(key), std::string(len, 'n'), "x", "");
    ASSERT_FALSE(sealed.has_value()) << len;
    EXPECT_EQ(sealed.error().kind(), ErrorKind::kInvalidRequest);
  }
}

TEST(AesGcmKeyTest, SpecVectorsThroughReusedContexts) {
  // Each vector twice through one keyed object: the second run takes the pooled context the
  // first left behind, which must restart from the new nonce with no state carried over.
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.label);
    const std::string key = Unhex(v.key);
    auto k = AesGcmKey::Create(AsBytes(key));
    ASSERT_TRUE(k.has_value()) << k.error().ToString();
    const std::string expected =
        std::string(v.nonce) + std::string(v.ciphertext) + std::string(v.tag);
    for (int round = 0; round < 2; ++round) {
      auto sealed = (*k)->SealWithNonce(Unhex(v.nonce), Unhex(v.plaintext), Unhex(v.aad));
      ASSERT_TRUE(sealed.has_value()) << sealed.error().ToString();
      EXPECT_EQ(HexEncode(*sealed), expected);
      auto opened = (*k)->Open(Unhex(expected), Unhex(v.aad));
      ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
      EXPECT_EQ(HexEncode(*opened), v.plaintext);
    }
  }
}

TEST(AesGcmKeyTest, FailedOpenLeavesTheContextUsable) {
  const std::string key(32, 'k');
  auto k = AesGcmKey::Create(AsBytes(key));
  ASSERT_TRUE(k.has_value());
  auto sealed = (*k)->Seal("secret", "aad");
  ASSERT_TRUE(sealed.has_value());
  // Interoperates with the one-shot functions in both directions.
  auto one_shot = AesGcmOpen(AsBytes(key), *sealed, "aad");
  ASSERT_TRUE(one_shot.has_value());
  EXPECT_EQ(*one_shot, "secret");
  std::string tampered = *sealed;
  tampered[kGcmNonceSize] ^= 1;
  auto bad = (*k)->Open(tampered, "aad");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), kAuthFailed);
  auto wrong_aad = (*k)->Open(*sealed, "other");
  ASSERT_FALSE(wrong_aad.has_value());
  EXPECT_EQ(wrong_aad.error().message(), kAuthFailed);
  auto good = (*k)->Open(*sealed, "aad");
  ASSERT_TRUE(good.has_value()) << good.error().ToString();
  EXPECT_EQ(*good, "secret");
  auto from_one_shot = AesGcmSeal(AsBytes(key), "other secret", "");
  ASSERT_TRUE(from_one_shot.has_value());
  auto opened = (*k)->Open(*from_one_shot, "");
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, "other secret");
  // Random nonces differ; short input and bad nonce sizes are refused.
  EXPECT_NE((*k)->Seal("x", "")->substr(0, kGcmNonceSize),
            (*k)->Seal("x", "")->substr(0, kGcmNonceSize));
  EXPECT_EQ((*k)->Open(std::string(kGcmOverhead - 1, 'c'), "").error().message(), kAuthFailed);
  EXPECT_EQ((*k)->SealWithNonce("short", "x", "").error().kind(), ErrorKind::kInvalidRequest);
}

TEST(AesGcmKeyTest, RejectsBadKeyLengthsAndAgreesUnderConcurrency) {
  EXPECT_EQ(AesGcmKey::Create(AsBytes(std::string(20, 'k'))).error().kind(),
            ErrorKind::kInvalidRequest);
  const std::string key(16, 'q');
  auto k = AesGcmKey::Create(AsBytes(key));
  ASSERT_TRUE(k.has_value());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        std::string pt = "message " + std::to_string(t * 1000 + i);
        auto sealed = (*k)->Seal(pt, "");
        auto back = sealed ? AesGcmOpen(AsBytes(key), *sealed, "") : sealed;
        if (!back || *back != pt) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace arca::crypto
