// JSON Web Signatures as ACME (RFC 8555 §6.2) uses them: the flattened JSON serialization, a
// protected header carrying `alg`, `nonce`, `url` and exactly one of `jwk` (new accounts,
// revocation by certificate key) or `kid` (an account URL), and public JWKs (RFC 7517) of type
// EC (P-256/P-384/P-521), RSA and OKP (Ed25519). Verification is OpenSSL's; nothing here is a
// hand-made cipher.
//
// Thread-safety: Jwk is immutable after construction and may be shared between threads.
#pragma once

#include <openssl/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "engines/pki/acme/problem.h"

namespace arca::pki::acme {

class Jwk {
 public:
  // Parses a public JWK. Private members ("d", "p", ...) are refused: a client must never send
  // them. Errors are badPublicKey / malformed problems.
  static AcmeResult<Jwk> FromJson(const json::object& jwk);

  // RFC 7638 thumbprint: base64url(SHA-256(canonical JSON of the required members)).
  const std::string& Thumbprint() const { return thumbprint_; }
  // The required members only, as stored with an account.
  const json::object& Json() const { return json_; }
  // "ES256", "ES384", "ES512", "RS256" (also RS384/RS512) or "EdDSA" match the key type.
  bool AcceptsAlgorithm(std::string_view alg) const;
  // Verifies `signature` (raw JWS bytes, e.g. r||s for ECDSA) over `input` with `alg`.
  AcmeStatus Verify(std::string_view alg, std::string_view input, std::string_view signature) const;
  // Whether `key` is the same public key (revocation signed by the certificate's key).
  bool SameKeyAs(EVP_PKEY* key) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::string kty_;
  std::string crv_;
  json::object json_;
  std::string thumbprint_;
};

// A JWS in flattened JSON serialization, parsed but not yet verified.
struct JwsMessage {
  std::string protected_b64;
  std::string payload_b64;
  std::string signature;  // decoded
  json::object header;    // decoded protected header
  std::string alg;
  std::string nonce;
  std::string url;
  std::string kid;               // account URL, when the header has "kid"
  std::optional<Jwk> jwk;        // when the header has "jwk"
  std::string payload;           // decoded; empty for POST-as-GET
  bool post_as_get() const { return payload_b64.empty(); }
  // The payload as a JSON object ({} for POST-as-GET); malformed when it is not one.
  AcmeResult<json::object> PayloadObject() const;
};

// Structural parse of a request body {"protected","payload","signature"}: base64url, the header
// members above, exactly one of jwk/kid, a supported alg ("none" and MAC algorithms refused).
AcmeResult<JwsMessage> ParseJws(const json::object& body);

// Verifies the message's signature with `key` (the header's jwk or the account's stored key).
AcmeStatus VerifyJws(const JwsMessage& msg, const Jwk& key);

// External account binding (RFC 8555 §7.3.4): `eab` is the inner JWS (HS256 with the EAB key);
// its payload must be the outer jwk and its url the outer url. Returns the EAB key id.
AcmeResult<std::string> VerifyExternalAccountBinding(
    const json::object& eab, const Jwk& account_key, std::string_view outer_url,
    const std::function<std::optional<std::string>(std::string_view kid)>& lookup_hmac_key);

}  // namespace arca::pki::acme
