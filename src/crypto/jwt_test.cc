#include "crypto/jwt.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/hmac.h"
#include "crypto/jwt_testing.h"
#include "crypto/test_util.h"

namespace arca::crypto {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;
using testing::JwtTestSigner;

const system_clock::time_point kNow = system_clock::time_point(seconds(1'700'000'000));

json::object Claims(int64_t exp_offset = 300) {
  return json::object{{"iss", "https://issuer.example"},
                      {"sub", "alice"},
                      {"aud", json::array{"arca", "other"}},
                      {"iat", 1'700'000'000 - 10},
                      {"exp", 1'700'000'000 + exp_offset}};
}

JwtExpectations Expect() {
  JwtExpectations e;
  e.now = kNow;
  return e;
}

class JwtAlgTest : public ::testing::TestWithParam<const char*> {};

TEST_P(JwtAlgTest, VerifiesWithJwkAndPemAndRefusesTampering) {
  JwtTestSigner signer(GetParam());
  std::string token = signer.Sign(Claims(), "k1");
  auto jwk = JwtPublicKey::FromJwk(signer.PublicJwk("k1"));
  ASSERT_TRUE(jwk) << jwk.error().ToString();
  auto pem = JwtPublicKey::FromPem(signer.PublicPem());
  ASSERT_TRUE(pem) << pem.error().ToString();
  for (const JwtPublicKey& k : {*jwk, *pem}) {
    std::vector<JwtPublicKey> keys{k};
    auto claims = VerifyJwt(token, keys, Expect());
    ASSERT_TRUE(claims) << claims.error().ToString();
    EXPECT_EQ((*claims)["sub"], "alice");
  }
  std::vector<JwtPublicKey> keys{*jwk};
  // A changed payload with the old signature fails.
  json::object c = Claims();
  c["sub"] = "mallory";
  std::string forged = Base64UrlEncode(R"({"alg":")" + std::string(GetParam()) + R"("})") + "." +
                       Base64UrlEncode(json::serialize(c)) + token.substr(token.rfind('.'));
  auto bad = VerifyJwt(forged, keys, Expect());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "failed to verify signature");
  // Another key of the same algorithm does not verify it.
  JwtTestSigner other(GetParam());
  std::vector<JwtPublicKey> wrong{*JwtPublicKey::FromJwk(other.PublicJwk("k1"))};
  EXPECT_FALSE(VerifyJwt(token, wrong, Expect()));
}

INSTANTIATE_TEST_SUITE_P(All, JwtAlgTest,
                         ::testing::Values("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                           "ES256", "ES384", "ES512", "EdDSA"));

TEST(JwtTest, AlgNoneIsRefusedEvenWhenListed) {
  JwtTestSigner signer("RS256");
  std::vector<JwtPublicKey> keys{*JwtPublicKey::FromPem(signer.PublicPem())};
  std::string token =
      Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(json::serialize(Claims())) + ".";
  JwtExpectations e = Expect();
  e.algorithms = {"none", "RS256"};
  auto r = VerifyJwt(token, keys, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "token signed with unsupported algorithm \"none\"");
}

TEST(JwtTest, HmacWithThePublicKeyAsSecretIsRefused) {
  // Key confusion: an attacker signs HS256 with the (public) PEM text as the HMAC key.
  JwtTestSigner signer("RS256");
  std::string pem = signer.PublicPem();
  std::vector<JwtPublicKey> keys{*JwtPublicKey::FromPem(pem)};
  std::string input =
      Base64UrlEncode(R"({"alg":"HS256"})") + "." + Base64UrlEncode(json::serialize(Claims()));
  auto mac = Hmac(HashAlgorithm::kSha256, testing::AsBytes(pem), input);
  ASSERT_TRUE(mac);
  std::string token = input + "." + Base64UrlEncode(*mac);
  JwtExpectations e = Expect();
  e.algorithms = {"HS256"};
  auto r = VerifyJwt(token, keys, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "token signed with unsupported algorithm \"HS256\"");
  EXPECT_FALSE(VerifyJwt(token, keys, Expect()));
}

TEST(JwtTest, KeyOfAnotherTypeOrCurveDoesNotVerify) {
  JwtTestSigner es256("ES256");
  std::string token = es256.Sign(Claims());
  // Same EC key presented for ES384 (curve mismatch): the token claims ES256, so relabel it.
  auto key = JwtPublicKey::FromPem(es256.PublicPem());
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->SupportsAlgorithm("ES256"));
  EXPECT_FALSE(key->SupportsAlgorithm("ES384"));
  EXPECT_FALSE(key->SupportsAlgorithm("RS256"));
  EXPECT_FALSE(key->SupportsAlgorithm("EdDSA"));
  // A JWK that names its alg verifies only that alg.
  JwtTestSigner rs("RS256");
  auto jwk = JwtPublicKey::FromJwk(rs.PublicJwk("", /*with_alg=*/true));
  ASSERT_TRUE(jwk);
  EXPECT_TRUE(jwk->SupportsAlgorithm("RS256"));
  EXPECT_FALSE(jwk->SupportsAlgorithm("PS256"));
  // An RS256 token with the header relabelled PS256 does not verify.
  std::string rs_token = rs.Sign(Claims());
  std::string relabelled =
      Base64UrlEncode(R"({"alg":"PS256"})") + rs_token.substr(rs_token.find('.'));
  std::vector<JwtPublicKey> keys{*JwtPublicKey::FromPem(rs.PublicPem())};
  EXPECT_FALSE(VerifyJwt(relabelled, keys, Expect()));
}

TEST(JwtTest, SupportedAlgorithmsRestrict) {
  JwtTestSigner signer("ES256");
  std::vector<JwtPublicKey> keys{*JwtPublicKey::FromPem(signer.PublicPem())};
  JwtExpectations e = Expect();
  e.algorithms = {"RS256"};
  auto r = VerifyJwt(signer.Sign(Claims()), keys, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "token signed with unsupported algorithm \"ES256\"");
}

TEST(JwtTest, KidSelectsTheKey) {
  JwtTestSigner a("ES256"), b("ES256");
  std::vector<JwtPublicKey> keys{*JwtPublicKey::FromJwk(a.PublicJwk("a")),
                                 *JwtPublicKey::FromJwk(b.PublicJwk("b"))};
  EXPECT_TRUE(VerifyJwt(b.Sign(Claims(), "b"), keys, Expect()));
  EXPECT_TRUE(VerifyJwt(b.Sign(Claims()), keys, Expect()));  // no kid: every key is tried
  EXPECT_FALSE(VerifyJwt(b.Sign(Claims(), "a"), keys, Expect()));
}

TEST(JwtTest, TimeClaimsAndLeeways) {
  JwtTestSigner signer("EdDSA");
  std::vector<JwtPublicKey> keys{*JwtPublicKey::FromPem(signer.PublicPem())};
  JwtExpectations e = Expect();
  // Expired 100 s ago: within 150 + 60 s of leeway.
  EXPECT_TRUE(VerifyJwt(signer.Sign(Claims(-100)), keys, e));
  // Expired 300 s ago: past the leeway.
  auto r = VerifyJwt(signer.Sign(Claims(-300)), keys, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "token is expired (exp)");
  // No leeway (-1): 1 s past exp is expired.
  e.expiration_leeway = seconds(-1);
  e.clock_skew_leeway = seconds(-1);
  EXPECT_FALSE(VerifyJwt(signer.Sign(Claims(-1)), keys, e));
  EXPECT_TRUE(VerifyJwt(signer.Sign(Claims(1)), keys, e));
  // nbf in the future beyond leeway; iat in the future beyond clock skew.
  JwtExpectations d = Expect();
  json::object c = Claims();
  c["nbf"] = 1'700'000'000 + 500;
  r = VerifyJwt(signer.Sign(c), keys, d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "token is not yet valid (nbf)");
  c = Claims();
  c["iat"] = 1'700'000'000 + 120;
  r = VerifyJwt(signer.Sign(c), keys, d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "token issued in the future (iat)");
  // No time claim at all.
  r = VerifyJwt(signer.Sign(json::object{{"sub", "x"}}), keys, d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "no issued at (iat), not before (nbf), or expiration time (exp) claims in token");
  // A time claim of the wrong type.
  c = Claims();
  c["exp"] = "tomorrow";
  EXPECT_FALSE(VerifyJwt(signer.Sign(c), keys, d));
}

TEST(JwtTest, IssuerSubjectAudience) {
  JwtTestSigner signer("ES384");
  std::vector<JwtPublicKey> keys{*JwtPublicKey::FromPem(signer.PublicPem())};
  std::string token = signer.Sign(Claims());
  JwtExpectations e = Expect();
  e.issuer = "https://issuer.example";
  e.subject = "alice";
  e.audiences = {"nope", "arca"};
  EXPECT_TRUE(VerifyJwt(token, keys, e));
  e.issuer = "https://evil.example";
  EXPECT_EQ(VerifyJwt(token, keys, e).error().message(), "invalid issuer (iss) claim");
  e.issuer.clear();
  e.subject = "bob";
  EXPECT_EQ(VerifyJwt(token, keys, e).error().message(), "invalid subject (sub) claim");
  e.subject.clear();
  e.audiences = {"vault"};
  EXPECT_FALSE(VerifyJwt(token, keys, e));
  json::object c = Claims();
  c["aud"] = "vault";  // a single string
  EXPECT_TRUE(VerifyJwt(signer.Sign(c), keys, e));
}

TEST(JwtTest, MalformedTokens) {
  JwtTestSigner signer("RS256");
  std::vector<JwtPublicKey> keys{*JwtPublicKey::FromPem(signer.PublicPem())};
  for (std::string_view bad : {"", "abc", "a.b", "a.b.c.d", "!!.e30.", "e30.e30.", "W10.e30.",
                               "e30.W10.", "eyJhbGciOjF9.e30."}) {
    auto r = VerifyJwt(bad, keys, Expect());
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << bad;
    }
  }
  // crit headers are refused.
  std::string crit =
      signer.SignParts(R"({"alg":"RS256","crit":["exp"]})", json::serialize(Claims()));
  EXPECT_EQ(VerifyJwt(crit, keys, Expect()).error().message(),
            "unsupported critical header in token");
  EXPECT_FALSE(VerifyJwt(std::string(kMaxJwtSize + 1, 'a'), keys, Expect()));
}

TEST(JwtTest, KeyParsing) {
  // Small RSA keys are refused.
  JwtTestSigner small("RS256", 1024);
  EXPECT_FALSE(JwtPublicKey::FromPem(small.PublicPem()));
  EXPECT_FALSE(JwtPublicKey::FromJwk(small.PublicJwk()));
  // RSA public exponents 1 and even are refused.
  JwtTestSigner rsa("RS256");
  for (const char* e : {"AQ", "Ag", "AAE"}) {  // 1, 2, 1 with a leading zero
    json::object j = rsa.PublicJwk();
    j["e"] = e;
    EXPECT_FALSE(JwtPublicKey::FromJwk(j)) << e;
  }
  // Symmetric and unknown JWKs, bad members.
  EXPECT_FALSE(JwtPublicKey::FromJwk(json::object{{"kty", "oct"}, {"k", "c2VjcmV0"}}));
  EXPECT_FALSE(JwtPublicKey::FromJwk(json::object{{"kty", "XYZ"}}));
  EXPECT_FALSE(JwtPublicKey::FromJwk(json::object{{"kty", "RSA"}, {"n", 5}, {"e", "AQAB"}}));
  // An EC point off the curve.
  JwtTestSigner ec("ES256");
  json::object j = ec.PublicJwk();
  std::string y = *Base64UrlDecode(std::string_view(j["y"].as_string()));
  y[31] ^= 1;
  j["y"] = Base64UrlEncode(y);
  EXPECT_FALSE(JwtPublicKey::FromJwk(j));
  // Not PEM.
  EXPECT_FALSE(JwtPublicKey::FromPem("hello"));
  EXPECT_FALSE(ParsePemKeys(""));
  // A bundle of two keys.
  JwtTestSigner ed("EdDSA");
  auto both = ParsePemKeys(ec.PublicPem() + "\n" + ed.PublicPem());
  ASSERT_TRUE(both);
  EXPECT_EQ(both->size(), 2u);
  // DER round trip.
  auto der = (*both)[1].ToDer();
  ASSERT_TRUE(der);
  EXPECT_TRUE(JwtPublicKey::FromDer(*der));
  EXPECT_FALSE(JwtPublicKey::FromDer(*der + "x"));
}

TEST(JwtTest, JwksSkipsUnusableKeys) {
  JwtTestSigner a("RS256"), b("ES256");
  json::object enc = b.PublicJwk("enc-key");
  enc["use"] = "enc";
  json::object doc{{"keys", json::array{a.PublicJwk("a"), json::object{{"kty", "oct"}, {"k", "AA"}},
                                        enc, b.PublicJwk("b"), 42}}};
  auto keys = ParseJwks(json::serialize(doc));
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid(), "a");
  EXPECT_EQ((*keys)[1].kid(), "b");
  EXPECT_FALSE(ParseJwks("[]"));
  EXPECT_FALSE(ParseJwks(R"({"keys":{}})"));
  EXPECT_FALSE(ParseJwks("not json"));
}

}  // namespace
}  // namespace arca::crypto
