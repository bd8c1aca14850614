// X.509 helpers of the cert auth method, on OpenSSL: parsing certificates (PEM and DER) and
// CRLs, reading the names and extensions the role constraints look at, and verifying a client
// chain against a set of trusted certificates. Private to src/auth/cert/.
//
// Thread-safety: free functions; the returned objects are owned by the caller.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct x509_st;  // OpenSSL's X509

namespace arca::auth::cert {

struct X509Deleter {
  void operator()(x509_st* x) const;
};
using X509Ptr = std::unique_ptr<x509_st, X509Deleter>;

// Every CERTIFICATE / TRUSTED CERTIFICATE block of `pem` that parses, in order; other blocks
// and unparsable ones are skipped (Vault's parsePEM).
std::vector<X509Ptr> ParsePemCertificates(std::string_view pem);
// One DER certificate; InvalidRequest if it does not parse (or has trailing bytes).
Result<X509Ptr> ParseDerCertificate(std::string_view der);

std::string Der(x509_st* cert);
// basicConstraints CA:TRUE (Go's IsCA).
bool IsCa(x509_st* cert);
// No extended key usage, or one that lists clientAuth or anyExtendedKeyUsage.
bool AllowsClientAuth(x509_st* cert);
// notBefore <= now <= notAfter.
bool ValidAt(x509_st* cert, std::chrono::system_clock::time_point now);

// The subject's common name (the last CN attribute, as Go reads it; "" if none).
std::string CommonName(x509_st* cert);
std::vector<std::string> OrganizationalUnits(x509_st* cert);
std::vector<std::string> DnsSans(x509_st* cert);
std::vector<std::string> EmailSans(x509_st* cert);
std::vector<std::string> UriSans(x509_st* cert);
// The serial number in decimal (Go's big.Int String()).
std::string SerialDecimal(x509_st* cert);
// Subject / authority key identifiers as colon-separated lower-case hex ("" if absent).
std::string SubjectKeyId(x509_st* cert);
std::string AuthorityKeyId(x509_st* cert);

// The value of the extension `oid` (dotted form) read as an ASN.1 string (UTF8String,
// PrintableString, IA5String, ...); "" when it is present but not a string; nullopt when the
// certificate has no such extension.
std::optional<std::string> ExtensionString(x509_st* cert, std::string_view oid);
// Whether `oid` is a dotted object identifier ("1.2.3.4").
bool IsDottedOid(std::string_view oid);

// The decimal serial numbers a CRL revokes. The CRL may be PEM or DER; InvalidRequest
// ("failed to parse CRL: ...") if it is neither.
Result<std::set<std::string>> RevokedSerials(std::string_view crl);

// Verification of `chain` (the client's certificate first, then the intermediates it sent,
// untrusted) against `anchors`, any of which may end the chain (partial chains, as Go's
// x509 roots), for TLS client use (purpose sslclient: extended key usages along the chain), at
// `now`.
struct VerifyOutcome {
  // The verified chain, client certificate first, ending at an anchor. Empty on failure.
  std::vector<X509Ptr> chain;
  // On failure: true when no chain to an anchor exists (Go's UnknownAuthorityError), false
  // when one exists but is invalid (expired, wrong usage, bad signature...).
  bool unknown_authority = false;
  std::string error;  // OpenSSL's reason on failure
};
VerifyOutcome VerifyChain(const std::vector<X509Ptr>& chain, const std::vector<x509_st*>& anchors,
                          std::chrono::system_clock::time_point now);

}  // namespace arca::auth::cert
