// Signing keys of identity tokens (identity/oidc/key/:name): generation, JWS signatures and
// their verification, and the public JWK (RFC 7517) of each key, for the algorithms Vault
// offers: RS256/RS384/RS512 (RSA-2048, PKCS#1 v1.5), ES256/ES384/ES512 (P-256/P-384/P-521,
// raw r||s signatures as JWS wants them) and EdDSA (Ed25519). All cryptography is OpenSSL's.
//
// Thread-safety: an OidcSigningKey is immutable after construction and may be shared.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/secure_bytes.h"
#include "common/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace arca::core::identity {

inline constexpr std::array<std::string_view, 7> kOidcAlgorithms = {
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"};

bool IsOidcAlgorithm(std::string_view alg);

class OidcSigningKey {
 public:
  // A new private key for `alg`. InvalidRequest for an unknown algorithm.
  static Result<OidcSigningKey> Generate(std::string_view alg);
  // The key from its PKCS#8 DER encoding (as PrivateDer wrote it).
  static Result<OidcSigningKey> FromDer(std::string_view alg, const SecureBytes& der);

  const std::string& algorithm() const { return alg_; }
  // PKCS#8 DER of the private key.
  Result<SecureBytes> PrivateDer() const;
  // DER SubjectPublicKeyInfo of the public key.
  Result<std::string> PublicDer() const;
  // {"use":"sig","kty":...,"kid":kid,"alg":...,<public members>}
  Result<json::object> PublicJwk(std::string_view kid) const;
  // The JWS signature (raw bytes) of `input` ("<b64 header>.<b64 payload>").
  Result<std::string> Sign(std::string_view input) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::string alg_;
};

// Verifies a JWS signature with the public key in DER SubjectPublicKeyInfo form. false when the
// signature does not verify (or does not fit the algorithm); errors only for unusable keys.
Result<bool> VerifyJwsSignature(std::string_view alg, std::string_view public_der,
                                std::string_view input, std::string_view signature);

// A compact JWS "<header>.<payload>.<signature>" signed with `key`, header {"alg","kid"}.
Result<std::string> SignJwt(const OidcSigningKey& key, std::string_view kid,
                            const json::object& claims);

}  // namespace arca::core::identity
