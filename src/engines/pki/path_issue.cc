// Roles (roles/:name, LIST roles) and issuance: issue/:role, sign/:role, sign-verbatim(/:role)
// and their issuer/:ref/ variants.
#include <openssl/x509.h>

#include "common/encoding.h"
#include "engines/pki/pki_paths.h"

namespace arca::pki {

using logical::Operation;
using logical::Request;
using logical::Response;
using logical::framework::FieldData;
using logical::framework::FieldMap;
using logical::framework::FieldSchema;
using logical::framework::FieldType;
using logical::framework::GenericNameRegex;
using logical::framework::Path;

namespace {

FieldMap IssueFields() {
  auto list = [](std::string d) { return FieldSchema{FieldType::kCommaStringSlice, std::move(d)}; };
  return {
      {"role", FieldSchema{FieldType::kString, "role name"}},
      {"issuer_ref", FieldSchema{FieldType::kString, "issuer"}},
      {"common_name", FieldSchema{FieldType::kString, "subject CN"}},
      {"alt_names", list("DNS/email SANs")},
      {"ip_sans", list("IP SANs")},
      {"uri_sans", list("URI SANs")},
      {"other_sans", list("other SANs")},
      {"ttl", FieldSchema{FieldType::kDuration, "validity", 0}},
      {"not_after", FieldSchema{FieldType::kString, "explicit notAfter (RFC 3339)"}},
      {"format", FieldSchema{FieldType::kString, "pem, der or pem_bundle", "pem"}},
      {"private_key_format", FieldSchema{FieldType::kString, "der or pkcs8", "der"}},
      {"exclude_cn_from_sans", FieldSchema{FieldType::kBool, "keep the CN out of the SANs", false}},
      {"serial_number", FieldSchema{FieldType::kString, "subject serialNumber"}},
      {"csr", FieldSchema{FieldType::kString, "CSR (PEM)"}},
      {"remove_roots_from_chain", FieldSchema{FieldType::kBool, "leave self-signed roots out of ca_chain", false}},
      {"user_ids", list("accepted")},
      {"key_usage", list("sign-verbatim: key usages")},
      {"ext_key_usage", list("sign-verbatim: extended key usages")},
      {"ext_key_usage_oids", list("sign-verbatim: extended key usage OIDs")},
      {"signature_bits", FieldSchema{FieldType::kInt, "signature hash size", 0}},
  };
}

IssueRequest RequestFromFields(const FieldData& f) {
  IssueRequest r;
  r.issuer_ref = f.GetString("issuer_ref");
  r.common_name = f.GetString("common_name");
  r.alt_names = f.GetStringSlice("alt_names");
  r.ip_sans = f.GetStringSlice("ip_sans");
  r.uri_sans = f.GetStringSlice("uri_sans");
  r.other_sans = f.GetStringSlice("other_sans");
  r.exclude_cn_from_sans = f.GetBool("exclude_cn_from_sans");
  r.ttl = f.GetDuration("ttl");
  r.not_after = f.GetString("not_after");
  r.subject_serial_number = f.GetString("serial_number");
  return r;
}

Status CheckFormats(const FieldData& f) {
  std::string format = f.GetString("format");
  if (format != "pem" && format != "der" && format != "pem_bundle") {
    return std::unexpected(InvalidRequest("unsupported format \"" + format + "\": use pem, der or pem_bundle"));
  }
  std::string pkf = f.GetString("private_key_format");
  if (pkf != "der" && pkf != "pkcs8" && pkf != "") {
    return std::unexpected(InvalidRequest("unsupported private_key_format \"" + pkf + "\": use der or pkcs8"));
  }
  return {};
}

Result<Role> RoleForPath(PkiEngine& e, Request& req, const std::string& name) {
  ARCA_ASSIGN_OR_RETURN(auto role, e.LoadRole(*req.storage, name));
  if (!role) return std::unexpected(InvalidRequest("unknown role: " + name));
  return *role;
}

Response Issued(PkiEngine& e, const Role& role, IssueResult& r, const FieldData& f, EVP_PKEY* private_key) {
  json::object data = CertResponseData(r.cert.get(), *r.issuer, f.GetString("format"));
  if (private_key != nullptr) {
    std::string pk = PrivateKeyPem(private_key, f.GetString("private_key_format"));
    if (f.GetString("format") == "der") {
      // DER output: the key's DER, base64.
      auto begin = pk.find('\n');
      auto end = pk.rfind("-----END");
      std::string b64;
      for (char c : pk.substr(begin + 1, end - begin - 1)) {
        if (c != '\n') b64.push_back(c);
      }
      pk = b64;
    } else if (f.GetString("format") == "pem_bundle") {
      data["certificate"] = pk + std::string(data["certificate"].as_string());
    }
    data["private_key"] = pk;
    data["private_key_type"] = KeyType(private_key);
  }
  Response resp = Response::WithData(std::move(data));
  resp.warnings = r.warnings;
  if (role.generate_lease) {
    logical::Secret secret;
    const int64_t ttl = NotAfter(r.cert.get()) - e.Now();
    secret.ttl = std::chrono::seconds(ttl > 0 ? ttl : 1);
    secret.max_ttl = secret.ttl;
    secret.renewable = false;
    secret.internal_data = logical::framework::SecretInternal("pki", {{"serial_number", r.serial}});
    resp.secret = std::move(secret);
  }
  return resp;
}

Result<Response> DoIssue(PkiEngine& e, Request& req, FieldData& f) {
  ARCA_RETURN_IF_ERROR(CheckFormats(f));
  ARCA_ASSIGN_OR_RETURN(Role role, RoleForPath(e, req, f.GetString("role")));
  std::string type = role.key_type == "any" ? "rsa" : role.key_type;
  if (role.key_type == "any") {
    return std::unexpected(InvalidRequest("role key type \"any\" not allowed for issuing certificates, only signing"));
  }
  ARCA_ASSIGN_OR_RETURN(PkeyPtr key, e.NewLeafKey(type, role.key_bits));
  IssueRequest ir = RequestFromFields(f);
  ir.public_key = key.get();
  ARCA_ASSIGN_OR_RETURN(IssueResult r, e.IssueCertificate(*req.storage, role, ir));
  return Issued(e, role, r, f, key.get());
}

Result<Response> DoSign(PkiEngine& e, Request& req, FieldData& f, bool verbatim) {
  ARCA_RETURN_IF_ERROR(CheckFormats(f));
  std::string csr_text = f.GetString("csr");
  if (csr_text.empty()) return std::unexpected(InvalidRequest("the csr field is required"));
  ARCA_ASSIGN_OR_RETURN(ReqPtr csr, ParseCsr(csr_text));
  Role role;
  if (verbatim) {
    role = SignVerbatimRole();
    if (std::string name = f.GetString("role"); !name.empty()) {
      ARCA_ASSIGN_OR_RETURN(Role named, RoleForPath(e, req, name));
      role.ttl = named.ttl;
      role.max_ttl = named.max_ttl;
      role.no_store = named.no_store;
      role.generate_lease = named.generate_lease;
      role.issuer_ref = named.issuer_ref;
    }
    role.key_usage = f.GetStringSlice("key_usage");
    if (!f.Has("key_usage")) role.key_usage = {"DigitalSignature", "KeyAgreement", "KeyEncipherment"};
    role.ext_key_usage = f.GetStringSlice("ext_key_usage");
    role.ext_key_usage_oids = f.GetStringSlice("ext_key_usage_oids");
    role.server_flag = role.client_flag = false;
  } else {
    ARCA_ASSIGN_OR_RETURN(role, RoleForPath(e, req, f.GetString("role")));
  }
  IssueRequest ir = RequestFromFields(f);
  ir.csr = csr.get();
  ir.public_key = X509_REQ_get0_pubkey(csr.get());
  ir.verbatim = verbatim;
  ARCA_ASSIGN_OR_RETURN(IssueResult r, e.IssueCertificate(*req.storage, role, ir));
  return Issued(e, role, r, f, nullptr);
}

Path Make(std::string pattern, FieldMap fields, logical::framework::Handler h, std::string help) {
  Path p;
  p.pattern = std::move(pattern);
  p.fields = std::move(fields);
  p.operations[Operation::kUpdate] = {std::move(h), help};
  p.help_synopsis = std::move(help);
  return p;
}

}  // namespace

std::vector<Path> RolePaths(PkiEngine& e) {
  std::vector<Path> paths;
  Path list;
  list.pattern = "roles/?";
  list.operations[Operation::kList] = {[](Request& req, FieldData&) -> Result<Response> {
                                         ARCA_ASSIGN_OR_RETURN(auto keys, req.storage->List("role/"));
                                         return Response::ListResponse(keys);
                                       },
                                       "List roles."};
  list.help_synopsis = "The mount's roles.";
  paths.push_back(std::move(list));

  Path role;
  role.pattern = "roles/" + GenericNameRegex("name");
  role.fields = RoleFields();
  auto write = [&e](Request& req, FieldData& f) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(Role r, RoleFromFields(f, Role{}));
    if (r.issuer_ref != "default") {
      auto issuer = e.Issuer(*req.storage, r.issuer_ref);
      if (!issuer) return std::unexpected(InvalidRequest("issuer_ref: " + issuer.error().message()));
    }
    ARCA_RETURN_IF_ERROR(logical::PutJson(*req.storage, "role/" + r.name, RoleToJson(r)));
    return Response::WithData(RoleToJson(r));
  };
  role.operations[Operation::kUpdate] = {write, "Create or replace a role."};
  role.operations[Operation::kRead] = {[&e](Request& req, FieldData& f) -> Result<Response> {
                                         ARCA_ASSIGN_OR_RETURN(auto r, e.LoadRole(*req.storage, f.GetString("name")));
                                         if (!r) return Response{};
                                         return Response::WithData(RoleToJson(*r));
                                       },
                                       "Read a role."};
  role.operations[Operation::kDelete] = {[](Request& req, FieldData& f) -> Result<Response> {
                                           ARCA_RETURN_IF_ERROR(req.storage->Delete("role/" + f.GetString("name")));
                                           return Response{};
                                         },
                                         "Delete a role."};
  role.existence_check = [](Request& req, FieldData& f) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(auto v, req.storage->Get("role/" + f.GetString("name")));
    return v.has_value();
  };
  role.help_synopsis = "A role: the rules certificates issued through it follow.";
  paths.push_back(std::move(role));
  return paths;
}

std::vector<Path> IssuePaths(PkiEngine& e) {
  std::vector<Path> paths;
  const std::string issuer = "issuer/" + GenericNameRegex("issuer_ref") + "/";
  auto issue = [&e](Request& r, FieldData& f) { return DoIssue(e, r, f); };
  auto sign = [&e](Request& r, FieldData& f) { return DoSign(e, r, f, false); };
  auto verbatim = [&e](Request& r, FieldData& f) { return DoSign(e, r, f, true); };
  paths.push_back(Make("issue/" + GenericNameRegex("role"), IssueFields(), issue, "Issue a certificate and key under a role."));
  paths.push_back(Make(issuer + "issue/" + GenericNameRegex("role"), IssueFields(), issue, "Issue with a given issuer."));
  paths.push_back(Make("sign/" + GenericNameRegex("role"), IssueFields(), sign, "Sign a CSR under a role."));
  paths.push_back(Make(issuer + "sign/" + GenericNameRegex("role"), IssueFields(), sign, "Sign a CSR with a given issuer."));
  paths.push_back(Make("sign-verbatim" + logical::framework::OptionalParamRegex("role"), IssueFields(), verbatim,
                       "Sign a CSR as it is."));
  paths.push_back(Make(issuer + "sign-verbatim" + logical::framework::OptionalParamRegex("role"), IssueFields(), verbatim,
                       "Sign a CSR as it is with a given issuer."));
  return paths;
}

}  // namespace arca::pki
