// PKI roles (pki/roles/:name): Vault's parameters and defaults, their JSON form, and the checks
// a role applies to the names, TTL and key of a certificate request.
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/glob.h"
#include "common/json.h"
#include "common/status.h"
#include "logical/framework/field.h"
#include "logical/framework/field_data.h"

namespace arca::pki {

struct Role {
  std::string name;
  std::chrono::seconds ttl{0}, max_ttl{0};
  std::chrono::seconds not_before_duration{30};
  std::vector<std::string> allowed_domains;
  bool allow_localhost = true;
  bool allow_subdomains = false;
  bool allow_glob_domains = false;
  bool allow_bare_domains = false;
  bool allow_any_name = false;
  bool allow_wildcard_certificates = true;
  bool enforce_hostnames = true;
  bool allow_ip_sans = true;
  std::vector<std::string> allowed_uri_sans;
  std::vector<std::string> allowed_other_sans;
  std::vector<std::string> allowed_serial_numbers;
  bool server_flag = true, client_flag = true, code_signing_flag = false, email_protection_flag = false;
  std::string key_type = "rsa";
  int key_bits = 0;  // 0: the type's default
  int signature_bits = 0;
  std::vector<std::string> key_usage{"DigitalSignature", "KeyAgreement", "KeyEncipherment"};
  std::vector<std::string> ext_key_usage;
  std::vector<std::string> ext_key_usage_oids;
  bool use_csr_common_name = true;
  bool use_csr_sans = true;
  bool require_cn = true;
  bool no_store = false;
  bool generate_lease = false;
  std::string issuer_ref = "default";
  std::vector<std::string> organization, ou, country, locality, province, street_address, postal_code;
  std::vector<std::string> policy_identifiers;
  bool basic_constraints_valid_for_non_ca = false;
};

// The framework fields of roles/:name, with Vault's defaults.
logical::framework::FieldMap RoleFields();
// Builds a role from a write (creating: defaults for absent fields; updating: absent fields keep
// `base`). Errors: InvalidRequest for bad values (key type/bits, ttl above max_ttl, ...).
Result<Role> RoleFromFields(const logical::framework::FieldData& f, const Role& base);
json::object RoleToJson(const Role& r);
Role RoleFromJson(const json::object& o);

// The role that sign-verbatim uses: any name, the request's key, no stored rules.
Role SignVerbatimRole();
// The implicit role of an ACME directory whose policy is sign-verbatim: any name (the ACME server
// has checked it is a valid DNS name or IP), the CSR's key, and a TLS server certificate only
// (ServerAuth; no ClientAuth), whatever config/acme allow_role_ext_key_usage says.
Role AcmeSignVerbatimRole();

// Checks one requested name (CN or DNS/email SAN) against the role. Errors name it.
Status CheckName(const Role& role, const std::string& name);
using ::arca::GlobMatch;  // common/glob.h

}  // namespace arca::pki
