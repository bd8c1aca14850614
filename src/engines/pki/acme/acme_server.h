// The ACME server (RFC 8555) of a PKI mount, as Vault serves it: directories under
//   acme/                      (default_directory_policy decides the role; default issuer)
//   roles/:role/acme/          issuer/:ref/acme/          issuer/:ref/roles/:role/acme/
// each with directory, new-nonce, new-account, account/:id(/orders), new-order, order/:id,
// order/:id/finalize, order/:id/cert, authorization/:id, challenge/:authz/http-01, revoke-cert
// and key-change; plus the configuration paths config/acme and config/cluster and the external
// account binding keys acme/new-eab (and its directory variants), eab (LIST) and eab/:id.
//
// The protocol endpoints are unauthenticated for the core (UnauthenticatedPaths) and
// authenticated by JWS; their answers are raw JSON (application/json, problem+json for errors,
// application/pem-certificate-chain for certificates) with Replay-Nonce, Link and Location
// headers. Certificates are signed through PkiInternal, so role rules, storage and revocation are
// the PKI engine's.
//
// Challenge types: http-01 (port 80) and, for DNS names, tls-alpn-01 (port 443), validated
// synchronously when the client posts the challenge; Options moves the ports. dns-01 is not
// offered.
//
// Thread-safety: Paths() handlers may run concurrently; read-modify-write of ACME objects is
// serialized by an internal mutex that is never held during network I/O or signing.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engines/pki/acme/http01.h"
#include "engines/pki/acme/nonces.h"
#include "engines/pki/acme/problem.h"
#include "engines/pki/pki_internal_api.h"
#include "logical/framework/path.h"

namespace arca::pki::acme {

class AcmeServer {
 public:
  using Http01Validator = std::function<AcmeStatus(std::string_view domain, int port,
                                                   std::string_view token,
                                                   std::string_view key_authorization)>;
  struct Options {
    int http01_port = 80;
    Http01Validator validate_http01;  // empty = the real HTTP check (http01.h)
    int tls_alpn01_port = 443;
    // (domain, port, token, key authorization); empty = the real TLS check (tls_alpn01.h)
    Http01Validator validate_tls_alpn01;
    std::function<int64_t()> now;     // unix seconds; empty = the system clock
    // The real validators' address rules and time bounds (http01.h): loopback, link-local and
    // unspecified targets are refused unless allow_local_addresses is set.
    ValidationPolicy validation;
  };

  // Options for a server: http01_port from ARCA_ACME_HTTP01_PORT and tls_alpn01_port from
  // ARCA_ACME_TLSALPN01_PORT when set (testing aids for clients that cannot listen on ports 80
  // and 443; see docs/compat.md); validation.allow_local_addresses when
  // ARCA_ACME_ALLOW_LOCAL_TARGETS is "1" or "true" (for clients that serve challenges on
  // loopback; see docs/acme.md).
  static Options DefaultOptions();

  explicit AcmeServer(PkiInternal& pki);
  AcmeServer(PkiInternal& pki, Options options);

  // The framework paths to add to the PKI backend (protocol, config/acme, config/cluster, EAB).
  std::vector<logical::framework::Path> Paths();
  // The protocol endpoints, for SpecialPaths::unauthenticated.
  static std::vector<std::string> UnauthenticatedPaths();
  // Drops orders (and their authorizations) that expired a day ago or more without a
  // certificate. Called from the backend's periodic hook.
  void Tidy(logical::Storage& storage);

  NonceStore& nonces() { return nonces_; }

 // Per-request context and answer (defined in acme_internal.h).
  struct Call;
  struct Reply;

 private:
  using Endpoint = std::function<AcmeResult<Reply>(Call&)>;
  enum class Auth { kNone, kJwk, kKid, kJwkOrKid };

  logical::framework::Path ProtocolPath(const std::string& tail_regex, Auth auth,
                                        Endpoint endpoint);
  Result<logical::Response> Serve(logical::Request& req, logical::framework::FieldData& fields,
                                  Auth auth, const Endpoint& endpoint);

  AcmeResult<Reply> Directory(Call& c);
  AcmeResult<Reply> NewNonce(Call& c);
  AcmeResult<Reply> NewAccount(Call& c);
  AcmeResult<Reply> UpdateAccount(Call& c);
  AcmeResult<Reply> ListOrders(Call& c);
  AcmeResult<Reply> NewOrder(Call& c);
  AcmeResult<Reply> GetOrder(Call& c);
  AcmeResult<Reply> Finalize(Call& c);
  AcmeResult<Reply> GetCertificate(Call& c);
  AcmeResult<Reply> GetAuthorization(Call& c);
  AcmeResult<Reply> PostChallenge(Call& c);
  AcmeResult<Reply> RevokeCert(Call& c);
  AcmeResult<Reply> KeyChange(Call& c);

  std::vector<logical::framework::Path> ConfigPaths();
  int64_t Now() const;

  PkiInternal& pki_;
  Options options_;
  NonceStore nonces_;
  std::mutex mu_;  // serializes read-modify-write of accounts, orders and authorizations
};

}  // namespace arca::pki::acme
