#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "engines/transit/transit_test_util.h"

namespace arca::engines::transit {
namespace {

class TransitSignTypes : public TransitTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(TransitSignTypes, SignVerifyAndRejectTampering) {
  const std::string type = GetParam();
  MustWrite("keys/s", R"({"type":")" + type + R"("})");
  const std::string input = B64("message");
  json::object s = MustWrite("sign/s", R"({"input":")" + input + R"("})");
  const std::string sig = Str(s["signature"]);
  ASSERT_TRUE(sig.starts_with("vault:v1:")) << sig;
  EXPECT_EQ(s["key_version"].as_int64(), 1);
  EXPECT_TRUE(
      MustWrite("verify/s", R"({"input":")" + input + R"(","signature":")" + sig + R"("})")["valid"]
          .as_bool());
  EXPECT_FALSE(MustWrite("verify/s", R"({"input":")" + B64("massage") + R"(","signature":")" + sig +
                                         R"("})")["valid"]
                   .as_bool());
  // A corrupted signature is simply invalid, not an error.
  auto raw = Base64Decode(std::string_view(sig).substr(9));
  ASSERT_TRUE(raw.has_value());
  (*raw)[raw->size() - 1] ^= 0x01;
  std::string bad = "vault:v1:" + Base64Encode(*raw);
  EXPECT_FALSE(
      MustWrite("verify/s", R"({"input":")" + input + R"(","signature":")" + bad + R"("})")["valid"]
          .as_bool());
}

INSTANTIATE_TEST_SUITE_P(TransitAll, TransitSignTypes,
                         ::testing::Values("ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521",
                                           "rsa-2048"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

TEST_F(TransitTest, EcdsaJwsMarshalingAndHashAlgorithms) {
  MustWrite("keys/p", R"({"type":"ecdsa-p256"})");
  const std::string input = B64("data");
  json::object s =
      MustWrite("sign/p/sha2-384", R"({"input":")" + input + R"(","marshaling_algorithm":"jws"})");
  const std::string sig = Str(s["signature"]);
  auto raw = Base64UrlDecode(std::string_view(sig).substr(9));
  ASSERT_TRUE(raw.has_value()) << sig;
  EXPECT_EQ(raw->size(), 64u);
  EXPECT_TRUE(MustWrite("verify/p/sha2-384", R"({"input":")" + input + R"(","signature":")" + sig +
                                                 R"(","marshaling_algorithm":"jws"})")["valid"]
                  .as_bool());
  // Wrong hash algorithm: invalid.
  EXPECT_FALSE(MustWrite("verify/p", R"({"input":")" + input + R"(","signature":")" + sig +
                                         R"(","marshaling_algorithm":"jws"})")["valid"]
                   .as_bool());
  ExpectBadRequest(Write("sign/p", R"({"input":")" + input + R"(","hash_algorithm":"md5"})"),
                   "unsupported hash algorithm");
  ExpectBadRequest(Write("sign/p", R"({"input":")" + input + R"(","marshaling_algorithm":"pem"})"),
                   "unsupported marshaling algorithm");
}

TEST_F(TransitTest, PrehashedEcdsaAndRsaPkcs1) {
  MustWrite("keys/p", R"({"type":"ecdsa-p256"})");
  auto digest = crypto::Hash(crypto::HashAlgorithm::kSha256, "payload");
  ASSERT_TRUE(digest.has_value());
  const std::string d64 = B64(*digest);
  std::string sig =
      Str(MustWrite("sign/p", R"({"input":")" + d64 + R"(","prehashed":true})")["signature"]);
  // A prehashed signature verifies against the original message too.
  EXPECT_TRUE(MustWrite("verify/p", R"({"input":")" + B64("payload") + R"(","signature":")" + sig +
                                        R"("})")["valid"]
                  .as_bool());
  ExpectBadRequest(Write("sign/p", R"({"input":")" + B64("short") + R"(","prehashed":true})"),
                   "prehashed");

  MustWrite("keys/r", R"({"type":"rsa-2048"})");
  std::string pk =
      Str(MustWrite("sign/r", R"({"input":")" + B64("m") +
                                  R"(","signature_algorithm":"pkcs1v15"})")["signature"]);
  EXPECT_TRUE(MustWrite("verify/r", R"({"input":")" + B64("m") + R"(","signature":")" + pk +
                                        R"(","signature_algorithm":"pkcs1v15"})")["valid"]
                  .as_bool());
  // Verified as PSS it fails.
  EXPECT_FALSE(MustWrite("verify/r",
                         R"({"input":")" + B64("m") + R"(","signature":")" + pk + R"("})")["valid"]
                   .as_bool());
  ExpectBadRequest(Write("sign/r", R"({"input":"bQ==","signature_algorithm":"raw"})"),
                   "unsupported signature algorithm");
  ExpectBadRequest(Write("sign/r", R"({"input":"bQ==","salt_length":"x"})"), "salt_length");
}

TEST_F(TransitTest, DerivedEd25519SignsPerContext) {
  MustWrite("keys/e", R"({"type":"ed25519","derived":true})");
  ExpectBadRequest(Write("sign/e", R"({"input":"bQ=="})"), "missing 'context'");
  std::string sig = Str(MustWrite("sign/e", R"({"input":"bQ==","context":"YQ=="})")["signature"]);
  EXPECT_TRUE(MustWrite("verify/e", R"({"input":"bQ==","context":"YQ==","signature":")" + sig +
                                        R"("})")["valid"]
                  .as_bool());
  EXPECT_FALSE(MustWrite("verify/e", R"({"input":"bQ==","context":"Yg==","signature":")" + sig +
                                         R"("})")["valid"]
                   .as_bool());
}

TEST_F(TransitTest, SignErrors) {
  MustWrite("keys/aes");
  ExpectBadRequest(Write("sign/aes", R"({"input":"bQ=="})"), "does not support signing");
  ExpectBadRequest(Write("sign/none", R"({"input":"bQ=="})"), "encryption key not found");
  MustWrite("keys/e", R"({"type":"ed25519"})");
  ExpectBadRequest(Write("sign/e", R"({"input":"***"})"), "base64-decode input");
  ExpectBadRequest(Write("verify/e", R"({"input":"bQ==","signature":"garbage"})"), "no prefix");
  ExpectBadRequest(Write("verify/e", R"({"input":"bQ=="})"), "missing 'signature' or 'hmac'");
  ExpectBadRequest(Write("sign/e", R"({"input":"bQ==","prehashed":true})"), "ed25519");
}

TEST_F(TransitTest, BatchSignAndVerify) {
  MustWrite("keys/e", R"({"type":"ed25519"})");
  json::object s =
      MustWrite("sign/e", R"({"batch_input":[{"input":"YQ==","reference":"a"},{"input":"%%"}]})");
  // The second item failed: results still carry the first signature.
  const json::array& res = s["batch_results"].as_array();
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(Str(res[0].as_object().at("reference")), "a");
  EXPECT_TRUE(res[1].as_object().contains("error"));
  const std::string sig = Str(res[0].as_object().at("signature"));
  json::object v =
      MustWrite("verify/e", R"({"batch_input":[{"input":"YQ==","signature":")" + sig +
                                R"("},{"input":"Yg==","signature":")" + sig + R"("}]})");
  const json::array& vr = v["batch_results"].as_array();
  EXPECT_TRUE(vr[0].as_object().at("valid").as_bool());
  EXPECT_FALSE(vr[1].as_object().at("valid").as_bool());
}

TEST_F(TransitTest, HmacAndVerifyHmac) {
  MustWrite("keys/h", R"({"type":"hmac"})");
  MustWrite("keys/a");
  for (const char* key : {"h", "a"}) {
    SCOPED_TRACE(key);
    std::string mac = Str(MustWrite(std::string("hmac/") + key + "/sha2-512",
                                    R"({"input":")" + B64("data") + R"("})")["hmac"]);
    ASSERT_TRUE(mac.starts_with("vault:v1:"));
    auto raw = Base64Decode(std::string_view(mac).substr(9));
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(raw->size(), 64u);
    EXPECT_TRUE(MustWrite(std::string("verify/") + key + "/sha2-512",
                          R"({"input":")" + B64("data") + R"(","hmac":")" + mac + R"("})")["valid"]
                    .as_bool());
    EXPECT_FALSE(MustWrite(std::string("verify/") + key,
                           R"({"input":")" + B64("data") + R"(","hmac":")" + mac + R"("})")["valid"]
                     .as_bool());
  }
  // HMAC is deterministic for one key version.
  EXPECT_EQ(Str(MustWrite("hmac/h", R"({"input":"YQ=="})")["hmac"]),
            Str(MustWrite("hmac/h", R"({"input":"YQ=="})")["hmac"]));
  ExpectBadRequest(Write("hmac/h", R"({"input":"YQ==","algorithm":"sha2-999"})"),
                   "unsupported hash algorithm");
  ExpectBadRequest(Write("verify/h", R"({"input":"YQ==","hmac":"vault:v1:%%"})"),
                   "could not decode base64");
  MustWrite("keys/h/rotate");
  MustWrite("keys/h/config", R"({"min_decryption_version":2})");
  std::string old = "vault:v1:" + B64(std::string(32, 'x'));
  ExpectBadRequest(Write("verify/h", R"({"input":"YQ==","hmac":")" + old + R"("})"), "too old");
}

TEST_F(TransitTest, HashMatchesKnownDigests) {
  // SHA-256("abc") and SHA3-256("abc").
  EXPECT_EQ(Str(MustWrite("hash", R"({"input":"YWJj"})")["sum"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Str(MustWrite("hash/sha3-256", R"({"input":"YWJj"})")["sum"]),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  auto b64 = Base64Decode(Str(
      MustWrite("hash", R"({"input":"YWJj","format":"base64","algorithm":"sha2-512"})")["sum"]));
  ASSERT_TRUE(b64.has_value());
  EXPECT_EQ(b64->size(), 64u);
  ExpectBadRequest(Write("hash", R"({"input":"YWJj","format":"pem"})"), "unsupported encoding");
  ExpectBadRequest(Write("hash/md5", R"({"input":"YWJj"})"), "unsupported hash algorithm");
  ExpectBadRequest(Write("hash", R"({"input":"%"})"), "base64-decode input");
}

TEST_F(TransitTest, RandomBytes) {
  auto r = Base64Decode(Str(MustWrite("random")["random_bytes"]));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->size(), 32u);
  EXPECT_EQ(Str(MustWrite("random/16", R"({"format":"hex"})")["random_bytes"]).size(), 32u);
  EXPECT_EQ(Base64Decode(Str(MustWrite("random/platform/8")["random_bytes"]))->size(), 8u);
  EXPECT_EQ(Base64Decode(Str(MustWrite("random", R"({"bytes":100})")["random_bytes"]))->size(),
            100u);
  EXPECT_NE(Str(MustWrite("random")["random_bytes"]), Str(MustWrite("random")["random_bytes"]));
  ExpectBadRequest(Write("random/other/8"), "unsupported entropy source");
  ExpectBadRequest(Write("random", R"({"bytes":0})"), "missing bytes");
  ExpectBadRequest(Write("random/999999999"), "cannot be greater");
  ExpectBadRequest(Write("random", R"({"format":"raw"})"), "unsupported encoding");
}

}  // namespace
}  // namespace arca::engines::transit
