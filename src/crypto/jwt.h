// Verification of JSON Web Tokens (RFC 7519) in JWS compact form (RFC 7515) with public keys:
// the jwt/oidc and kubernetes auth methods (pem_keys, JWKS, OIDC discovery) use it.
//
//   - Keys: PEM (SubjectPublicKeyInfo "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY", or the public key
//     of a "CERTIFICATE"), DER SubjectPublicKeyInfo, JWK (RFC 7517: kty RSA, EC P-256/P-384/
//     P-521, OKP Ed25519) and JWK sets. RSA keys must have 2048 to 16384 bits and an odd public
//     exponent above 1; EC points are checked to lie on their curve.
//   - Algorithms: RS256/384/512 (PKCS#1 v1.5), PS256/384/512 (PSS, salt = digest length),
//     ES256/384/512 (raw r||s), EdDSA (Ed25519). "none" and every HMAC algorithm (HS*) are
//     refused whatever the configuration says, so a public key can never be used as an HMAC
//     secret (key/algorithm confusion). A key verifies only the algorithms of its own type and
//     curve, and only its JWK "alg" when it has one.
//   - Claims: exp / nbf / iat with leeways, iss, sub, aud, as Vault's JWT validation does.
//
// Untrusted input: tokens, JWKS documents and keys are parsed with the project's base64url
// decoder and Boost.JSON, with size limits; fuzz/jwt_fuzzer.cc drives ParseJwt, ParseJwks and
// VerifyJwt with arbitrary bytes. Errors are InvalidRequest with a message fit for the caller
// (no key material in it); Internal only for OpenSSL failures that should not happen.
//
// Thread-safety: a JwtPublicKey is immutable after construction and may be shared by threads;
// the free functions are pure.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace arca::crypto {

// Every signature algorithm the verifier accepts (Vault's list for jwt_supported_algs).
inline constexpr std::array<std::string_view, 10> kJwtAlgorithms = {
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"};

bool IsJwtAlgorithm(std::string_view alg);

class JwtPublicKey {
 public:
  // One PEM block: "PUBLIC KEY", "RSA PUBLIC KEY" or "CERTIFICATE" (its public key).
  static Result<JwtPublicKey> FromPem(std::string_view pem);
  // DER SubjectPublicKeyInfo.
  static Result<JwtPublicKey> FromDer(std::string_view spki_der);
  // A JWK object. Private members ("d", ...) are ignored; kty "oct" (a symmetric key) is refused.
  static Result<JwtPublicKey> FromJwk(const json::object& jwk);

  // "RSA", "EC" or "OKP".
  const std::string& kty() const { return kty_; }
  // The JWK's "kid" / "alg" / "use" (empty for PEM and DER keys or when absent).
  const std::string& kid() const { return kid_; }
  const std::string& alg() const { return alg_; }
  const std::string& use() const { return use_; }

  // Whether this key may verify `alg`: the key type (and curve) fits, and the JWK's "alg",
  // when it has one, is `alg`.
  bool SupportsAlgorithm(std::string_view alg) const;
  // Verifies a JWS signature over `input`. false for a wrong signature, an algorithm the key
  // does not support or a malformed signature.
  bool Verify(std::string_view alg, std::string_view input, std::string_view signature) const;

  // DER SubjectPublicKeyInfo of the key (to store or compare keys).
  Result<std::string> ToDer() const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::string kty_;
  int ec_bytes_ = 0;  // EC: bytes per coordinate (32, 48, 66)
  std::string kid_, alg_, use_;
};

// A JWK set ({"keys":[...]}). Keys with "use":"enc", of an unknown kty or with unusable
// parameters are skipped (as OIDC clients do); a document that is not a JWK set is an error.
Result<std::vector<JwtPublicKey>> ParseJwks(std::string_view json_text);

// Every PEM block in `text` (a bundle of public keys or certificates), in order. Error when
// there is none or one cannot be read.
Result<std::vector<JwtPublicKey>> ParsePemKeys(std::string_view text);

// A compact JWS split and decoded, not verified. The header must be a JSON object with a string
// "alg"; the payload a JSON object; "crit" headers are refused (none is understood).
struct ParsedJwt {
  json::object header;
  json::object claims;
  std::string alg;
  std::string kid;            // header "kid", empty when absent
  std::string signing_input;  // "<b64 header>.<b64 payload>"
  std::string signature;      // raw bytes
};
inline constexpr size_t kMaxJwtSize = 64 * 1024;
Result<ParsedJwt> ParseJwt(std::string_view compact);

// What VerifyJwt asserts besides the signature.
struct JwtExpectations {
  std::vector<std::string> algorithms;  // allowed "alg" values; empty = all of kJwtAlgorithms
  std::string issuer;                   // "iss" must equal it when not empty
  std::string subject;                  // "sub" must equal it when not empty
  std::vector<std::string> audiences;   // "aud" must contain one of them when not empty
  // Leeways (Vault's role fields): exp is valid until exp + expiration + clock skew, nbf from
  // nbf - not_before - clock skew, iat may be up to clock skew in the future. A negative leeway
  // counts as zero (Vault's -1 = "no leeway").
  std::chrono::seconds clock_skew_leeway{60};
  std::chrono::seconds expiration_leeway{150};
  std::chrono::seconds not_before_leeway{150};
  // At least one of exp, nbf, iat must be present (Vault's rule); exp may be required outright.
  bool require_time_claim = true;
  bool require_exp = false;
  // The time to check against; the epoch (default) means now.
  std::chrono::system_clock::time_point now{};
};

// Verifies the signature of `parsed` with one of `keys`: the token's alg must be in `algorithms`
// (empty = kJwtAlgorithms); a token with a "kid" is tried only against keys with that kid or
// none. Error "failed to verify signature" (or a more precise one for a bad alg).
Status VerifyJwtSignature(const ParsedJwt& parsed, std::span<const JwtPublicKey> keys,
                          std::span<const std::string> algorithms);

// Checks the claims of a verified token against `e` (times, iss, sub, aud).
Status ValidateJwtClaims(const json::object& claims, const JwtExpectations& e);

// ParseJwt + VerifyJwtSignature + ValidateJwtClaims: the token's claims when all hold.
Result<json::object> VerifyJwt(std::string_view compact, std::span<const JwtPublicKey> keys,
                               const JwtExpectations& e);

// The "aud" claim as a list (a string is a list of one; absent = empty). Error for another type.
Result<std::vector<std::string>> JwtAudiences(const json::object& claims);

}  // namespace arca::crypto
