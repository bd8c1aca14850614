#include "crypto/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cmath>

#include "common/encoding.h"

namespace arca::crypto {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;
constexpr size_t kMaxJwksSize = 1024 * 1024;

struct AlgInfo {
  std::string_view name;
  const char* kty;  // "RSA", "EC", "OKP"
  bool pss;
  int digest_bits;  // 0 for EdDSA
  int ec_bytes;     // EC: bytes per coordinate
};

constexpr AlgInfo kAlgs[] = {
    {"RS256", "RSA", false, 256, 0}, {"RS384", "RSA", false, 384, 0},
    {"RS512", "RSA", false, 512, 0}, {"PS256", "RSA", true, 256, 0},
    {"PS384", "RSA", true, 384, 0},  {"PS512", "RSA", true, 512, 0},
    {"ES256", "EC", false, 256, 32}, {"ES384", "EC", false, 384, 48},
    {"ES512", "EC", false, 512, 66}, {"EdDSA", "OKP", false, 0, 0},
};

const AlgInfo* FindAlg(std::string_view name) {
  for (const AlgInfo& a : kAlgs) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const EVP_MD* Digest(int bits) {
  switch (bits) {
    case 256:
      return EVP_sha256();
    case 384:
      return EVP_sha384();
    case 512:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct DecoderFree {
  void operator()(OSSL_DECODER_CTX* d) const { OSSL_DECODER_CTX_free(d); }
};

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The curve size of an EC key (bytes per coordinate), 0 if unsupported.
int EcBytes(EVP_PKEY* key) {
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) !=
      1) {
    ERR_clear_error();
    return 0;
  }
  std::string_view g(group, len);
  if (g == "prime256v1" || g == "P-256") return 32;
  if (g == "secp384r1" || g == "P-384") return 48;
  if (g == "secp521r1" || g == "P-521") return 66;
  return 0;
}

// Classifies an OpenSSL key and checks it is one the verifier accepts.
Status Adopt(EVP_PKEY* raw, std::string* kty, int* ec_bytes) {
  if (EVP_PKEY_is_a(raw, "RSA")) {
    const int bits = EVP_PKEY_get_bits(raw);
    if (bits < kMinRsaBits) return InvalidRequest("RSA keys must have at least 2048 bits");
    if (bits > kMaxRsaBits) return InvalidRequest("RSA keys must have at most 16384 bits");
    // A public exponent of 1 (or an even one) makes signatures forgeable or meaningless.
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(raw, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
      ERR_clear_error();
      return InvalidRequest("unreadable RSA public exponent");
    }
    std::unique_ptr<BIGNUM, BnFree> owned(e);
    if (!BN_is_odd(e) || BN_is_one(e)) return InvalidRequest("invalid RSA public exponent");
    *kty = "RSA";
  } else if (EVP_PKEY_is_a(raw, "EC")) {
    *ec_bytes = EcBytes(raw);
    if (*ec_bytes == 0)
      return InvalidRequest("unsupported elliptic curve (want P-256, P-384, P-521)");
    *kty = "EC";
  } else if (EVP_PKEY_is_a(raw, "ED25519")) {
    *kty = "OKP";
  } else {
    return InvalidRequest("unsupported public key type (want RSA, EC or Ed25519)");
  }
  return OkStatus();
}

}  // namespace

bool IsJwtAlgorithm(std::string_view alg) { return FindAlg(alg) != nullptr; }

namespace {
struct KeyParts {
  std::shared_ptr<EVP_PKEY> key;
  std::string kty;
  int ec_bytes = 0;
};

Result<KeyParts> Classify(EVP_PKEY* raw) {
  KeyParts p;
  p.key = Own(raw);
  ARCA_RETURN_IF_ERROR(Adopt(raw, &p.kty, &p.ec_bytes));
  return p;
}

Result<std::string> B64Member(const json::object& o, std::string_view name, bool required) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    if (required) return InvalidRequest("JWK is missing \"" + std::string(name) + "\"");
    return std::string();
  }
  if (!v->is_string())
    return InvalidRequest("JWK member \"" + std::string(name) + "\" is not a string");
  auto d = Base64UrlDecode(std::string_view(v->as_string()));
  if (!d || d->empty())
    return InvalidRequest("JWK member \"" + std::string(name) + "\" is not base64url");
  return std::move(*d);
}

Result<EVP_PKEY*> FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return InvalidRequest("JWK does not hold a valid public key");
  }
  return key;
}

// EC points must be on the curve (invalid-curve attacks): OpenSSL's public key check.
bool PublicCheck(EVP_PKEY* key) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  bool ok = ctx && EVP_PKEY_public_check(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

std::string StringMember(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

Result<JwtPublicKey> JwtPublicKey::FromDer(std::string_view der) {
  const unsigned char* p = U(der);
  EVP_PKEY* raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (raw == nullptr || p != U(der) + der.size()) {
    EVP_PKEY_free(raw);
    ERR_clear_error();
    return InvalidRequest("not a DER SubjectPublicKeyInfo");
  }
  ARCA_ASSIGN_OR_RETURN(KeyParts parts, Classify(raw));
  JwtPublicKey k;
  k.key_ = std::move(parts.key);
  k.kty_ = std::move(parts.kty);
  k.ec_bytes_ = parts.ec_bytes;
  return k;
}

Result<JwtPublicKey> JwtPublicKey::FromPem(std::string_view pem) {
  if (pem.size() > kMaxJwksSize) return InvalidRequest("PEM key too large");
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Internal("BIO_new_mem_buf failed");
  EVP_PKEY* raw = nullptr;
  if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert) raw = X509_get_pubkey(cert.get());
  } else {
    // "PUBLIC KEY" (SPKI) or "RSA PUBLIC KEY" (PKCS#1): OpenSSL's decoder reads both.
    OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, nullptr,
                                                           EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
    std::unique_ptr<OSSL_DECODER_CTX, DecoderFree> owned(dctx);
    if (dctx == nullptr || OSSL_DECODER_from_bio(dctx, bio.get()) != 1) {
      EVP_PKEY_free(raw);
      raw = nullptr;
    }
  }
  ERR_clear_error();
  if (raw == nullptr)
    return InvalidRequest("error parsing public key: not a PEM public key or certificate");
  ARCA_ASSIGN_OR_RETURN(KeyParts parts, Classify(raw));
  JwtPublicKey k;
  k.key_ = std::move(parts.key);
  k.kty_ = std::move(parts.kty);
  k.ec_bytes_ = parts.ec_bytes;
  return k;
}

Result<JwtPublicKey> JwtPublicKey::FromJwk(const json::object& jwk) {
  std::string kty = StringMember(jwk, "kty");
  EVP_PKEY* raw = nullptr;
  if (kty == "RSA") {
    ARCA_ASSIGN_OR_RETURN(std::string n, B64Member(jwk, "n", true));
    ARCA_ASSIGN_OR_RETURN(std::string e, B64Member(jwk, "e", true));
    if (e.size() > 8) return InvalidRequest("JWK RSA exponent too large");
    std::unique_ptr<BIGNUM, BnFree> bn_n(BN_bin2bn(U(n), static_cast<int>(n.size()), nullptr));
    std::unique_ptr<BIGNUM, BnFree> bn_e(BN_bin2bn(U(e), static_cast<int>(e.size()), nullptr));
    std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
    if (!bn_n || !bn_e || !bld ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
      return Internal("building RSA parameters");
    }
    ARCA_ASSIGN_OR_RETURN(raw, FromParams("RSA", bld.get()));
  } else if (kty == "EC") {
    std::string crv = StringMember(jwk, "crv");
    const char* group = crv == "P-256"   ? "P-256"
                        : crv == "P-384" ? "P-384"
                        : crv == "P-521" ? "P-521"
                                         : nullptr;
    if (group == nullptr) return InvalidRequest("JWK has an unsupported curve \"" + crv + "\"");
    const size_t bytes = crv == "P-256" ? 32 : crv == "P-384" ? 48 : 66;
    ARCA_ASSIGN_OR_RETURN(std::string x, B64Member(jwk, "x", true));
    ARCA_ASSIGN_OR_RETURN(std::string y, B64Member(jwk, "y", true));
    if (x.size() != bytes || y.size() != bytes)
      return InvalidRequest("JWK EC coordinates have the wrong size");
    std::string point = "\x04" + x + y;
    std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
      return Internal("building EC parameters");
    }
    ARCA_ASSIGN_OR_RETURN(raw, FromParams("EC", bld.get()));
    if (!PublicCheck(raw)) {
      EVP_PKEY_free(raw);
      return InvalidRequest("JWK EC point is not on its curve");
    }
  } else if (kty == "OKP") {
    if (StringMember(jwk, "crv") != "Ed25519") {
      return InvalidRequest("JWK has an unsupported curve \"" + StringMember(jwk, "crv") + "\"");
    }
    ARCA_ASSIGN_OR_RETURN(std::string x, B64Member(jwk, "x", true));
    if (x.size() != 32) return InvalidRequest("JWK Ed25519 key has the wrong size");
    raw = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, U(x), x.size());
    if (raw == nullptr) {
      ERR_clear_error();
      return InvalidRequest("JWK does not hold a valid public key");
    }
  } else if (kty == "oct") {
    return InvalidRequest("symmetric JWKs (kty \"oct\") are not accepted");
  } else {
    return InvalidRequest("JWK has an unsupported kty \"" + kty + "\"");
  }
  ARCA_ASSIGN_OR_RETURN(KeyParts parts, Classify(raw));
  JwtPublicKey k;
  k.key_ = std::move(parts.key);
  k.kty_ = std::move(parts.kty);
  k.ec_bytes_ = parts.ec_bytes;
  k.kid_ = StringMember(jwk, "kid");
  k.alg_ = StringMember(jwk, "alg");
  k.use_ = StringMember(jwk, "use");
  return k;
}

bool JwtPublicKey::SupportsAlgorithm(std::string_view alg) const {
  const AlgInfo* a = FindAlg(alg);
  if (a == nullptr || !key_) return false;
  if (kty_ != a->kty) return false;
  if (kty_ == "EC" && ec_bytes_ != a->ec_bytes) return false;
  if (!alg_.empty() && alg_ != alg) return false;
  return true;
}

bool JwtPublicKey::Verify(std::string_view alg, std::string_view input,
                          std::string_view signature) const {
  if (!SupportsAlgorithm(alg)) return false;
  const AlgInfo* a = FindAlg(alg);
  std::string der_sig;
  std::string_view sig = signature;
  if (kty_ == "EC") {
    // JWS's fixed-size r||s -> OpenSSL's DER SEQUENCE.
    if (signature.size() != static_cast<size_t>(2 * a->ec_bytes)) return false;
    std::unique_ptr<ECDSA_SIG, SigFree> es(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(U(signature), a->ec_bytes, nullptr);
    BIGNUM* s = BN_bin2bn(U(signature) + a->ec_bytes, a->ec_bytes, nullptr);
    if (!es || !r || !s || ECDSA_SIG_set0(es.get(), r, s) != 1) {
      BN_free(r);
      BN_free(s);
      ERR_clear_error();
      return false;
    }
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(es.get(), &der);
    if (len <= 0) {
      ERR_clear_error();
      return false;
    }
    der_sig.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    sig = der_sig;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), &pctx, Digest(a->digest_bits), nullptr, key_.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  if (a->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    ERR_clear_error();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), U(sig), sig.size(), U(input), input.size());
  ERR_clear_error();
  return rc == 1;
}

Result<std::string> JwtPublicKey::ToDer() const {
  int len = i2d_PUBKEY(key_.get(), nullptr);
  if (len <= 0) return Internal("encoding a public key");
  std::string out(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(out.data());
  if (i2d_PUBKEY(key_.get(), &p) != len) return Internal("encoding a public key");
  return out;
}

Result<std::vector<JwtPublicKey>> ParseJwks(std::string_view text) {
  if (text.size() > kMaxJwksSize) return InvalidRequest("JWKS document too large");
  auto doc = ParseJsonObject(text);
  if (!doc) return InvalidRequest("JWKS is not a JSON object");
  const json::value* keys = doc->if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return InvalidRequest("JWKS has no \"keys\" array");
  std::vector<JwtPublicKey> out;
  for (const json::value& v : keys->as_array()) {
    if (!v.is_object()) continue;
    const json::object& o = v.as_object();
    if (StringMember(o, "use") == "enc") continue;
    auto k = JwtPublicKey::FromJwk(o);
    if (k) out.push_back(std::move(*k));
  }
  return out;
}

Result<std::vector<JwtPublicKey>> ParsePemKeys(std::string_view text) {
  std::vector<JwtPublicKey> out;
  size_t pos = 0;
  while (true) {
    size_t begin = text.find("-----BEGIN ", pos);
    if (begin == std::string_view::npos) break;
    size_t end_tag = text.find("-----END ", begin);
    if (end_tag == std::string_view::npos) return InvalidRequest("unterminated PEM block");
    size_t end = text.find("-----", end_tag + 9);
    if (end == std::string_view::npos) return InvalidRequest("unterminated PEM block");
    end += 5;
    ARCA_ASSIGN_OR_RETURN(JwtPublicKey k, JwtPublicKey::FromPem(text.substr(begin, end - begin)));
    out.push_back(std::move(k));
    pos = end;
  }
  if (out.empty()) return InvalidRequest("no PEM public key found");
  return out;
}

Result<ParsedJwt> ParseJwt(std::string_view compact) {
  if (compact.size() > kMaxJwtSize) return InvalidRequest("token is too large");
  size_t d1 = compact.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos) {
    return InvalidRequest("malformed token: not a compact JWS (three parts)");
  }
  std::string_view h64 = compact.substr(0, d1), p64 = compact.substr(d1 + 1, d2 - d1 - 1),
                   s64 = compact.substr(d2 + 1);
  auto h = Base64UrlDecode(h64);
  auto p = Base64UrlDecode(p64);
  auto s = Base64UrlDecode(s64);
  if (!h || !p || !s) return InvalidRequest("malformed token: invalid base64url");
  ParsedJwt out;
  auto header = ParseJsonObject(*h);
  if (!header) return InvalidRequest("malformed token: header is not a JSON object");
  auto claims = ParseJsonObject(*p);
  if (!claims) return InvalidRequest("malformed token: payload is not a JSON object");
  out.header = std::move(*header);
  out.claims = std::move(*claims);
  const json::value* alg = out.header.if_contains("alg");
  if (alg == nullptr || !alg->is_string())
    return InvalidRequest("malformed token: no \"alg\" header");
  out.alg = std::string(alg->as_string());
  if (out.header.contains("crit")) return InvalidRequest("unsupported critical header in token");
  if (const json::value* kid = out.header.if_contains("kid")) {
    if (!kid->is_string()) return InvalidRequest("malformed token: \"kid\" is not a string");
    out.kid = std::string(kid->as_string());
  }
  out.signing_input = std::string(compact.substr(0, d2));
  out.signature = std::move(*s);
  return out;
}

Status VerifyJwtSignature(const ParsedJwt& t, std::span<const JwtPublicKey> keys,
                          std::span<const std::string> algorithms) {
  // "none" and HMAC algorithms are never verifiable here, whatever `algorithms` holds.
  if (!IsJwtAlgorithm(t.alg)) {
    return InvalidRequest("token signed with unsupported algorithm \"" + t.alg + "\"");
  }
  if (!algorithms.empty() &&
      std::find(algorithms.begin(), algorithms.end(), t.alg) == algorithms.end()) {
    return InvalidRequest("token signed with unsupported algorithm \"" + t.alg + "\"");
  }
  for (const JwtPublicKey& k : keys) {
    if (!t.kid.empty() && !k.kid().empty() && k.kid() != t.kid) continue;
    if (k.Verify(t.alg, t.signing_input, t.signature)) return OkStatus();
  }
  return InvalidRequest("failed to verify signature");
}

namespace {

// A NumericDate claim: nullopt when absent; error when not a number.
Result<std::optional<double>> TimeClaim(const json::object& c, std::string_view name) {
  const json::value* v = c.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<double>();
  double d = 0;
  if (v->is_int64()) {
    d = static_cast<double>(v->as_int64());
  } else if (v->is_uint64()) {
    d = static_cast<double>(v->as_uint64());
  } else if (v->is_double()) {
    d = v->as_double();
  } else {
    return InvalidRequest("malformed token: \"" + std::string(name) + "\" is not a number");
  }
  if (!std::isfinite(d))
    return InvalidRequest("malformed token: \"" + std::string(name) + "\" is not a number");
  return std::optional<double>(d);
}

double NonNegative(std::chrono::seconds s) {
  return s.count() < 0 ? 0.0 : static_cast<double>(s.count());
}

}  // namespace

Result<std::vector<std::string>> JwtAudiences(const json::object& claims) {
  std::vector<std::string> out;
  const json::value* v = claims.if_contains("aud");
  if (v == nullptr || v->is_null()) return out;
  if (v->is_string()) {
    out.emplace_back(v->as_string());
    return out;
  }
  if (!v->is_array()) return InvalidRequest("malformed token: \"aud\" is not a string or list");
  for (const json::value& a : v->as_array()) {
    if (!a.is_string()) return InvalidRequest("malformed token: \"aud\" holds a non-string");
    out.emplace_back(a.as_string());
  }
  return out;
}

Status ValidateJwtClaims(const json::object& c, const JwtExpectations& e) {
  auto now_tp =
      e.now == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now() : e.now;
  const double now = std::chrono::duration<double>(now_tp.time_since_epoch()).count();
  ARCA_ASSIGN_OR_RETURN(auto exp, TimeClaim(c, "exp"));
  ARCA_ASSIGN_OR_RETURN(auto nbf, TimeClaim(c, "nbf"));
  ARCA_ASSIGN_OR_RETURN(auto iat, TimeClaim(c, "iat"));
  if (e.require_time_claim && !exp && !nbf && !iat) {
    return InvalidRequest(
        "no issued at (iat), not before (nbf), or expiration time (exp) claims in token");
  }
  if (e.require_exp && !exp) return InvalidRequest("no expiration time (exp) claim in token");
  const double skew = NonNegative(e.clock_skew_leeway);
  if (exp && now > *exp + NonNegative(e.expiration_leeway) + skew) {
    return InvalidRequest("token is expired (exp)");
  }
  if (nbf && now < *nbf - NonNegative(e.not_before_leeway) - skew) {
    return InvalidRequest("token is not yet valid (nbf)");
  }
  if (iat && now < *iat - skew) return InvalidRequest("token issued in the future (iat)");
  if (!e.issuer.empty()) {
    const json::value* iss = c.if_contains("iss");
    if (iss == nullptr || !iss->is_string() || iss->as_string() != e.issuer) {
      return InvalidRequest("invalid issuer (iss) claim");
    }
  }
  if (!e.subject.empty()) {
    const json::value* sub = c.if_contains("sub");
    if (sub == nullptr || !sub->is_string() || sub->as_string() != e.subject) {
      return InvalidRequest("invalid subject (sub) claim");
    }
  }
  if (!e.audiences.empty()) {
    ARCA_ASSIGN_OR_RETURN(auto aud, JwtAudiences(c));
    bool match = false;
    for (const auto& a : aud) {
      if (std::find(e.audiences.begin(), e.audiences.end(), a) != e.audiences.end()) match = true;
    }
    if (!match)
      return InvalidRequest(
          "invalid audience (aud) claim: audience claim does not match any expected audience");
  }
  return OkStatus();
}

Result<json::object> VerifyJwt(std::string_view compact, std::span<const JwtPublicKey> keys,
                               const JwtExpectations& e) {
  ARCA_ASSIGN_OR_RETURN(ParsedJwt t, ParseJwt(compact));
  ARCA_RETURN_IF_ERROR(VerifyJwtSignature(t, keys, e.algorithms));
  ARCA_RETURN_IF_ERROR(ValidateJwtClaims(t.claims, e));
  return std::move(t.claims);
}

}  // namespace arca::crypto
