#include "engines/pki/acme/jws.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/hmac.h"
#include "engines/pki/acme/acme_test_util.h"

namespace arca::pki::acme {
namespace {

using testing::TestKey;

class JwsKinds : public ::testing::TestWithParam<std::string> {};

TEST_P(JwsKinds, SignedByTheEmbeddedKeyVerifies) {
  TestKey key(GetParam());
  json::object body = key.Jws("http://x/acme/new-account", "n1", "", json::object{{"a", 1}});
  auto msg = ParseJws(body);
  ASSERT_TRUE(msg) << msg.error().detail;
  ASSERT_TRUE(msg->jwk.has_value());
  EXPECT_EQ(msg->alg, key.Alg());
  EXPECT_EQ(msg->nonce, "n1");
  EXPECT_EQ(msg->url, "http://x/acme/new-account");
  EXPECT_TRUE(VerifyJws(*msg, *msg->jwk));
  auto payload = msg->PayloadObject();
  ASSERT_TRUE(payload);
  EXPECT_EQ(payload->at("a").as_int64(), 1);

  // One flipped bit in the signature, or a different payload, fails.
  std::string sig = *Base64UrlDecode(body["signature"].as_string());
  sig[sig.size() / 2] ^= 1;
  json::object tampered = body;
  tampered["signature"] = Base64UrlEncode(sig);
  auto bad = ParseJws(tampered);
  ASSERT_TRUE(bad);
  EXPECT_FALSE(VerifyJws(*bad, *bad->jwk));
  json::object swapped = body;
  swapped["payload"] = Base64UrlEncode("{\"a\":2}");
  auto bad2 = ParseJws(swapped);
  ASSERT_TRUE(bad2);
  EXPECT_FALSE(VerifyJws(*bad2, *bad2->jwk));
  // Another key does not verify it.
  TestKey other(GetParam());
  auto other_jwk = Jwk::FromJson(other.Jwk());
  ASSERT_TRUE(other_jwk);
  EXPECT_FALSE(VerifyJws(*msg, *other_jwk));
  EXPECT_TRUE(msg->jwk->SameKeyAs(key.pkey()));
  EXPECT_FALSE(msg->jwk->SameKeyAs(other.pkey()));
}

INSTANTIATE_TEST_SUITE_P(Keys, JwsKinds, ::testing::Values("ec256", "ec384", "ed25519", "rsa2048"));

TEST(Jws, ThumbprintMatchesRfc7638Example) {
  // RFC 7638 §3.1 example key and thumbprint.
  json::object jwk{{"kty", "RSA"},
                   {"n",
                    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
                    "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-"
                    "65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
                    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
                   {"e", "AQAB"},
                   {"alg", "RS256"},
                   {"kid", "2011-04-29"}};
  auto key = Jwk::FromJson(jwk);
  ASSERT_TRUE(key) << key.error().detail;
  EXPECT_EQ(key->Thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(Jws, RefusesMalformedMessages) {
  TestKey key;
  json::object good = key.Jws("http://x/u", "n", "", json::object{});
  struct Case {
    std::string name;
    json::object body;
    std::string type;
  };
  auto with = [&](std::string_view field, json::value v) {
    json::object b = good;
    b[field] = std::move(v);
    return b;
  };
  auto header = [&](json::object h) {
    json::object b = good;
    b["protected"] = Base64UrlEncode(json::serialize(h));
    return b;
  };
  std::vector<Case> cases = {
      {"no protected", [&] { json::object b = good; b.erase("protected"); return b; }(), "malformed"},
      {"no signature", [&] { json::object b = good; b.erase("signature"); return b; }(), "malformed"},
      {"payload not a string", with("payload", 5), "malformed"},
      {"header not base64", with("protected", "%%%"), "malformed"},
      {"header not json", with("protected", json::value(Base64UrlEncode("nope"))), "malformed"},
      {"alg none", header({{"alg", "none"}, {"nonce", "n"}, {"url", "u"}, {"jwk", key.Jwk()}}),
       "badSignatureAlgorithm"},
      {"alg HS256", header({{"alg", "HS256"}, {"nonce", "n"}, {"url", "u"}, {"jwk", key.Jwk()}}),
       "badSignatureAlgorithm"},
      {"no nonce", header({{"alg", "ES256"}, {"url", "u"}, {"jwk", key.Jwk()}}), "badNonce"},
      {"no url", header({{"alg", "ES256"}, {"nonce", "n"}, {"jwk", key.Jwk()}}), "malformed"},
      {"jwk and kid",
       header({{"alg", "ES256"}, {"nonce", "n"}, {"url", "u"}, {"jwk", key.Jwk()}, {"kid", "k"}}),
       "malformed"},
      {"neither jwk nor kid", header({{"alg", "ES256"}, {"nonce", "n"}, {"url", "u"}}), "malformed"},
      {"private jwk",
       header({{"alg", "ES256"}, {"nonce", "n"}, {"url", "u"},
               {"jwk", [&] { auto j = key.Jwk(); j["d"] = "AAAA"; return j; }()}}),
       "badPublicKey"},
      {"unknown kty",
       header({{"alg", "ES256"}, {"nonce", "n"}, {"url", "u"}, {"jwk", json::object{{"kty", "oct"}}}}),
       "badPublicKey"},
      {"point off the curve",
       header({{"alg", "ES256"}, {"nonce", "n"}, {"url", "u"},
               {"jwk", [&] { auto j = key.Jwk(); j["y"] = Base64UrlEncode(std::string(32, '\x01')); return j; }()}}),
       "badPublicKey"},
  };
  for (const auto& c : cases) {
    auto r = ParseJws(c.body);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().type, c.type) << c.name << ": " << r.error().detail;
  }
}

TEST(Jws, AlgorithmMustMatchTheKey) {
  TestKey ec;
  auto jwk = Jwk::FromJson(ec.Jwk());
  ASSERT_TRUE(jwk);
  EXPECT_TRUE(jwk->AcceptsAlgorithm("ES256"));
  EXPECT_FALSE(jwk->AcceptsAlgorithm("ES384"));
  EXPECT_FALSE(jwk->AcceptsAlgorithm("RS256"));
  auto r = jwk->Verify("RS256", "x", "y");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "badSignatureAlgorithm");
}

TEST(Jws, ExternalAccountBinding) {
  TestKey account;
  auto jwk = Jwk::FromJson(account.Jwk());
  ASSERT_TRUE(jwk);
  std::string hmac_key = "0123456789abcdef0123456789abcdef";
  auto make = [&](std::string kid, std::string url, std::string key, json::object payload_jwk) {
    json::object h{{"alg", "HS256"}, {"kid", kid}, {"url", url}};
    std::string p64 = Base64UrlEncode(json::serialize(h));
    std::string b64 = Base64UrlEncode(json::serialize(payload_jwk));
    std::string mac = crypto::HmacSha256(std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()), p64 + "." + b64);
    return json::object{{"protected", p64}, {"payload", b64}, {"signature", Base64UrlEncode(mac)}};
  };
  auto lookup = [&](std::string_view kid) -> std::optional<std::string> {
    if (kid == "eab1") return hmac_key;
    return std::nullopt;
  };
  const std::string url = "http://x/acme/new-account";
  auto ok = VerifyExternalAccountBinding(make("eab1", url, hmac_key, account.Jwk()), *jwk, url, lookup);
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(*ok, "eab1");
  EXPECT_FALSE(VerifyExternalAccountBinding(make("eab2", url, hmac_key, account.Jwk()), *jwk, url, lookup));
  EXPECT_FALSE(VerifyExternalAccountBinding(make("eab1", url, "wrong-key-wrong-key-wrong-key!!!", account.Jwk()), *jwk, url, lookup));
  EXPECT_FALSE(VerifyExternalAccountBinding(make("eab1", "http://x/other", hmac_key, account.Jwk()), *jwk, url, lookup));
  TestKey other;
  EXPECT_FALSE(VerifyExternalAccountBinding(make("eab1", url, hmac_key, other.Jwk()), *jwk, url, lookup));
}

}  // namespace
}  // namespace arca::pki::acme
