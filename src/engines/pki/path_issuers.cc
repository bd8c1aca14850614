// CA and issuer management: root/generate/:type, intermediate/generate/:type,
// root/sign-intermediate, intermediate/set-signed, config/ca, root/sign-self-issued,
// root/rotate/:type, root/replace, DELETE root, issuers, issuer/:ref(/json|pem|der),
// keys, key/:ref, config/issuers, config/keys.
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/encoding.h"
#include "common/uuid.h"
#include "engines/pki/cert_builder.h"
#include "engines/pki/pki_paths.h"

namespace arca::pki {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldMap;
using logical::framework::FieldSchema;
using logical::framework::FieldType;
using logical::framework::Path;

namespace {

FieldMap CaFields() {
  auto list = [](std::string d) { return FieldSchema{FieldType::kCommaStringSlice, std::move(d)}; };
  return {
      {"type", FieldSchema{FieldType::kString, "internal, exported, existing or kms"}},
      {"common_name", FieldSchema{FieldType::kString, "subject common name"}},
      {"alt_names", list("DNS/email SANs")},
      {"ip_sans", list("IP SANs")},
      {"uri_sans", list("URI SANs")},
      {"other_sans", list("other SANs")},
      {"ttl", FieldSchema{FieldType::kDuration, "validity", 0}},
      {"not_after", FieldSchema{FieldType::kString, "explicit notAfter (RFC 3339)"}},
      {"key_type", FieldSchema{FieldType::kString, "rsa, ec or ed25519", "rsa"}},
      {"key_bits", FieldSchema{FieldType::kInt, "key size", 0}},
      {"key_name", FieldSchema{FieldType::kString, "name of the new key"}},
      {"key_ref", FieldSchema{FieldType::kString, "existing key (type existing)", "default"}},
      {"issuer_name", FieldSchema{FieldType::kString, "name of the new issuer"}},
      {"max_path_length", FieldSchema{FieldType::kInt, "path length constraint", -1}},
      {"exclude_cn_from_sans", FieldSchema{FieldType::kBool, "keep the CN out of the SANs", false}},
      {"format", FieldSchema{FieldType::kString, "pem, der or pem_bundle", "pem"}},
      {"private_key_format", FieldSchema{FieldType::kString, "der or pkcs8", "der"}},
      {"organization", list("O")},
      {"ou", list("OU")},
      {"country", list("C")},
      {"locality", list("L")},
      {"province", list("ST")},
      {"street_address", list("street")},
      {"postal_code", list("postalCode")},
      {"serial_number", FieldSchema{FieldType::kString, "subject serialNumber"}},
      {"permitted_dns_domains", list("name constraints (accepted, not applied)")},
      {"csr", FieldSchema{FieldType::kString, "CSR (PEM)"}},
      {"use_csr_values", FieldSchema{FieldType::kBool, "take subject and SANs from the CSR", false}},
      {"certificate", FieldSchema{FieldType::kString, "certificate (PEM)"}},
      {"pem_bundle", FieldSchema{FieldType::kString, "PEM bundle"}},
      {"issuer_ref", FieldSchema{FieldType::kString, "issuer", "default"}},
      {"signature_bits", FieldSchema{FieldType::kInt, "signature hash size", 0}},
      {"not_before_duration", FieldSchema{FieldType::kDuration, "backdating", 30}},
  };
}

CertSpec SpecFromFields(const FieldData& f) {
  CertSpec spec;
  spec.subject.common_name = f.GetString("common_name");
  spec.subject.organization = f.GetStringSlice("organization");
  spec.subject.ou = f.GetStringSlice("ou");
  spec.subject.country = f.GetStringSlice("country");
  spec.subject.locality = f.GetStringSlice("locality");
  spec.subject.province = f.GetStringSlice("province");
  spec.subject.street_address = f.GetStringSlice("street_address");
  spec.subject.postal_code = f.GetStringSlice("postal_code");
  spec.subject.serial_number = f.GetString("serial_number");
  for (const auto& n : f.GetStringSlice("alt_names")) {
    (n.find('@') != std::string::npos ? spec.email_sans : spec.dns_sans).push_back(n);
  }
  if (!spec.subject.common_name.empty() && !f.GetBool("exclude_cn_from_sans")) {
    spec.dns_sans.insert(spec.dns_sans.begin(), spec.subject.common_name);
  }
  spec.ip_sans = f.GetStringSlice("ip_sans");
  spec.uri_sans = f.GetStringSlice("uri_sans");
  spec.other_sans = f.GetStringSlice("other_sans");
  spec.is_ca = true;
  spec.max_path_length = static_cast<int>(f.GetInt("max_path_length"));
  return spec;
}

Result<int64_t> ValidityEnd(PkiEngine& e, const FieldData& f) {
  if (std::string na = f.GetString("not_after"); !na.empty()) {
    auto t = logical::framework::ParseRfc3339(na);
    if (!t) return std::unexpected(InvalidRequest("not_after is not an RFC 3339 time"));
    return *t;
  }
  std::chrono::seconds ttl = f.GetDuration("ttl");
  if (ttl.count() <= 0) ttl = e.MaxTtl();
  if (ttl > e.MaxTtl()) ttl = e.MaxTtl();
  return e.Now() + ttl.count();
}

// The key for a new CA: a fresh one (internal/exported) or a stored one (existing).
Result<PkeyPtr> CaKey(PkiEngine& e, Request& req, FieldData& f, const std::string& type, std::string* existing_id) {
  if (type == "existing") {
    std::string ref = f.GetString("key_ref");
    std::string id = ref;
    if (ref.empty() || ref == "default") {
      ARCA_ASSIGN_OR_RETURN(id, DefaultKeyId(*req.storage));
    }
    ARCA_ASSIGN_OR_RETURN(auto key, LoadKey(*req.storage, id));
    if (!key) {
      ARCA_ASSIGN_OR_RETURN(auto ids, ListKeyIds(*req.storage));
      for (const auto& kid : ids) {
        ARCA_ASSIGN_OR_RETURN(auto k, LoadKey(*req.storage, kid));
        if (k && k->name == ref) key = std::move(k);
      }
    }
    if (!key) return std::unexpected(InvalidRequest("unable to find PKI key for reference: " + ref));
    *existing_id = key->id;
    return ParsePrivateKeyPem(key->private_key);
  }
  if (type != "internal" && type != "exported") {
    return std::unexpected(InvalidRequest("unknown type \"" + type + "\": use internal, exported or existing"));
  }
  return GenerateKey(f.GetString("key_type"), static_cast<int>(f.GetInt("key_bits")));
}

Status CheckNameUnique(logical::Storage& s, const std::string& name, const std::string& self_id) {
  if (name.empty()) return {};
  if (name == "default") return std::unexpected(InvalidRequest("reserved name \"default\" cannot be used as an issuer name"));
  ARCA_ASSIGN_OR_RETURN(auto ids, ListIssuerIds(s));
  for (const auto& id : ids) {
    if (id == self_id) continue;
    ARCA_ASSIGN_OR_RETURN(auto e, LoadIssuer(s, id));
    if (e && e->name == name) return std::unexpected(InvalidRequest("issuer name already in use: " + name));
  }
  return {};
}

json::object IssuerJson(const IssuerEntry& e) {
  std::vector<std::string> chain = e.ca_chain;
  return {{"issuer_id", e.id},
          {"issuer_name", e.name},
          {"key_id", e.key_id},
          {"certificate", e.certificate},
          {"ca_chain", ToJsonArray(chain)},
          {"leaf_not_after_behavior", e.leaf_not_after_behavior},
          {"usage", e.usage},
          {"manual_chain", json::value(nullptr)},
          {"issuing_certificates", ToJsonArray(e.issuing_certificates)},
          {"crl_distribution_points", ToJsonArray(e.crl_distribution_points)},
          {"ocsp_servers", ToJsonArray(e.ocsp_servers)},
          {"revocation_signature_algorithm", ""}};
}

Result<Response> GenerateRoot(PkiEngine& e, Request& req, FieldData& f, bool rotate) {
  const std::string type = f.GetString("type");
  if (f.GetString("common_name").empty()) {
    return std::unexpected(InvalidRequest("the common_name field is required for a CA"));
  }
  std::lock_guard lock(e.write_mu());
  ARCA_RETURN_IF_ERROR(CheckNameUnique(*req.storage, f.GetString("issuer_name"), ""));
  std::string existing_key;
  ARCA_ASSIGN_OR_RETURN(PkeyPtr key, CaKey(e, req, f, type, &existing_key));
  CertSpec spec = SpecFromFields(f);
  spec.not_before = e.Now() - f.GetDuration("not_before_duration").count();
  ARCA_ASSIGN_OR_RETURN(spec.not_after, ValidityEnd(e, f));
  ARCA_ASSIGN_OR_RETURN(UrlsConfig urls, LoadUrlsConfig(*req.storage));
  spec.issuing_certificates = urls.issuing_certificates;
  spec.crl_distribution_points = urls.crl_distribution_points;
  spec.ocsp_servers = urls.ocsp_servers;
  ARCA_ASSIGN_OR_RETURN(X509Ptr cert, BuildCertificate(spec, key.get(), nullptr, key.get()));
  std::string key_id;
  ARCA_ASSIGN_OR_RETURN(std::string issuer_id,
                        e.ImportIssuer(*req.storage, cert.get(), key.get(), f.GetString("issuer_name"),
                                       f.GetString("key_name"), &key_id));
  if (!rotate) {
    // A fresh root becomes the default when asked through root/generate (Vault's behaviour).
    ARCA_RETURN_IF_ERROR(SetDefaultIssuerId(*req.storage, issuer_id));
    e.InvalidateIssuers();
  }
  CertEntry stored{SerialOf(cert.get()), CertPem(cert.get()), issuer_id, NotAfter(cert.get()), 0};
  ARCA_RETURN_IF_ERROR(SaveCert(*req.storage, stored));
  ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, issuer_id));
  json::object data = CertResponseData(cert.get(), *issuer, f.GetString("format"));
  data["issuer_id"] = issuer_id;
  data["issuer_name"] = f.GetString("issuer_name");
  data["key_id"] = key_id;
  data["key_name"] = f.GetString("key_name");
  if (type == "exported") {
    data["private_key"] = PrivateKeyPem(key.get(), f.GetString("private_key_format"));
    data["private_key_type"] = KeyType(key.get());
  }
  return Response::WithData(std::move(data));
}

Result<Response> GenerateIntermediate(PkiEngine& e, Request& req, FieldData& f) {
  const std::string type = f.GetString("type");
  if (f.GetString("common_name").empty()) {
    return std::unexpected(InvalidRequest("the common_name field is required for a CA"));
  }
  std::lock_guard lock(e.write_mu());
  std::string existing_key;
  ARCA_ASSIGN_OR_RETURN(PkeyPtr key, CaKey(e, req, f, type, &existing_key));
  CertSpec spec = SpecFromFields(f);
  ARCA_ASSIGN_OR_RETURN(ReqPtr csr, BuildCsr(spec, key.get()));
  std::string key_id = existing_key;
  if (key_id.empty()) {
    KeyEntry k{GenerateUuid(), f.GetString("key_name"), KeyType(key.get()), KeyBits(key.get()),
               PrivateKeyPem(key.get(), "pkcs8")};
    ARCA_RETURN_IF_ERROR(SaveKey(*req.storage, k));
    key_id = k.id;
    ARCA_ASSIGN_OR_RETURN(std::string def_key, DefaultKeyId(*req.storage));
    if (def_key.empty()) ARCA_RETURN_IF_ERROR(SetDefaultKeyId(*req.storage, key_id));
  }
  json::object data{{"csr", CsrPem(csr.get())}, {"key_id", key_id}};
  if (type == "exported") {
    data["private_key"] = PrivateKeyPem(key.get(), f.GetString("private_key_format"));
    data["private_key_type"] = KeyType(key.get());
  }
  return Response::WithData(std::move(data));
}

Result<Response> SignIntermediate(PkiEngine& e, Request& req, FieldData& f) {
  std::string csr_text = f.GetString("csr");
  if (csr_text.empty()) return std::unexpected(InvalidRequest("the csr field is required"));
  ARCA_ASSIGN_OR_RETURN(ReqPtr csr, ParseCsr(csr_text));
  ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, f.GetString("issuer_ref")));
  if (!issuer->key) return std::unexpected(InvalidRequest("the issuer has no private key in this mount"));
  CertSpec spec = SpecFromFields(f);
  if (f.GetBool("use_csr_values") || spec.subject.common_name.empty()) {
    spec.subject = SubjectFields{};
    spec.subject.common_name = CommonName(X509_REQ_get_subject_name(csr.get()));
    if (spec.subject.common_name.empty()) {
      return std::unexpected(InvalidRequest("the common_name field is required (or a CN in the CSR)"));
    }
  }
  spec.not_before = e.Now() - f.GetDuration("not_before_duration").count();
  ARCA_ASSIGN_OR_RETURN(spec.not_after, ValidityEnd(e, f));
  if (spec.not_after > NotAfter(issuer->cert.get())) {
    if (issuer->entry.leaf_not_after_behavior == "err") {
      return std::unexpected(InvalidRequest("cannot satisfy request, as TTL would result in notAfter beyond the expiration of the CA certificate"));
    }
    spec.not_after = NotAfter(issuer->cert.get());
  }
  ARCA_ASSIGN_OR_RETURN(UrlsConfig urls, LoadUrlsConfig(*req.storage));
  spec.issuing_certificates = urls.issuing_certificates;
  spec.crl_distribution_points = urls.crl_distribution_points;
  spec.ocsp_servers = urls.ocsp_servers;
  ARCA_ASSIGN_OR_RETURN(X509Ptr cert, BuildCertificate(spec, X509_REQ_get0_pubkey(csr.get()), issuer->cert.get(), issuer->key.get()));
  CertEntry stored{SerialOf(cert.get()), CertPem(cert.get()), issuer->entry.id, NotAfter(cert.get()), 0};
  ARCA_RETURN_IF_ERROR(SaveCert(*req.storage, stored));
  return Response::WithData(CertResponseData(cert.get(), *issuer, f.GetString("format")));
}

Result<Response> ImportBundle(PkiEngine& e, Request& req, const std::string& pem) {
  if (pem.empty()) return std::unexpected(InvalidRequest("a PEM bundle is required"));
  ARCA_ASSIGN_OR_RETURN(PemBundle bundle, ParsePemBundle(pem));
  std::lock_guard lock(e.write_mu());
  json::array imported_issuers, imported_keys;
  // Keys first, so certificates link to them.
  for (auto& key : bundle.keys) {
    KeyEntry k{GenerateUuid(), "", KeyType(key.get()), KeyBits(key.get()), PrivateKeyPem(key.get(), "pkcs8")};
    bool dup = false;
    ARCA_ASSIGN_OR_RETURN(auto ids, ListKeyIds(*req.storage));
    for (const auto& id : ids) {
      ARCA_ASSIGN_OR_RETURN(auto existing, LoadKey(*req.storage, id));
      auto parsed = existing ? ParsePrivateKeyPem(existing->private_key) : Result<PkeyPtr>(std::unexpected(NotFound("")));
      if (parsed && EVP_PKEY_eq(parsed->get(), key.get()) == 1) dup = true;
    }
    if (dup) continue;
    ARCA_RETURN_IF_ERROR(SaveKey(*req.storage, k));
    imported_keys.emplace_back(k.id);
  }
  // Parents before children: import roots (self-issued) first.
  std::vector<X509*> order;
  for (auto& c : bundle.certs) {
    if (X509_check_issued(c.get(), c.get()) == X509_V_OK) order.insert(order.begin(), c.get());
    else order.push_back(c.get());
  }
  for (X509* cert : order) {
    BASIC_CONSTRAINTS* bc = static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(cert, NID_basic_constraints, nullptr, nullptr));
    bool is_ca = bc != nullptr && bc->ca;
    BASIC_CONSTRAINTS_free(bc);
    if (!is_ca) return std::unexpected(InvalidRequest("the bundle holds a certificate that is not a CA: " + CommonName(X509_get_subject_name(cert))));
    ARCA_ASSIGN_OR_RETURN(auto before, ListIssuerIds(*req.storage));
    std::string key_id;
    ARCA_ASSIGN_OR_RETURN(std::string id, e.ImportIssuer(*req.storage, cert, nullptr, "", "", &key_id));
    if (std::find(before.begin(), before.end(), id) == before.end()) imported_issuers.emplace_back(id);
  }
  e.InvalidateIssuers();
  Response r = Response::WithData({{"imported_issuers", std::move(imported_issuers)},
                                   {"imported_keys", std::move(imported_keys)},
                                   {"mapping", json::object{}}});
  return r;
}

Path Simple(std::string pattern, FieldMap fields, std::map<Operation, logical::framework::OperationSpec> ops, std::string help) {
  Path p;
  p.pattern = std::move(pattern);
  p.fields = std::move(fields);
  p.operations = std::move(ops);
  p.help_synopsis = std::move(help);
  return p;
}

}  // namespace

std::vector<Path> IssuerPaths(PkiEngine& e) {
  std::vector<Path> paths;
  const std::string type_re = "(?<type>internal|exported|existing|kms)";
  paths.push_back(Simple("root/generate/" + type_re, CaFields(),
                         {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return GenerateRoot(e, r, f, false); }, "Generate a root CA."}}},
                         "Generate a self-signed root CA."));
  paths.push_back(Simple("issuers/generate/root/" + type_re, CaFields(),
                         {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return GenerateRoot(e, r, f, true); }, "Generate a root issuer."}}},
                         "Generate a root issuer (not made the default)."));
  paths.push_back(Simple("root/rotate/" + type_re, CaFields(),
                         {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return GenerateRoot(e, r, f, true); }, "Generate a new root for rotation."}}},
                         "Generate a new root CA next to the current one (not made the default)."));
  paths.push_back(Simple("intermediate/generate/" + type_re, CaFields(),
                         {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return GenerateIntermediate(e, r, f); }, "Generate an intermediate CSR."}}},
                         "Generate a key and a CSR for an intermediate CA."));
  paths.push_back(Simple("issuers/generate/intermediate/" + type_re, CaFields(),
                         {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return GenerateIntermediate(e, r, f); }, "Generate an intermediate CSR."}}},
                         "Generate a key and a CSR for an intermediate CA."));
  paths.push_back(Simple("root/sign-intermediate", CaFields(),
                         {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return SignIntermediate(e, r, f); }, "Sign an intermediate CSR."}}},
                         "Sign an intermediate CA's CSR with the default (or issuer_ref) issuer."));
  paths.push_back(Simple("issuer/" + logical::framework::GenericNameRegex("issuer_ref") + "/sign-intermediate", CaFields(),
                         {{Operation::kUpdate, {[&e](Request& r, FieldData& f) { return SignIntermediate(e, r, f); }, "Sign an intermediate CSR."}}},
                         "Sign an intermediate CA's CSR with this issuer."));
  paths.push_back(Simple("root/sign-self-issued", CaFields(),
                         {{Operation::kUpdate, {[&e](Request& req, FieldData& f) -> Result<Response> {
                             std::string pem = f.GetString("certificate");
                             ARCA_ASSIGN_OR_RETURN(X509Ptr in, ParseCertPem(pem));
                             if (X509_NAME_cmp(X509_get_subject_name(in.get()), X509_get_issuer_name(in.get())) != 0) {
                               return std::unexpected(InvalidRequest("the certificate is not self-issued"));
                             }
                             ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, f.GetString("issuer_ref")));
                             if (!issuer->key) return std::unexpected(InvalidRequest("the issuer has no private key"));
                             X509_set_issuer_name(in.get(), X509_get_subject_name(issuer->cert.get()));
                             if (X509_sign(in.get(), issuer->key.get(), SigningDigest(issuer->key.get())) <= 0) {
                               return std::unexpected(Internal(OpenSslError("signing failed")));
                             }
                             return Response::WithData({{"certificate", CertPem(in.get())}, {"issuing_ca", issuer->entry.certificate}});
                           }, "Re-sign a self-issued certificate."}}},
                         "Sign a self-issued certificate (cross-signing)."));
  auto set_signed = [&e](Request& req, FieldData& f) -> Result<Response> {
    std::string pem = f.GetString("certificate");
    if (pem.empty()) return std::unexpected(InvalidRequest("the certificate field is required"));
    return ImportBundle(e, req, pem);
  };
  paths.push_back(Simple("intermediate/set-signed", CaFields(), {{Operation::kUpdate, {set_signed, "Import the signed intermediate."}}},
                         "Import an intermediate certificate signed for a key of this mount."));
  auto import_bundle = [&e](Request& req, FieldData& f) -> Result<Response> {
    return ImportBundle(e, req, f.GetString("pem_bundle"));
  };
  paths.push_back(Simple("config/ca", CaFields(), {{Operation::kUpdate, {import_bundle, "Import a CA bundle."}}},
                         "Import a PEM bundle of CA certificates and keys."));
  paths.push_back(Simple("issuers/import/(?:cert|bundle)", CaFields(), {{Operation::kUpdate, {import_bundle, "Import issuers."}}},
                         "Import a PEM bundle of CA certificates and keys."));

  // DELETE root: every issuer and key of the mount.
  paths.push_back(Simple("root", {}, {{Operation::kDelete, {[&e](Request& req, FieldData&) -> Result<Response> {
                                       std::lock_guard lock(e.write_mu());
                                       ARCA_ASSIGN_OR_RETURN(auto ids, ListIssuerIds(*req.storage));
                                       for (const auto& id : ids) ARCA_RETURN_IF_ERROR(DeleteIssuer(*req.storage, id));
                                       ARCA_ASSIGN_OR_RETURN(auto kids, ListKeyIds(*req.storage));
                                       for (const auto& id : kids) ARCA_RETURN_IF_ERROR(DeleteKey(*req.storage, id));
                                       ARCA_RETURN_IF_ERROR(req.storage->Delete("config/issuers"));
                                       ARCA_RETURN_IF_ERROR(req.storage->Delete("config/keys"));
                                       e.InvalidateIssuers();
                                       return Response{};
                                     }, "Delete all issuers and keys."}}},
                         "Delete the mount's CA material."));
  paths.push_back(Simple("root/replace", {{"default", FieldSchema{FieldType::kString, "the new default issuer", "next"}}},
                         {{Operation::kUpdate, {[&e](Request& req, FieldData& f) -> Result<Response> {
                             ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, f.GetString("default")));
                             ARCA_RETURN_IF_ERROR(SetDefaultIssuerId(*req.storage, issuer->entry.id));
                             e.InvalidateIssuers();
                             return Response::WithData({{"default", issuer->entry.id}});
                           }, "Replace the default issuer."}}},
                         "Make another issuer the default."));

  auto list_issuers = [](Request& req, FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto ids, ListIssuerIds(*req.storage));
    json::object info;
    for (const auto& id : ids) {
      ARCA_ASSIGN_OR_RETURN(auto i, LoadIssuer(*req.storage, id));
      if (!i) continue;
      auto cert = ParseCertPem(i->certificate);
      info[id] = json::object{{"issuer_name", i->name},
                              {"key_id", i->key_id},
                              {"is_default", false},
                              {"serial_number", cert ? SerialOf(cert->get()) : ""}};
    }
    ARCA_ASSIGN_OR_RETURN(std::string def, DefaultIssuerId(*req.storage));
    if (info.contains(def)) info[def].as_object()["is_default"] = true;
    Response r = Response::ListResponse(ids);
    if (!ids.empty()) r.data["key_info"] = std::move(info);
    return r;
  };
  paths.push_back(Simple("issuers/?", {}, {{Operation::kList, {list_issuers, "List issuers."}}}, "The mount's issuers."));

  FieldMap issuer_fields = {
      {"issuer_ref", FieldSchema{FieldType::kString, "issuer id, name or default"}},
      {"issuer_name", FieldSchema{FieldType::kString, "new name"}},
      {"leaf_not_after_behavior", FieldSchema{FieldType::kString, "err, truncate or permit"}},
      {"usage", FieldSchema{FieldType::kCommaStringSlice, "allowed usages"}},
      {"issuing_certificates", FieldSchema{FieldType::kCommaStringSlice, "AIA URLs"}},
      {"crl_distribution_points", FieldSchema{FieldType::kCommaStringSlice, "CDP URLs"}},
      {"ocsp_servers", FieldSchema{FieldType::kCommaStringSlice, "OCSP URLs"}},
      {"manual_chain", FieldSchema{FieldType::kCommaStringSlice, "accepted; chains are built automatically"}},
  };
  auto read_issuer = [&e](Request& req, FieldData& f) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, f.GetString("issuer_ref")));
    return Response::WithData(IssuerJson(issuer->entry));
  };
  auto update_issuer = [&e](Request& req, FieldData& f) -> Result<Response> {
    std::lock_guard lock(e.write_mu());
    ARCA_ASSIGN_OR_RETURN(auto loaded, e.Issuer(*req.storage, f.GetString("issuer_ref")));
    IssuerEntry entry = loaded->entry;
    if (f.Has("issuer_name")) {
      ARCA_RETURN_IF_ERROR(CheckNameUnique(*req.storage, f.GetString("issuer_name"), entry.id));
      entry.name = f.GetString("issuer_name");
    }
    if (f.Has("leaf_not_after_behavior")) {
      std::string b = f.GetString("leaf_not_after_behavior");
      if (b != "err" && b != "truncate" && b != "permit") {
        return std::unexpected(InvalidRequest("leaf_not_after_behavior must be err, truncate or permit"));
      }
      entry.leaf_not_after_behavior = b;
    }
    if (f.Has("usage")) {
      std::string usage;
      for (const auto& u : f.GetStringSlice("usage")) {
        if (u != "read-only" && u != "issuing-certificates" && u != "crl-signing" && u != "ocsp-signing") {
          return std::unexpected(InvalidRequest("unknown issuer usage \"" + u + "\""));
        }
        usage += (usage.empty() ? "" : ",") + u;
      }
      entry.usage = usage;
    }
    if (f.Has("issuing_certificates")) entry.issuing_certificates = f.GetStringSlice("issuing_certificates");
    if (f.Has("crl_distribution_points")) entry.crl_distribution_points = f.GetStringSlice("crl_distribution_points");
    if (f.Has("ocsp_servers")) entry.ocsp_servers = f.GetStringSlice("ocsp_servers");
    ARCA_RETURN_IF_ERROR(SaveIssuer(*req.storage, entry));
    e.InvalidateIssuers();
    return Response::WithData(IssuerJson(entry));
  };
  auto delete_issuer = [&e](Request& req, FieldData& f) -> Result<Response> {
    std::lock_guard lock(e.write_mu());
    ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, f.GetString("issuer_ref")));
    ARCA_RETURN_IF_ERROR(DeleteIssuer(*req.storage, issuer->entry.id));
    ARCA_ASSIGN_OR_RETURN(std::string def, DefaultIssuerId(*req.storage));
    Response r;
    if (def == issuer->entry.id) {
      ARCA_RETURN_IF_ERROR(SetDefaultIssuerId(*req.storage, ""));
      r.warnings.push_back("Deleted the default issuer; set a new one with config/issuers");
    }
    e.InvalidateIssuers();
    return r;
  };
  paths.push_back(Simple("issuer/" + logical::framework::GenericNameRegex("issuer_ref"), issuer_fields,
                         {{Operation::kRead, {read_issuer, "Read an issuer."}},
                          {Operation::kUpdate, {update_issuer, "Update an issuer."}},
                          {Operation::kPatch, {update_issuer, "Patch an issuer."}},
                          {Operation::kDelete, {delete_issuer, "Delete an issuer."}}},
                         "An issuer of this mount."));
  auto issuer_raw = [&e](Request& req, FieldData& f) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, f.GetString("issuer_ref")));
    const std::string kind = f.GetString("kind");
    if (kind == "json") {
      std::string chain;
      return Response::WithData({{"certificate", issuer->entry.certificate},
                                 {"ca_chain", ToJsonArray(issuer->entry.ca_chain)},
                                 {"issuer_id", issuer->entry.id},
                                 {"issuer_name", issuer->entry.name}});
    }
    if (kind == "der") return RawResponse(200, "application/pkix-cert", CertDer(issuer->cert.get()));
    return RawResponse(200, "application/pem-certificate-chain", issuer->entry.certificate);
  };
  paths.push_back(Simple("issuer/" + logical::framework::GenericNameRegex("issuer_ref") + "/(?<kind>json|der|pem)",
                         {{"issuer_ref", FieldSchema{FieldType::kString, "issuer"}}, {"kind", FieldSchema{FieldType::kString, "format"}}},
                         {{Operation::kRead, {issuer_raw, "Read an issuer's certificate."}}},
                         "An issuer's certificate."));

  FieldMap default_fields = {{"default", FieldSchema{FieldType::kString, "default issuer"}},
                             {"default_follows_latest_issuer", FieldSchema{FieldType::kBool, "accepted", false}}};
  paths.push_back(Simple("config/issuers", default_fields,
                         {{Operation::kRead, {[](Request& req, FieldData&) -> Result<Response> {
                             ARCA_ASSIGN_OR_RETURN(std::string def, DefaultIssuerId(*req.storage));
                             return Response::WithData({{"default", def}, {"default_follows_latest_issuer", false}});
                           }, "Read the default issuer."}},
                          {Operation::kUpdate, {[&e](Request& req, FieldData& f) -> Result<Response> {
                             ARCA_ASSIGN_OR_RETURN(auto issuer, e.Issuer(*req.storage, f.GetString("default")));
                             ARCA_RETURN_IF_ERROR(SetDefaultIssuerId(*req.storage, issuer->entry.id));
                             e.InvalidateIssuers();
                             return Response::WithData({{"default", issuer->entry.id}, {"default_follows_latest_issuer", false}});
                           }, "Set the default issuer."}}},
                         "The default issuer."));

  auto list_keys = [](Request& req, FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto ids, ListKeyIds(*req.storage));
    json::object info;
    for (const auto& id : ids) {
      ARCA_ASSIGN_OR_RETURN(auto k, LoadKey(*req.storage, id));
      if (k) info[id] = json::object{{"key_name", k->name}, {"key_type", k->type}};
    }
    Response r = Response::ListResponse(ids);
    if (!ids.empty()) r.data["key_info"] = std::move(info);
    return r;
  };
  paths.push_back(Simple("keys/?", {}, {{Operation::kList, {list_keys, "List keys."}}}, "The mount's keys."));
  auto key_by_ref = [](Request& req, const std::string& ref) -> Result<KeyEntry> {
    std::string id = ref;
    if (ref.empty() || ref == "default") {
      ARCA_ASSIGN_OR_RETURN(id, DefaultKeyId(*req.storage));
    }
    ARCA_ASSIGN_OR_RETURN(auto k, LoadKey(*req.storage, id));
    if (k) return *k;
    ARCA_ASSIGN_OR_RETURN(auto ids, ListKeyIds(*req.storage));
    for (const auto& kid : ids) {
      ARCA_ASSIGN_OR_RETURN(auto c, LoadKey(*req.storage, kid));
      if (c && c->name == ref) return *c;
    }
    return std::unexpected(InvalidRequest("unable to find PKI key for reference: " + ref));
  };
  paths.push_back(Simple("key/" + logical::framework::GenericNameRegex("key_ref"),
                         {{"key_ref", FieldSchema{FieldType::kString, "key id, name or default"}},
                          {"key_name", FieldSchema{FieldType::kString, "new name"}}},
                         {{Operation::kRead, {[key_by_ref](Request& req, FieldData& f) -> Result<Response> {
                             ARCA_ASSIGN_OR_RETURN(KeyEntry k, key_by_ref(req, f.GetString("key_ref")));
                             ARCA_ASSIGN_OR_RETURN(PkeyPtr key, ParsePrivateKeyPem(k.private_key));
                             return Response::WithData({{"key_id", k.id}, {"key_name", k.name}, {"key_type", k.type},
                                                        {"key_bits", k.bits}, {"public_key", PublicKeyPem(key.get())}});
                           }, "Read a key (never its private part)."}},
                          {Operation::kUpdate, {[key_by_ref, &e](Request& req, FieldData& f) -> Result<Response> {
                             ARCA_ASSIGN_OR_RETURN(KeyEntry k, key_by_ref(req, f.GetString("key_ref")));
                             k.name = f.GetString("key_name");
                             ARCA_RETURN_IF_ERROR(SaveKey(*req.storage, k));
                             e.InvalidateIssuers();
                             return Response::WithData({{"key_id", k.id}, {"key_name", k.name}, {"key_type", k.type}});
                           }, "Rename a key."}},
                          {Operation::kDelete, {[key_by_ref, &e](Request& req, FieldData& f) -> Result<Response> {
                             ARCA_ASSIGN_OR_RETURN(KeyEntry k, key_by_ref(req, f.GetString("key_ref")));
                             ARCA_ASSIGN_OR_RETURN(auto ids, ListIssuerIds(*req.storage));
                             for (const auto& id : ids) {
                               ARCA_ASSIGN_OR_RETURN(auto i, LoadIssuer(*req.storage, id));
                               if (i && i->key_id == k.id) {
                                 return std::unexpected(InvalidRequest("key " + k.id + " is in use by issuer " + id));
                               }
                             }
                             ARCA_RETURN_IF_ERROR(DeleteKey(*req.storage, k.id));
                             e.InvalidateIssuers();
                             return Response{};
                           }, "Delete an unused key."}}},
                         "A key of this mount."));
  paths.push_back(Simple("config/keys", {{"default", FieldSchema{FieldType::kString, "default key"}}},
                         {{Operation::kRead, {[](Request& req, FieldData&) -> Result<Response> {
                             ARCA_ASSIGN_OR_RETURN(std::string def, DefaultKeyId(*req.storage));
                             return Response::WithData({{"default", def}});
                           }, "Read the default key."}},
                          {Operation::kUpdate, {[key_by_ref](Request& req, FieldData& f) -> Result<Response> {
                             ARCA_ASSIGN_OR_RETURN(KeyEntry k, key_by_ref(req, f.GetString("default")));
                             ARCA_RETURN_IF_ERROR(SetDefaultKeyId(*req.storage, k.id));
                             return Response::WithData({{"default", k.id}});
                           }, "Set the default key."}}},
                         "The default key."));
  return paths;
}

}  // namespace arca::pki
