// The TLS certificate auth method (type "cert"), following Vault's API:
//
//   LIST          certs                 {"keys": [names]}
//   POST/GET/DEL  certs/:name           {certificate (PEM CA or leaf), allowed_names,
//                                        allowed_common_names, allowed_dns_sans,
//                                        allowed_email_sans, allowed_uri_sans,
//                                        allowed_organizational_units, required_extensions,
//                                        allowed_metadata_extensions, display_name, ocsp_*,
//                                        token_* (legacy: policies, ttl, max_ttl, period,
//                                        bound_cidrs, lease)}
//   LIST          crls                  {"keys": [names]}
//   POST/GET/DEL  crls/:name            {crl (PEM or DER)} -> GET {"serials": {"<dec>": {}}}
//   POST/GET      config                {disable_binding, enable_identity_alias_metadata,
//                                        ocsp_cache_size}
//   POST          login                 {name?}  (unauthenticated) -> auth block
//
// The client certificate is the one presented on the TLS connection
// (logical::Request::peer_certificates; the listener requests one unless
// tls_disable_client_certs). A login verifies it with OpenSSL against each trusted entry (the
// named one, or all): CA entries as trust anchors (intermediates the client sent are used),
// non-CA entries by exact match; then the entry's constraints (globs, as Vault) and the CRLs
// (a chain holding a revoked serial number is refused). The token gets the entry's token
// fields; metadata {cert_name, common_name, serial_number, subject_key_id, authority_key_id}
// plus allowed_metadata_extensions; the identity alias is the certificate's common name.
//
// Not supported (400 when asked for, see docs/compat.md): OCSP checking (ocsp_enabled=true)
// and CRL distribution point URLs (crls/:name with url).
//
// Storage: cert/<name> -> entry, crls/<name> -> {"serials": {...}}, config.
// Thread-safety: the backend is safe for concurrent requests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "common/status.h"
#include "logical/backend.h"

namespace arca::auth {

struct CertOptions {
  // The time certificates are checked against; default: the system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

Result<std::unique_ptr<logical::Backend>> NewCertBackend(const logical::BackendConfig& config,
                                                         CertOptions options);
// The factory registered for "cert" (default options).
Result<std::unique_ptr<logical::Backend>> NewCertBackend(const logical::BackendConfig& config);

}  // namespace arca::auth
