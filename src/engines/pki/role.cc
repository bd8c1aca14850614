#include "engines/pki/role.h"

#include <arpa/inet.h>

#include <cctype>

#include "engines/pki/pki_store.h"
#include "engines/pki/x509_util.h"

namespace arca::pki {

using logical::framework::FieldSchema;
using logical::framework::FieldType;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ValidHostname(std::string_view name, bool allow_wildcard) {
  if (allow_wildcard && name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// strings / lists / bools / durations read with their schema defaults.
std::vector<std::string> Slice(const logical::framework::FieldData& f, std::string_view n) {
  return f.GetStringSlice(n);
}

}  // namespace

logical::framework::FieldMap RoleFields() {
  auto list = [](std::string d, json::array def = {}) {
    return FieldSchema{FieldType::kCommaStringSlice, std::move(d), std::move(def)};
  };
  auto flag = [](std::string d, bool def) { return FieldSchema{FieldType::kBool, std::move(d), def}; };
  return {
      {"name", FieldSchema{FieldType::kString, "role name"}},
      {"ttl", FieldSchema{FieldType::kDuration, "default TTL of issued certificates", 0}},
      {"max_ttl", FieldSchema{FieldType::kDuration, "maximum TTL of issued certificates", 0}},
      {"not_before_duration", FieldSchema{FieldType::kDuration, "backdating of NotBefore", 30}},
      {"allowed_domains", list("domains the role may issue for")},
      {"allow_localhost", flag("allow localhost", true)},
      {"allow_subdomains", flag("allow subdomains of allowed_domains", false)},
      {"allow_glob_domains", flag("treat allowed_domains as globs", false)},
      {"allow_bare_domains", flag("allow the allowed_domains themselves", false)},
      {"allow_any_name", flag("allow any name", false)},
      {"allow_wildcard_certificates", flag("allow wildcard names", true)},
      {"enforce_hostnames", flag("require valid hostnames", true)},
      {"allow_ip_sans", flag("allow IP SANs", true)},
      {"allowed_uri_sans", list("URI SAN globs")},
      {"allowed_other_sans", list("other SANs (<oid>;UTF8:<glob>)")},
      {"allowed_serial_numbers", list("subject serial number globs")},
      {"server_flag", flag("ServerAuth extended key usage", true)},
      {"client_flag", flag("ClientAuth extended key usage", true)},
      {"code_signing_flag", flag("CodeSigning extended key usage", false)},
      {"email_protection_flag", flag("EmailProtection extended key usage", false)},
      {"key_type", FieldSchema{FieldType::kString, "rsa, ec, ed25519 or any", "rsa"}},
      {"key_bits", FieldSchema{FieldType::kInt, "key size (0: the type's default)", 0}},
      {"signature_bits", FieldSchema{FieldType::kInt, "signature hash size", 0}},
      {"key_usage", list("key usages", json::array{"DigitalSignature", "KeyAgreement", "KeyEncipherment"})},
      {"ext_key_usage", list("extended key usages")},
      {"ext_key_usage_oids", list("extended key usage OIDs")},
      {"use_csr_common_name", flag("take the CN from the CSR on sign", true)},
      {"use_csr_sans", flag("take SANs from the CSR on sign", true)},
      {"require_cn", flag("require a common name", true)},
      {"no_store", flag("do not store issued certificates", false)},
      {"generate_lease", flag("issue certificates with a lease", false)},
      {"issuer_ref", FieldSchema{FieldType::kString, "issuer to sign with", "default"}},
      {"organization", list("O")},
      {"ou", list("OU")},
      {"country", list("C")},
      {"locality", list("L")},
      {"province", list("ST")},
      {"street_address", list("street")},
      {"postal_code", list("postalCode")},
      {"policy_identifiers", list("certificate policy OIDs")},
      {"basic_constraints_valid_for_non_ca", flag("mark CA:FALSE", false)},
  };
}

Result<Role> RoleFromFields(const logical::framework::FieldData& f, const Role& /*base*/) {
  Role r;
  r.name = f.GetString("name");
  r.ttl = f.GetDuration("ttl");
  r.max_ttl = f.GetDuration("max_ttl");
  r.not_before_duration = f.GetDuration("not_before_duration");
  r.allowed_domains = Slice(f, "allowed_domains");
  r.allow_localhost = f.GetBool("allow_localhost");
  r.allow_subdomains = f.GetBool("allow_subdomains");
  r.allow_glob_domains = f.GetBool("allow_glob_domains");
  r.allow_bare_domains = f.GetBool("allow_bare_domains");
  r.allow_any_name = f.GetBool("allow_any_name");
  r.allow_wildcard_certificates = f.GetBool("allow_wildcard_certificates");
  r.enforce_hostnames = f.GetBool("enforce_hostnames");
  r.allow_ip_sans = f.GetBool("allow_ip_sans");
  r.allowed_uri_sans = Slice(f, "allowed_uri_sans");
  r.allowed_other_sans = Slice(f, "allowed_other_sans");
  r.allowed_serial_numbers = Slice(f, "allowed_serial_numbers");
  r.server_flag = f.GetBool("server_flag");
  r.client_flag = f.GetBool("client_flag");
  r.code_signing_flag = f.GetBool("code_signing_flag");
  r.email_protection_flag = f.GetBool("email_protection_flag");
  r.key_type = Lower(f.GetString("key_type"));
  r.key_bits = static_cast<int>(f.GetInt("key_bits"));
  r.signature_bits = static_cast<int>(f.GetInt("signature_bits"));
  r.key_usage = Slice(f, "key_usage");
  r.ext_key_usage = Slice(f, "ext_key_usage");
  r.ext_key_usage_oids = Slice(f, "ext_key_usage_oids");
  r.use_csr_common_name = f.GetBool("use_csr_common_name");
  r.use_csr_sans = f.GetBool("use_csr_sans");
  r.require_cn = f.GetBool("require_cn");
  r.no_store = f.GetBool("no_store");
  r.generate_lease = f.GetBool("generate_lease");
  r.issuer_ref = f.GetString("issuer_ref");
  if (r.issuer_ref.empty()) r.issuer_ref = "default";
  r.organization = Slice(f, "organization");
  r.ou = Slice(f, "ou");
  r.country = Slice(f, "country");
  r.locality = Slice(f, "locality");
  r.province = Slice(f, "province");
  r.street_address = Slice(f, "street_address");
  r.postal_code = Slice(f, "postal_code");
  r.policy_identifiers = Slice(f, "policy_identifiers");
  r.basic_constraints_valid_for_non_ca = f.GetBool("basic_constraints_valid_for_non_ca");

  if (r.key_type == "any") {
    r.key_bits = 0;
  } else {
    ARCA_ASSIGN_OR_RETURN(r.key_bits, NormalizeKeyBits(r.key_type, r.key_bits));
  }
  if (r.max_ttl.count() > 0 && r.ttl > r.max_ttl) {
    return std::unexpected(InvalidRequest("\"ttl\" value must be less than \"max_ttl\" value"));
  }
  if (r.no_store && r.generate_lease) {
    return std::unexpected(InvalidRequest("\"no_store\" and \"generate_lease\" cannot both be true"));
  }
  for (const auto& u : r.ext_key_usage_oids) {
    if (u.empty() || u.find_first_not_of("0123456789.") != std::string::npos) {
      return std::unexpected(InvalidRequest("invalid ext_key_usage_oids entry \"" + u + "\""));
    }
  }
  return r;
}

json::object RoleToJson(const Role& r) {
  return {{"ttl", r.ttl.count()},
          {"max_ttl", r.max_ttl.count()},
          {"not_before_duration", r.not_before_duration.count()},
          {"allowed_domains", ToJsonArray(r.allowed_domains)},
          {"allow_localhost", r.allow_localhost},
          {"allow_subdomains", r.allow_subdomains},
          {"allow_glob_domains", r.allow_glob_domains},
          {"allow_bare_domains", r.allow_bare_domains},
          {"allow_any_name", r.allow_any_name},
          {"allow_wildcard_certificates", r.allow_wildcard_certificates},
          {"enforce_hostnames", r.enforce_hostnames},
          {"allow_ip_sans", r.allow_ip_sans},
          {"allowed_uri_sans", ToJsonArray(r.allowed_uri_sans)},
          {"allowed_other_sans", ToJsonArray(r.allowed_other_sans)},
          {"allowed_serial_numbers", ToJsonArray(r.allowed_serial_numbers)},
          {"server_flag", r.server_flag},
          {"client_flag", r.client_flag},
          {"code_signing_flag", r.code_signing_flag},
          {"email_protection_flag", r.email_protection_flag},
          {"key_type", r.key_type},
          {"key_bits", r.key_bits},
          {"signature_bits", r.signature_bits},
          {"key_usage", ToJsonArray(r.key_usage)},
          {"ext_key_usage", ToJsonArray(r.ext_key_usage)},
          {"ext_key_usage_oids", ToJsonArray(r.ext_key_usage_oids)},
          {"use_csr_common_name", r.use_csr_common_name},
          {"use_csr_sans", r.use_csr_sans},
          {"require_cn", r.require_cn},
          {"no_store", r.no_store},
          {"generate_lease", r.generate_lease},
          {"issuer_ref", r.issuer_ref},
          {"organization", ToJsonArray(r.organization)},
          {"ou", ToJsonArray(r.ou)},
          {"country", ToJsonArray(r.country)},
          {"locality", ToJsonArray(r.locality)},
          {"province", ToJsonArray(r.province)},
          {"street_address", ToJsonArray(r.street_address)},
          {"postal_code", ToJsonArray(r.postal_code)},
          {"policy_identifiers", ToJsonArray(r.policy_identifiers)},
          {"basic_constraints_valid_for_non_ca", r.basic_constraints_valid_for_non_ca}};
}

Role RoleFromJson(const json::object& o) {
  Role r;
  auto b = [&](std::string_view k, bool& dst) {
    if (const json::value* v = o.if_contains(k); v && v->is_bool()) dst = v->as_bool();
  };
  auto l = [&](std::string_view k, std::vector<std::string>& dst) {
    if (o.contains(k)) dst = StringsOf(o, k);
  };
  auto d = [&](std::string_view k, std::chrono::seconds& dst) {
    if (const json::value* v = o.if_contains(k); v && v->is_int64()) dst = std::chrono::seconds(v->as_int64());
  };
  auto s = [&](std::string_view k, std::string& dst) {
    if (const json::value* v = o.if_contains(k); v && v->is_string()) dst = std::string(v->as_string());
  };
  d("ttl", r.ttl);
  d("max_ttl", r.max_ttl);
  d("not_before_duration", r.not_before_duration);
  l("allowed_domains", r.allowed_domains);
  b("allow_localhost", r.allow_localhost);
  b("allow_subdomains", r.allow_subdomains);
  b("allow_glob_domains", r.allow_glob_domains);
  b("allow_bare_domains", r.allow_bare_domains);
  b("allow_any_name", r.allow_any_name);
  b("allow_wildcard_certificates", r.allow_wildcard_certificates);
  b("enforce_hostnames", r.enforce_hostnames);
  b("allow_ip_sans", r.allow_ip_sans);
  l("allowed_uri_sans", r.allowed_uri_sans);
  l("allowed_other_sans", r.allowed_other_sans);
  l("allowed_serial_numbers", r.allowed_serial_numbers);
  b("server_flag", r.server_flag);
  b("client_flag", r.client_flag);
  b("code_signing_flag", r.code_signing_flag);
  b("email_protection_flag", r.email_protection_flag);
  s("key_type", r.key_type);
  if (const json::value* v = o.if_contains("key_bits"); v && v->is_int64()) r.key_bits = static_cast<int>(v->as_int64());
  l("key_usage", r.key_usage);
  l("ext_key_usage", r.ext_key_usage);
  l("ext_key_usage_oids", r.ext_key_usage_oids);
  b("use_csr_common_name", r.use_csr_common_name);
  b("use_csr_sans", r.use_csr_sans);
  b("require_cn", r.require_cn);
  b("no_store", r.no_store);
  b("generate_lease", r.generate_lease);
  s("issuer_ref", r.issuer_ref);
  l("organization", r.organization);
  l("ou", r.ou);
  l("country", r.country);
  l("locality", r.locality);
  l("province", r.province);
  l("street_address", r.street_address);
  l("postal_code", r.postal_code);
  l("policy_identifiers", r.policy_identifiers);
  b("basic_constraints_valid_for_non_ca", r.basic_constraints_valid_for_non_ca);
  return r;
}

Role SignVerbatimRole() {
  Role r;
  r.name = "sign-verbatim";
  r.allow_any_name = true;
  r.enforce_hostnames = false;
  r.allow_ip_sans = true;
  r.allowed_uri_sans = {"*"};
  r.allowed_other_sans = {"*"};
  r.allowed_serial_numbers = {"*"};
  r.key_type = "any";
  r.require_cn = false;
  r.use_csr_common_name = true;
  r.use_csr_sans = true;
  return r;
}

Role AcmeSignVerbatimRole() {
  Role r = SignVerbatimRole();
  r.server_flag = true;
  r.client_flag = r.code_signing_flag = r.email_protection_flag = false;
  r.ext_key_usage.clear();
  r.ext_key_usage_oids.clear();
  r.allowed_uri_sans.clear();
  r.allowed_other_sans.clear();
  r.allowed_serial_numbers.clear();
  return r;
}

Status CheckName(const Role& role, const std::string& raw_name) {
  std::string name = Lower(raw_name);
  // An email address: its domain is checked like a host name.
  std::string host = name;
  if (size_t at = name.find('@'); at != std::string::npos) host = name.substr(at + 1);
  auto refuse = [&] {
    return std::unexpected(InvalidRequest("subject alternate name " + raw_name + " not allowed by this role"));
  };
  if (role.enforce_hostnames) {
    unsigned char buf[16];
    bool is_ip = inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
    if (!is_ip && !ValidHostname(host, role.allow_wildcard_certificates)) {
      return std::unexpected(InvalidRequest("common name " + raw_name + " not allowed by this role: not a valid hostname"));
    }
  }
  if (host.starts_with("*.") && !role.allow_wildcard_certificates) return refuse();
  if (role.allow_any_name) return {};
  if (role.allow_localhost && (host == "localhost" || host == "localdomain" || host.ends_with(".localhost"))) {
    return {};
  }
  std::string base = host.starts_with("*.") ? host.substr(2) : host;
  for (const auto& allowed_raw : role.allowed_domains) {
    std::string allowed = Lower(allowed_raw);
    if (allowed.empty()) continue;
    if (role.allow_bare_domains && base == allowed && !host.starts_with("*.")) return {};
    if (role.allow_bare_domains && host == allowed) return {};
    if (role.allow_subdomains) {
      if (host.size() > allowed.size() + 1 && host.ends_with("." + allowed)) return {};
      // "*.example.com" is a subdomain wildcard of example.com.
      if (host.starts_with("*.") && base == allowed) return {};
    }
    if (role.allow_glob_domains && allowed.find('*') != std::string::npos && GlobMatch(allowed, host)) return {};
  }
  return refuse();
}

}  // namespace arca::pki
