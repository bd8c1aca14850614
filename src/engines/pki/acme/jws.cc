#include "engines/pki/acme/jws.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>

#include "common/encoding.h"
#include "crypto/compare.h"
#include "crypto/hash.h"
#include "crypto/hmac.h"

namespace arca::pki::acme {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

AcmeResult<std::string> MemberB64(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return MakeProblem("badPublicKey", "JWK member \"" + std::string(name) + "\" is missing");
  }
  auto decoded = Base64UrlDecode(v->as_string());
  if (!decoded || decoded->empty()) {
    return MakeProblem("badPublicKey",
                       "JWK member \"" + std::string(name) + "\" is not base64url");
  }
  return *decoded;
}

struct Curve {
  std::string_view jwk_name;
  const char* group;
  size_t field_bytes;
  std::string_view alg;
  const char* digest;
};
constexpr std::array kCurves = {
    Curve{"P-256", "prime256v1", 32, "ES256", "SHA256"},
    Curve{"P-384", "secp384r1", 48, "ES384", "SHA384"},
    Curve{"P-521", "secp521r1", 66, "ES512", "SHA512"},
};

const Curve* FindCurve(std::string_view crv) {
  for (const Curve& c : kCurves) {
    if (c.jwk_name == crv) return &c;
  }
  return nullptr;
}

EVP_PKEY* FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  if (ctx != nullptr && params != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return key;
}

EVP_PKEY* EcKey(const Curve& curve, const std::string& x, const std::string& y) {
  std::string point;
  point.push_back('\x04');
  point += x;
  point += y;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (bld == nullptr) return nullptr;
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve.group, 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  EVP_PKEY* key = FromParams("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  if (key == nullptr) return nullptr;
  // fromdata does not check that the point lies on the curve; a public-key check does.
  EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  bool ok = check != nullptr && EVP_PKEY_public_check(check) == 1;
  EVP_PKEY_CTX_free(check);
  if (!ok) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return key;
}

EVP_PKEY* RsaKey(const std::string& n, const std::string& e) {
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), n.size(), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), e.size(), nullptr));
  if (!bn_n || !bn_e) return nullptr;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (bld == nullptr) return nullptr;
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  EVP_PKEY* key = FromParams("RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  return key;
}

// A raw r||s ECDSA signature as DER (what OpenSSL verifies).
std::optional<std::string> EcdsaRawToDer(std::string_view raw, size_t field_bytes) {
  if (raw.size() != 2 * field_bytes) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, field_bytes, nullptr);
  BIGNUM* s = BN_bin2bn(p + field_bytes, field_bytes, nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (r == nullptr || s == nullptr || sig == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  return out;
}

bool DigestVerify(EVP_PKEY* key, const char* digest, std::string_view input,
                  std::string_view sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = EVP_DigestVerifyInit_ex(ctx, nullptr, digest, nullptr, nullptr, key, nullptr) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

const char* RsaDigest(std::string_view alg) {
  if (alg == "RS256") return "SHA256";
  if (alg == "RS384") return "SHA384";
  if (alg == "RS512") return "SHA512";
  return nullptr;
}

}  // namespace

json::object Problem::ToJson() const {
  return json::object{{"type", Urn()}, {"detail", detail}, {"status", status}};
}

AcmeResult<Jwk> Jwk::FromJson(const json::object& jwk) {
  for (std::string_view private_member : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
    if (jwk.contains(private_member)) {
      return MakeProblem("badPublicKey", "the JWK holds private key material");
    }
  }
  Jwk out;
  out.kty_ = StringOr(jwk, "kty");
  EVP_PKEY* raw = nullptr;
  if (out.kty_ == "EC") {
    out.crv_ = StringOr(jwk, "crv");
    const Curve* curve = FindCurve(out.crv_);
    if (curve == nullptr) {
      return MakeProblem("badPublicKey", "unsupported EC curve \"" + out.crv_ + "\"");
    }
    auto x = MemberB64(jwk, "x");
    if (!x) return std::unexpected(x.error());
    auto y = MemberB64(jwk, "y");
    if (!y) return std::unexpected(y.error());
    if (x->size() != curve->field_bytes || y->size() != curve->field_bytes) {
      return MakeProblem("badPublicKey", "EC coordinates have the wrong length");
    }
    raw = EcKey(*curve, *x, *y);
    out.json_ = {{"crv", out.crv_}, {"kty", "EC"}, {"x", StringOr(jwk, "x")},
                 {"y", StringOr(jwk, "y")}};
  } else if (out.kty_ == "RSA") {
    auto n = MemberB64(jwk, "n");
    if (!n) return std::unexpected(n.error());
    auto e = MemberB64(jwk, "e");
    if (!e) return std::unexpected(e.error());
    if (n->size() < 256) return MakeProblem("badPublicKey", "RSA keys must be at least 2048 bits");
    raw = RsaKey(*n, *e);
    out.json_ = {{"e", StringOr(jwk, "e")}, {"kty", "RSA"}, {"n", StringOr(jwk, "n")}};
  } else if (out.kty_ == "OKP") {
    out.crv_ = StringOr(jwk, "crv");
    if (out.crv_ != "Ed25519") {
      return MakeProblem("badPublicKey", "unsupported OKP curve \"" + out.crv_ + "\"");
    }
    auto x = MemberB64(jwk, "x");
    if (!x) return std::unexpected(x.error());
    if (x->size() != 32) return MakeProblem("badPublicKey", "Ed25519 keys are 32 bytes");
    raw = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                      reinterpret_cast<const unsigned char*>(x->data()), 32);
    out.json_ = {{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", StringOr(jwk, "x")}};
  } else {
    return MakeProblem("badPublicKey", "unsupported JWK key type \"" + out.kty_ + "\"");
  }
  if (raw == nullptr) return MakeProblem("badPublicKey", "the JWK is not a valid public key");
  out.key_.reset(raw, PkeyDeleter());
  // json::serialize keeps insertion order, and the members above are inserted sorted.
  out.thumbprint_ = Base64UrlEncode(crypto::Sha256(json::serialize(out.json_)));
  return out;
}

bool Jwk::AcceptsAlgorithm(std::string_view alg) const {
  if (kty_ == "EC") return FindCurve(crv_)->alg == alg;
  if (kty_ == "RSA") return RsaDigest(alg) != nullptr;
  return alg == "EdDSA";
}

AcmeStatus Jwk::Verify(std::string_view alg, std::string_view input,
                       std::string_view signature) const {
  if (!AcceptsAlgorithm(alg)) {
    return MakeProblem("badSignatureAlgorithm",
                       "algorithm " + std::string(alg) + " does not match the " + kty_ + " key");
  }
  bool ok = false;
  if (kty_ == "EC") {
    const Curve* curve = FindCurve(crv_);
    auto der = EcdsaRawToDer(signature, curve->field_bytes);
    ok = der && DigestVerify(key_.get(), curve->digest, input, *der);
  } else if (kty_ == "RSA") {
    ok = DigestVerify(key_.get(), RsaDigest(alg), input, signature);
  } else {
    ok = DigestVerify(key_.get(), nullptr, input, signature);
  }
  if (!ok) return Malformed("JWS signature is invalid");
  return {};
}

bool Jwk::SameKeyAs(EVP_PKEY* key) const { return EVP_PKEY_eq(key_.get(), key) == 1; }

AcmeResult<json::object> JwsMessage::PayloadObject() const {
  if (post_as_get()) return json::object{};
  auto parsed = ParseJsonObject(payload);
  if (!parsed) return Malformed("the JWS payload is not a JSON object");
  return std::move(*parsed);
}

AcmeResult<JwsMessage> ParseJws(const json::object& body) {
  JwsMessage msg;
  for (auto [name, dest] : {std::pair<std::string_view, std::string*>{"protected", &msg.protected_b64},
                            {"payload", &msg.payload_b64}}) {
    const json::value* v = body.if_contains(name);
    if (v == nullptr || !v->is_string()) {
      return Malformed("the request is not a flattened JWS: \"" + std::string(name) +
                       "\" is missing");
    }
    *dest = std::string(v->as_string());
  }
  const json::value* sig = body.if_contains("signature");
  if (sig == nullptr || !sig->is_string()) return Malformed("the JWS has no signature");
  auto sig_bytes = Base64UrlDecode(sig->as_string());
  if (!sig_bytes || sig_bytes->empty()) return Malformed("the JWS signature is not base64url");
  msg.signature = std::move(*sig_bytes);

  auto header_text = Base64UrlDecode(msg.protected_b64);
  if (!header_text) return Malformed("the JWS protected header is not base64url");
  auto header = ParseJsonObject(*header_text);
  if (!header) return Malformed("the JWS protected header is not a JSON object");
  msg.header = std::move(*header);
  auto payload = Base64UrlDecode(msg.payload_b64);
  if (!payload) return Malformed("the JWS payload is not base64url");
  msg.payload = std::move(*payload);

  msg.alg = StringOr(msg.header, "alg");
  if (msg.alg.empty() || msg.alg == "none" || msg.alg.starts_with("HS")) {
    return MakeProblem("badSignatureAlgorithm",
                       "unsupported JWS algorithm \"" + msg.alg + "\"");
  }
  msg.nonce = StringOr(msg.header, "nonce");
  if (msg.nonce.empty()) return MakeProblem("badNonce", "the JWS header has no nonce");
  msg.url = StringOr(msg.header, "url");
  if (msg.url.empty()) return Malformed("the JWS header has no url");
  const json::value* jwk = msg.header.if_contains("jwk");
  const json::value* kid = msg.header.if_contains("kid");
  if ((jwk != nullptr) == (kid != nullptr)) {
    return Malformed("the JWS header needs exactly one of jwk and kid");
  }
  if (jwk != nullptr) {
    if (!jwk->is_object()) return Malformed("the JWS header's jwk is not an object");
    auto key = Jwk::FromJson(jwk->as_object());
    if (!key) return std::unexpected(key.error());
    msg.jwk = std::move(*key);
  } else {
    if (!kid->is_string() || kid->as_string().empty()) return Malformed("the JWS kid is empty");
    msg.kid = std::string(kid->as_string());
  }
  return msg;
}

AcmeStatus VerifyJws(const JwsMessage& msg, const Jwk& key) {
  return key.Verify(msg.alg, msg.protected_b64 + "." + msg.payload_b64, msg.signature);
}

AcmeResult<std::string> VerifyExternalAccountBinding(
    const json::object& eab, const Jwk& account_key, std::string_view outer_url,
    const std::function<std::optional<std::string>(std::string_view kid)>& lookup_hmac_key) {
  auto text = [&](std::string_view name) { return StringOr(eab, name); };
  auto header_text = Base64UrlDecode(text("protected"));
  auto payload = Base64UrlDecode(text("payload"));
  auto signature = Base64UrlDecode(text("signature"));
  if (!header_text || !payload || !signature || signature->empty()) {
    return Malformed("externalAccountBinding is not a flattened JWS");
  }
  auto header = ParseJsonObject(*header_text);
  if (!header) return Malformed("externalAccountBinding header is not a JSON object");
  if (StringOr(*header, "alg") != "HS256") {
    return MakeProblem("badSignatureAlgorithm", "externalAccountBinding must use HS256");
  }
  if (header->contains("nonce")) {
    return Malformed("externalAccountBinding must not carry a nonce");
  }
  if (StringOr(*header, "url") != outer_url) {
    return Malformed("externalAccountBinding url does not match the request url");
  }
  std::string kid = StringOr(*header, "kid");
  auto inner_key = ParseJsonObject(*payload);
  if (!inner_key) return Malformed("externalAccountBinding payload is not a JWK");
  auto parsed = Jwk::FromJson(*inner_key);
  if (!parsed || parsed->Thumbprint() != account_key.Thumbprint()) {
    return Malformed("externalAccountBinding payload is not the account key");
  }
  std::optional<std::string> hmac_key = lookup_hmac_key(kid);
  if (!hmac_key) return Unauthorized("unknown external account binding key \"" + kid + "\"");
  std::string mac = crypto::HmacSha256(
      std::span(reinterpret_cast<const uint8_t*>(hmac_key->data()), hmac_key->size()),
      text("protected") + "." + text("payload"));
  if (!crypto::ConstantTimeEquals(mac, *signature)) {
    return Unauthorized("externalAccountBinding signature is invalid");
  }
  return kid;
}

}  // namespace arca::pki::acme
