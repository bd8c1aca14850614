// login: authenticates the TLS client certificate of the request's connection.
#include <algorithm>

#include "auth/cert/internal.h"
#include "auth/cert/x509.h"
#include "auth/cidr.h"
#include "common/glob.h"
#include "crypto/compare.h"

namespace arca::auth::cert {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

constexpr char kNoCertificate[] = "no client certificate found";
constexpr char kNotTrusted[] = "invalid certificate or no client certificate supplied";
constexpr char kNoMatch[] =
    "no chain matching all constraints could be found for this login certificate";

// A trusted entry with its parsed certificates.
struct Trusted {
  CertEntry entry;
  std::vector<X509Ptr> certs;
};

bool AnyGlob(const std::vector<std::string>& patterns, const std::vector<std::string>& values) {
  for (const auto& p : patterns) {
    for (const auto& v : values) {
      if (GlobMatch(p, v)) return true;
    }
  }
  return false;
}

// An empty pattern list allows everything.
bool Allowed(const std::vector<std::string>& patterns, const std::vector<std::string>& values) {
  return patterns.empty() || AnyGlob(patterns, values);
}

bool MatchesExtensions(x509_st* leaf, const std::vector<std::string>& required) {
  for (const auto& r : required) {
    size_t colon = r.find(':');
    if (colon == std::string::npos) return false;
    auto value = ExtensionString(leaf, std::string_view(r).substr(0, colon));
    if (!value || !GlobMatch(std::string_view(r).substr(colon + 1), *value)) return false;
  }
  return true;
}

bool Revoked(const std::vector<X509Ptr>& chain,
             const std::map<std::string, std::set<std::string>>& crls) {
  for (const auto& cert : chain) {
    const std::string serial = SerialDecimal(cert.get());
    for (const auto& [name, serials] : crls) {
      if (serials.count(serial) != 0) return true;
    }
  }
  return false;
}

// Vault's matchesConstraints: no certificate of `chain` revoked, and the client certificate
// within every constraint of the entry.
bool Matches(x509_st* leaf, const std::vector<X509Ptr>& chain, const CertEntry& e,
             const std::map<std::string, std::set<std::string>>& crls) {
  if (Revoked(chain, crls)) return false;
  const std::vector<std::string> cn = {CommonName(leaf)};
  const std::vector<std::string> dns = DnsSans(leaf), emails = EmailSans(leaf);
  if (!e.allowed_names.empty() && !AnyGlob(e.allowed_names, cn) && !AnyGlob(e.allowed_names, dns) &&
      !AnyGlob(e.allowed_names, emails)) {
    return false;
  }
  return Allowed(e.allowed_common_names, cn) && Allowed(e.allowed_dns_sans, dns) &&
         Allowed(e.allowed_email_sans, emails) && Allowed(e.allowed_uri_sans, UriSans(leaf)) &&
         Allowed(e.allowed_organizational_units, OrganizationalUnits(leaf)) &&
         MatchesExtensions(leaf, e.required_extensions);
}

// The entries to try: the named one, or all (in name order); entries that vanished or hold no
// parsable certificate are skipped.
Result<std::vector<Trusted>> LoadTrusted(logical::Storage& s, const std::string& name) {
  std::vector<std::string> names;
  if (!name.empty()) {
    names.push_back(Lower(name));
  } else {
    ARCA_ASSIGN_OR_RETURN(names, s.List("cert/"));
  }
  std::vector<Trusted> out;
  for (const auto& n : names) {
    ARCA_ASSIGN_OR_RETURN(auto e, LoadCert(s, n));
    if (!e) continue;
    Trusted t{std::move(*e), {}};
    t.certs = ParsePemCertificates(t.entry.certificate);
    if (t.certs.empty()) continue;
    out.push_back(std::move(t));
  }
  return out;
}

// Vault's verifyCredentials: the matching entry, or the error to answer.
Result<const Trusted*> Verify(const std::vector<X509Ptr>& chain,
                              const std::vector<Trusted>& trusted,
                              const std::map<std::string, std::set<std::string>>& crls,
                              std::chrono::system_clock::time_point now) {
  x509_st* leaf = chain[0].get();
  if (!ValidAt(leaf, now)) {
    return InvalidRequest(
        "failed to verify client's certificate: certificate has expired or is not yet valid");
  }
  // Client certificates registered as such: an exact match (constant time).
  const std::string leaf_der = Der(leaf);
  for (const auto& t : trusted) {
    if (IsCa(t.certs[0].get())) continue;
    if (crypto::ConstantTimeEquals(Der(t.certs[0].get()), leaf_der) &&
        Matches(leaf, t.certs, t.entry, crls)) {
      return &t;
    }
  }
  // CA entries: a chain from the client certificate to one of the entry's certificates.
  bool chained = false;
  std::string verify_error;
  for (const auto& t : trusted) {
    if (!IsCa(t.certs[0].get())) continue;
    std::vector<x509_st*> anchors;
    for (const auto& c : t.certs) anchors.push_back(c.get());
    VerifyOutcome v = VerifyChain(chain, anchors, now);
    if (v.chain.empty()) {
      if (!v.unknown_authority && verify_error.empty()) verify_error = v.error;
      continue;
    }
    chained = true;
    if (Matches(leaf, v.chain, t.entry, crls)) return &t;
  }
  if (chained) return InvalidRequest(kNoMatch);
  if (!verify_error.empty()) {
    return InvalidRequest("failed to verify client's certificate: " + verify_error);
  }
  return InvalidRequest(kNotTrusted);
}

}  // namespace

fw::Path PathLogin(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "login";
  p.help_synopsis = "Log in with the TLS client certificate of the connection.";
  p.fields["name"] = {.type = fw::FieldType::kString,
                      .description = "The name of the certificate role to authenticate against."};
  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(Config config, LoadConfig(*s));
        if (!req.peer_certificates || req.peer_certificates->empty()) {
          return InvalidRequest(kNoCertificate);
        }
        std::vector<X509Ptr> chain;
        for (const auto& der : *req.peer_certificates) {
          ARCA_ASSIGN_OR_RETURN(X509Ptr c, ParseDerCertificate(der));
          chain.push_back(std::move(c));
        }
        ARCA_ASSIGN_OR_RETURN(auto trusted, LoadTrusted(*s, d.GetString("name")));
        ARCA_ASSIGN_OR_RETURN(auto crls, LoadCrls(*st, *s));
        ARCA_ASSIGN_OR_RETURN(const Trusted* matched, Verify(chain, trusted, crls, st->Now()));
        const CertEntry& e = matched->entry;
        if (!AddressAllowed(req.remote_addr, e.token.bound_cidrs)) return PermissionDenied();

        x509_st* leaf = chain[0].get();
        std::map<std::string, std::string> metadata = {
            {"cert_name", e.name},
            {"common_name", CommonName(leaf)},
            {"serial_number", SerialDecimal(leaf)},
            {"subject_key_id", SubjectKeyId(leaf)},
            {"authority_key_id", AuthorityKeyId(leaf)},
        };
        for (const auto& oid : e.allowed_metadata_extensions) {
          if (auto value = ExtensionString(leaf, oid)) {
            std::string key = oid;
            std::replace(key.begin(), key.end(), '.', '-');
            metadata[key] = *value;
          }
        }
        logical::Auth a;
        e.token.FillAuth(a);
        a.display_name = e.display_name;
        a.metadata = metadata;
        a.alias = logical::Auth::Alias{CommonName(leaf), {}};
        if (config.enable_identity_alias_metadata) a.alias->metadata = metadata;
        Response r;
        r.auth = std::move(a);
        return r;
      },
      "Log in."};
  return p;
}

}  // namespace arca::auth::cert
