// certs/ and certs/:name: the trusted certificates (CA or client) and their constraints.
#include <algorithm>

#include "auth/cert/internal.h"
#include "auth/cert/x509.h"

namespace arca::auth::cert {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

// The string-list fields of an entry: name -> member.
using ListMember = std::vector<std::string> CertEntry::*;
const std::vector<std::pair<const char*, ListMember>>& ListFields() {
  static const std::vector<std::pair<const char*, ListMember>> kFields = {
      {"allowed_names", &CertEntry::allowed_names},
      {"allowed_common_names", &CertEntry::allowed_common_names},
      {"allowed_dns_sans", &CertEntry::allowed_dns_sans},
      {"allowed_email_sans", &CertEntry::allowed_email_sans},
      {"allowed_uri_sans", &CertEntry::allowed_uri_sans},
      {"allowed_organizational_units", &CertEntry::allowed_organizational_units},
      {"required_extensions", &CertEntry::required_extensions},
      {"allowed_metadata_extensions", &CertEntry::allowed_metadata_extensions},
      {"ocsp_servers_override", &CertEntry::ocsp_servers_override},
  };
  return kFields;
}

using BoolMember = bool CertEntry::*;
const std::vector<std::pair<const char*, BoolMember>>& BoolFields() {
  static const std::vector<std::pair<const char*, BoolMember>> kFields = {
      {"ocsp_enabled", &CertEntry::ocsp_enabled},
      {"ocsp_fail_open", &CertEntry::ocsp_fail_open},
      {"ocsp_query_all_servers", &CertEntry::ocsp_query_all_servers},
  };
  return kFields;
}

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

Result<std::vector<std::string>> Strings(const json::value& v, const char* key) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return Internal(std::string("cert: corrupt entry field ") + key);
  for (const auto& s : v.as_array()) {
    if (!s.is_string()) return Internal(std::string("cert: corrupt entry field ") + key);
    out.emplace_back(s.as_string());
  }
  return out;
}

fw::FieldSchema Str(const char* desc) {
  return fw::FieldSchema{.type = fw::FieldType::kString, .description = desc};
}
fw::FieldSchema List(const char* desc) {
  return fw::FieldSchema{.type = fw::FieldType::kCommaStringSlice, .description = desc};
}
fw::FieldSchema Bool(const char* desc) {
  return fw::FieldSchema{.type = fw::FieldType::kBool, .description = desc};
}

// "oid:glob" with a dotted OID (Vault splits at the first ':' and would fail at login
// otherwise).
Status CheckRequiredExtensions(const std::vector<std::string>& exts) {
  for (const auto& e : exts) {
    size_t colon = e.find(':');
    if (colon == std::string::npos || !IsDottedOid(std::string_view(e).substr(0, colon))) {
      return InvalidRequest("invalid required_extensions entry \"" + e +
                            "\": expected \"<dotted oid>:<value glob>\"");
    }
  }
  return OkStatus();
}

Result<Response> ListPage(logical::Storage& s, const std::string& prefix, fw::FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(auto keys, s.List(prefix));
  const std::string after = d.GetString("after");
  if (!after.empty()) {
    keys.erase(keys.begin(), std::upper_bound(keys.begin(), keys.end(), after));
  }
  const int64_t limit = d.GetInt("limit");
  if (limit > 0 && static_cast<size_t>(limit) < keys.size()) keys.resize(limit);
  return Response::ListResponse(keys);
}

}  // namespace

json::object CertEntry::ToJson() const {
  json::object o = token.ToJson();
  o["name"] = name;
  o["certificate"] = certificate;
  o["display_name"] = display_name;
  for (const auto& [key, member] : ListFields()) o[key] = ToArray(this->*member);
  for (const auto& [key, member] : BoolFields()) o[key] = this->*member;
  o["ocsp_ca_certificates"] = ocsp_ca_certificates;
  return o;
}

Result<CertEntry> CertEntry::FromJson(const json::object& o) {
  CertEntry e;
  ARCA_ASSIGN_OR_RETURN(e.token, TokenFields::FromJson(o));
  auto str = [&](const char* k, std::string& dst) -> Status {
    if (const auto* v = o.if_contains(k)) {
      if (!v->is_string()) return Internal(std::string("cert: corrupt entry field ") + k);
      dst = std::string(v->as_string());
    }
    return OkStatus();
  };
  ARCA_RETURN_IF_ERROR(str("name", e.name));
  ARCA_RETURN_IF_ERROR(str("certificate", e.certificate));
  ARCA_RETURN_IF_ERROR(str("display_name", e.display_name));
  ARCA_RETURN_IF_ERROR(str("ocsp_ca_certificates", e.ocsp_ca_certificates));
  for (const auto& [key, member] : ListFields()) {
    if (const auto* v = o.if_contains(key)) {
      ARCA_ASSIGN_OR_RETURN(e.*member, Strings(*v, key));
    }
  }
  for (const auto& [key, member] : BoolFields()) {
    if (const auto* v = o.if_contains(key)) {
      if (!v->is_bool()) return Internal(std::string("cert: corrupt entry field ") + key);
      e.*member = v->as_bool();
    }
  }
  return e;
}

Result<std::optional<CertEntry>> LoadCert(logical::Storage& s, const std::string& name) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, "cert/" + Lower(name)));
  if (!v) return std::optional<CertEntry>();
  if (!v->is_object()) return Internal("cert: corrupt entry \"" + name + "\"");
  ARCA_ASSIGN_OR_RETURN(CertEntry e, CertEntry::FromJson(v->as_object()));
  return std::optional<CertEntry>(std::move(e));
}

fw::Path PathCertsList() {
  fw::Path p;
  p.pattern = "certs/?";
  p.help_synopsis = "Manage trusted certificates used for authentication.";
  p.fields["after"] = Str("List the entries after this one (which need not exist).");
  p.fields["limit"] = {.type = fw::FieldType::kInt,
                       .description = "The number of entries to return (default: all)."};
  p.operations[Operation::kList] = {[](Request& req, fw::FieldData& d) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      return ListPage(*s, "cert/", d);
                                    },
                                    "List the trusted certificates."};
  return p;
}

fw::Path PathCrlsList() {
  fw::Path p;
  p.pattern = "crls/?";
  p.help_synopsis = "Manage the CRLs checked during authentication.";
  p.fields["after"] = Str("List the entries after this one (which need not exist).");
  p.fields["limit"] = {.type = fw::FieldType::kInt,
                       .description = "The number of entries to return (default: all)."};
  p.operations[Operation::kList] = {[](Request& req, fw::FieldData& d) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      return ListPage(*s, "crls/", d);
                                    },
                                    "List the CRLs."};
  return p;
}

fw::Path PathCerts(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "certs/" + fw::GenericNameRegex("name");
  p.help_synopsis = "Manage trusted certificates used for authentication.";
  p.fields["name"] = Str("The name of the certificate.");
  p.fields["certificate"] = Str("The PEM certificate (a CA, or a client certificate) to trust.");
  p.fields["display_name"] = Str("The display name of tokens issued with this certificate.");
  p.fields["allowed_names"] = List(
      "Deprecated: names (globs), one of which the common name, a DNS or an email SAN "
      "must match.");
  p.fields["allowed_common_names"] = List("Globs, one of which the common name must match.");
  p.fields["allowed_dns_sans"] = List("Globs, one of which a DNS SAN must match.");
  p.fields["allowed_email_sans"] = List("Globs, one of which an email SAN must match.");
  p.fields["allowed_uri_sans"] = List("Globs, one of which a URI SAN must match.");
  p.fields["allowed_organizational_units"] = List("Globs, one of which an OU must match.");
  p.fields["required_extensions"] =
      List("\"oid:value\" items; every one must be present, the value a glob.");
  p.fields["allowed_metadata_extensions"] =
      List("OIDs of extensions copied into the login's metadata (dots become dashes).");
  p.fields["ocsp_enabled"] = Bool("OCSP checking at login (not supported: must be false).");
  p.fields["ocsp_ca_certificates"] = Str("CA certificates of the OCSP servers.");
  p.fields["ocsp_servers_override"] = List("OCSP server addresses.");
  p.fields["ocsp_fail_open"] = Bool("Proceed when no OCSP answer can be had.");
  p.fields["ocsp_query_all_servers"] = Bool("Query every OCSP server.");
  p.fields["lease"] = {
      .type = fw::FieldType::kInt, .description = "Deprecated: use token_ttl.", .deprecated = true};
  AddTokenFieldSchemas(p.fields, /*legacy=*/true);

  p.operations[Operation::kRead] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto e, LoadCert(*s, d.GetString("name")));
        if (!e) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
        Response r;
        e->token.AddToResponse(r.data, /*legacy=*/true);
        r.data["certificate"] = e->certificate;
        r.data["display_name"] = e->display_name;
        for (const auto& [key, member] : ListFields()) r.data[key] = ToArray((*e).*member);
        for (const auto& [key, member] : BoolFields()) r.data[key] = (*e).*member;
        r.data["ocsp_ca_certificates"] = e->ocsp_ca_certificates;
        return r;
      },
      "Read a trusted certificate."};

  auto write = [st](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    const std::string name = Lower(d.GetString("name"));
    ARCA_ASSIGN_OR_RETURN(auto existing, LoadCert(*s, name));
    CertEntry e = existing.value_or(CertEntry{});
    e.name = name;
    if (d.Has("certificate")) e.certificate = d.GetString("certificate");
    if (d.Has("display_name")) e.display_name = d.GetString("display_name");
    if (d.Has("ocsp_ca_certificates")) e.ocsp_ca_certificates = d.GetString("ocsp_ca_certificates");
    for (const auto& [key, member] : ListFields()) {
      if (d.Has(key)) e.*member = d.GetStringSlice(key);
    }
    for (const auto& [key, member] : BoolFields()) {
      if (d.Has(key)) e.*member = d.GetBool(key);
    }
    ARCA_RETURN_IF_ERROR(ParseTokenFields(d, e.token, /*legacy=*/true));
    // The oldest alias of token_ttl: "lease", in seconds.
    if (!d.Has("token_ttl") && !d.Has("ttl") && d.Has("lease")) {
      if (d.GetInt("lease") < 0) return InvalidRequest("lease cannot be negative");
      e.token.ttl = std::chrono::seconds(d.GetInt("lease"));
      if (e.token.max_ttl.count() > 0 && e.token.ttl > e.token.max_ttl) {
        return InvalidRequest("ttl should be shorter than max_ttl");
      }
    }
    if (e.ocsp_enabled) {
      return InvalidRequest("ocsp_enabled is not supported by this server (use crls/ instead)");
    }
    ARCA_RETURN_IF_ERROR(CheckRequiredExtensions(e.required_extensions));

    Response r;
    if (st->system != nullptr) {
      const auto def = st->system->DefaultLeaseTtl();
      const auto max = st->system->MaxLeaseTtl();
      if (e.token.ttl > def) {
        r.warnings.push_back("Given ttl of " + std::to_string(e.token.ttl.count()) +
                             " seconds is greater than current mount/system default of " +
                             std::to_string(def.count()) + " seconds");
      }
      if (e.token.max_ttl > max) {
        r.warnings.push_back("Given max_ttl of " + std::to_string(e.token.max_ttl.count()) +
                             " seconds is greater than current mount/system default of " +
                             std::to_string(max.count()) + " seconds");
      }
      if (e.token.period > max) {
        r.warnings.push_back("Given period of " + std::to_string(e.token.period.count()) +
                             " seconds is greater than the backend's maximum TTL of " +
                             std::to_string(max.count()) + " seconds");
      }
    }
    if (e.display_name.empty()) e.display_name = name;

    std::vector<X509Ptr> parsed = ParsePemCertificates(e.certificate);
    if (parsed.empty()) return InvalidRequest("failed to parse certificate");
    if (!IsCa(parsed[0].get()) && !AllowsClientAuth(parsed[0].get())) {
      return InvalidRequest(
          "nonCA certificates should have TLS client authentication set as an extended key "
          "usage");
    }
    ARCA_RETURN_IF_ERROR(logical::PutJson(*s, "cert/" + name, e.ToJson()));
    return r;
  };
  p.operations[Operation::kUpdate] = {write, "Create or update a trusted certificate."};
  p.operations[Operation::kDelete] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_RETURN_IF_ERROR(s->Delete("cert/" + Lower(d.GetString("name"))));
        return Response{};
      },
      "Delete a trusted certificate."};
  return p;
}

}  // namespace arca::auth::cert
