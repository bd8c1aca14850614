#include "core/identity/oidc_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/encoding.h"

namespace arca::core::identity {

namespace {

struct Alg {
  std::string_view name;
  const char* kty;    // "RSA", "EC", "OKP"
  const char* curve;  // EC/OKP curve name for keygen and JWK "crv"
  int digest_bits;    // 0 for EdDSA
  int coord_bytes;    // EC: bytes per coordinate
};

constexpr Alg kAlgs[] = {
    {"RS256", "RSA", nullptr, 256, 0}, {"RS384", "RSA", nullptr, 384, 0},
    {"RS512", "RSA", nullptr, 512, 0}, {"ES256", "EC", "P-256", 256, 32},
    {"ES384", "EC", "P-384", 384, 48}, {"ES512", "EC", "P-521", 512, 66},
    {"EdDSA", "OKP", "Ed25519", 0, 0},
};

const Alg* FindAlg(std::string_view name) {
  for (const Alg& a : kAlgs) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const EVP_MD* Digest(const Alg& a) {
  switch (a.digest_bits) {
    case 256: return EVP_sha256();
    case 384: return EVP_sha384();
    case 512: return EVP_sha512();
    default: return nullptr;
  }
}

std::string OpenSslError(std::string_view what) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = {0};
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  return std::string(what) + (e != 0 ? std::string(": ") + buf : std::string());
}

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

std::string BnBytes(const BIGNUM* bn, int pad) {
  std::string out(pad > 0 ? pad : BN_num_bytes(bn), '\0');
  if (pad > 0) {
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad);
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

Result<std::string> BnParam(EVP_PKEY* key, const char* name, int pad) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return Internal(OpenSslError("reading a public key parameter"));
  }
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  return BnBytes(bn.get(), pad);
}

}  // namespace

bool IsOidcAlgorithm(std::string_view alg) { return FindAlg(alg) != nullptr; }

Result<OidcSigningKey> OidcSigningKey::Generate(std::string_view alg) {
  const Alg* a = FindAlg(alg);
  if (!a) return InvalidRequest("unknown signing algorithm \"" + std::string(alg) + "\"");
  EVP_PKEY* k = nullptr;
  if (std::string_view(a->kty) == "RSA") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  } else if (std::string_view(a->kty) == "EC") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", a->curve);
  } else {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  }
  if (!k) return Internal(OpenSslError("generating an OIDC signing key"));
  OidcSigningKey out;
  out.key_ = Own(k);
  out.alg_ = std::string(alg);
  return out;
}

Result<OidcSigningKey> OidcSigningKey::FromDer(std::string_view alg, const SecureBytes& der) {
  if (!FindAlg(alg)) return Internal("unknown signing algorithm \"" + std::string(alg) + "\"");
  const unsigned char* p = der.data();
  EVP_PKEY* k = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  if (!k) return Internal(OpenSslError("decoding a stored OIDC signing key"));
  OidcSigningKey out;
  out.key_ = Own(k);
  out.alg_ = std::string(alg);
  return out;
}

Result<SecureBytes> OidcSigningKey::PrivateDer() const {
  int len = i2d_PrivateKey(key_.get(), nullptr);
  if (len <= 0) return Internal(OpenSslError("encoding an OIDC signing key"));
  SecureBytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (i2d_PrivateKey(key_.get(), &p) != len) {
    return Internal(OpenSslError("encoding an OIDC signing key"));
  }
  return out;
}

Result<std::string> OidcSigningKey::PublicDer() const {
  int len = i2d_PUBKEY(key_.get(), nullptr);
  if (len <= 0) return Internal(OpenSslError("encoding an OIDC public key"));
  std::string out(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(out.data());
  if (i2d_PUBKEY(key_.get(), &p) != len) return Internal(OpenSslError("encoding a public key"));
  return out;
}

Result<json::object> OidcSigningKey::PublicJwk(std::string_view kid) const {
  const Alg* a = FindAlg(alg_);
  json::object jwk;
  jwk["use"] = "sig";
  jwk["kty"] = a->kty;
  jwk["kid"] = kid;
  if (std::string_view(a->kty) == "EC") jwk["crv"] = a->curve;
  if (std::string_view(a->kty) == "OKP") jwk["crv"] = a->curve;
  jwk["alg"] = alg_;
  if (std::string_view(a->kty) == "RSA") {
    ARCA_ASSIGN_OR_RETURN(std::string n, BnParam(key_.get(), OSSL_PKEY_PARAM_RSA_N, 0));
    ARCA_ASSIGN_OR_RETURN(std::string e, BnParam(key_.get(), OSSL_PKEY_PARAM_RSA_E, 0));
    jwk["n"] = Base64UrlEncode(n);
    jwk["e"] = Base64UrlEncode(e);
  } else if (std::string_view(a->kty) == "EC") {
    ARCA_ASSIGN_OR_RETURN(std::string x,
                          BnParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, a->coord_bytes));
    ARCA_ASSIGN_OR_RETURN(std::string y,
                          BnParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, a->coord_bytes));
    jwk["x"] = Base64UrlEncode(x);
    jwk["y"] = Base64UrlEncode(y);
  } else {
    size_t len = 0;
    if (EVP_PKEY_get_raw_public_key(key_.get(), nullptr, &len) != 1) {
      return Internal(OpenSslError("reading an Ed25519 public key"));
    }
    std::string x(len, '\0');
    if (EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(x.data()),
                                    &len) != 1) {
      return Internal(OpenSslError("reading an Ed25519 public key"));
    }
    jwk["x"] = Base64UrlEncode(x);
  }
  return jwk;
}

Result<std::string> OidcSigningKey::Sign(std::string_view input) const {
  const Alg* a = FindAlg(alg_);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, Digest(*a), nullptr, key_.get()) != 1) {
    return Internal(OpenSslError("signing an identity token"));
  }
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) {
    return Internal(OpenSslError("signing an identity token"));
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     input.size()) != 1) {
    return Internal(OpenSslError("signing an identity token"));
  }
  sig.resize(len);
  if (std::string_view(a->kty) != "EC") return sig;
  // ECDSA: OpenSSL's DER (SEQUENCE of r, s) -> JWS's fixed-size r||s.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
  std::unique_ptr<ECDSA_SIG, SigFree> es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!es) return Internal(OpenSslError("decoding an ECDSA signature"));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(es.get(), &r, &s);
  return BnBytes(r, a->coord_bytes) + BnBytes(s, a->coord_bytes);
}

Result<bool> VerifyJwsSignature(std::string_view alg, std::string_view public_der,
                                std::string_view input, std::string_view signature) {
  const Alg* a = FindAlg(alg);
  if (!a) return false;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(public_der.data());
  std::shared_ptr<EVP_PKEY> key = Own(d2i_PUBKEY(nullptr, &p, static_cast<long>(public_der.size())));
  if (!key) return Internal(OpenSslError("decoding an OIDC public key"));
  // The key must be of the algorithm's type (no RS256 token verified by an EC key, ...).
  const char* want = std::string_view(a->kty) == "RSA" ? "RSA"
                     : std::string_view(a->kty) == "EC" ? "EC"
                                                        : "ED25519";
  if (!EVP_PKEY_is_a(key.get(), want)) return false;
  std::string sig(signature);
  if (std::string_view(a->kty) == "EC") {
    if (signature.size() != static_cast<size_t>(2 * a->coord_bytes)) return false;
    // Every ES* key in a JWKS is one curve: the curve must match the algorithm too.
    char group[64] = {0};
    size_t glen = 0;
    if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), &glen) != 1) {
      return false;
    }
    std::string_view g(group, glen);
    const bool curve_ok = (a->coord_bytes == 32 && (g == "prime256v1" || g == "P-256")) ||
                          (a->coord_bytes == 48 && (g == "secp384r1" || g == "P-384")) ||
                          (a->coord_bytes == 66 && (g == "secp521r1" || g == "P-521"));
    if (!curve_ok) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    std::unique_ptr<ECDSA_SIG, SigFree> es(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(raw, a->coord_bytes, nullptr);
    BIGNUM* s = BN_bin2bn(raw + a->coord_bytes, a->coord_bytes, nullptr);
    if (!es || !r || !s || ECDSA_SIG_set0(es.get(), r, s) != 1) {
      BN_free(r);
      BN_free(s);
      return Internal("building an ECDSA signature");
    }
    unsigned char* der = nullptr;
    int dlen = i2d_ECDSA_SIG(es.get(), &der);
    if (dlen <= 0) return Internal("encoding an ECDSA signature");
    sig.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(dlen));
    OPENSSL_free(der);
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, Digest(*a), nullptr, key.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                            sig.size(), reinterpret_cast<const unsigned char*>(input.data()),
                            input.size());
  ERR_clear_error();
  return rc == 1;
}

Result<std::string> SignJwt(const OidcSigningKey& key, std::string_view kid,
                            const json::object& claims) {
  json::object header;
  header["alg"] = key.algorithm();
  header["kid"] = kid;
  std::string input = Base64UrlEncode(json::serialize(header)) + "." +
                      Base64UrlEncode(json::serialize(claims));
  ARCA_ASSIGN_OR_RETURN(std::string sig, key.Sign(input));
  return input + "." + Base64UrlEncode(sig);
}

}  // namespace arca::core::identity
