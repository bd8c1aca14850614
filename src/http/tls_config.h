// Server-side TLS configuration of a listener, built with OpenSSL directly (no Asio), so that it
// can be validated at AddListener time and unit-tested without sockets.
//
// Client certificates (Vault's semantics):
// - tls_disable_client_certs: never requested.
// - tls_require_and_verify_client_cert: required and verified against tls_client_ca_file (which
//   must then be set).
// - otherwise: requested but neither required nor verified, and no CA list is advertised (Go's
//   tls.RequestClientCert, as Vault): the cert auth method verifies what was presented against
//   its own trusted certificates. tls_client_ca_file given alone is checked to be a readable CA
//   file and otherwise unused, as in Vault.
//
// Thread-safety: free functions; the returned context is used read-only by the server.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/handler.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace arca::http {

struct SslCtxDeleter {
  void operator()(ssl_ctx_st* ctx) const;
};
using SslCtxPtr = std::unique_ptr<ssl_ctx_st, SslCtxDeleter>;

// Maps "tls10" | "tls11" | "tls12" | "tls13" to OpenSSL's protocol version constant; any other
// string is an InvalidRequest error.
Result<int> ParseTlsMinVersion(std::string_view name);

// Builds a TLS server context from the listener's tls_* options. Errors (all InvalidRequest):
// unknown tls_min_version, missing cert/key file names, unreadable or malformed cert/key/CA files,
// a key that does not match the certificate, require_and_verify without a CA file.
Result<SslCtxPtr> MakeServerTlsContext(const ListenerOptions& opts);

// The HA cluster listener's context from in-memory PEM (nothing on disk): TLS 1.2+, serves
// `cert_pem` with `key_pem`, and requires a client certificate that verifies against
// `cert_pem` alone (the cluster certificate is self-signed and its own CA, so only holders of
// the cluster key get in). InvalidRequest for malformed PEM or a key that does not match.
Result<SslCtxPtr> MakeClusterTlsContext(std::string_view cert_pem, std::string_view key_pem);

// The certificate chain the peer of an established TLS connection presented, DER-encoded, its
// own certificate first (logical::Request::peer_certificates); null when it presented none.
std::shared_ptr<const std::vector<std::string>> PeerCertificateChain(ssl_st* ssl);

}  // namespace arca::http
