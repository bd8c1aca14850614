// The tls-alpn-01 challenge check (RFC 8737): a TLS connection to <domain>:<port> with SNI
// <domain> and ALPN "acme-tls/1" must negotiate that protocol and present a certificate whose
// only DNS name is <domain> and whose critical acmeIdentifier extension
// (1.3.6.1.5.5.7.1.31) holds SHA-256 of the key authorization. The certificate is self-signed
// by design and is not chain-verified. OpenSSL does the TLS.
//
// Thread-safety: stateless; blocks the calling thread for at most about policy.timeout.
#pragma once

#include <chrono>
#include <string_view>

#include "engines/pki/acme/http01.h"
#include "engines/pki/acme/problem.h"

namespace arca::pki::acme {

// `policy` bounds the time and the addresses as for http-01 (DialTcp).
AcmeStatus ValidateTlsAlpn01(std::string_view domain, int port, std::string_view key_authorization,
                             const ValidationPolicy& policy = {});

}  // namespace arca::pki::acme
