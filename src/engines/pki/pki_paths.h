// Private to src/engines/pki/: the path groups of the engine and small shared helpers.
#pragma once

#include <vector>

#include "engines/pki/pki_engine.h"
#include "logical/framework/path.h"

namespace arca::pki {

std::vector<logical::framework::Path> IssuerPaths(PkiEngine& e);  // root/, intermediate/, issuers, keys
std::vector<logical::framework::Path> RolePaths(PkiEngine& e);    // roles
std::vector<logical::framework::Path> IssuePaths(PkiEngine& e);   // issue, sign, sign-verbatim
std::vector<logical::framework::Path> CertPaths(PkiEngine& e);    // certs, ca, crl, revoke, ocsp, tidy, config/crl|urls

// The certificate fields of a response in the requested `format` (pem, der, pem_bundle).
json::object CertResponseData(X509* cert, const LoadedIssuer& issuer, std::string_view format);
// A raw (non-envelope) response.
logical::Response RawResponse(int status, std::string content_type, std::string body);
// ASN.1 DER of a CRL / a PEM wrapper around DER bytes.
std::string PemWrap(std::string_view type, std::string_view der);
// Builds an OCSP response (DER) for a DER request.
std::string OcspRespond(PkiEngine& e, logical::Storage& s, std::string_view request_der);

}  // namespace arca::pki
