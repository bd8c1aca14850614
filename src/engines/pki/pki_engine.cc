#include "engines/pki/pki_engine.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <thread>

#include "common/duration.h"
#include "common/uuid.h"
#include "engines/pki/acme/acme_server.h"
#include "engines/pki/cert_builder.h"
#include "engines/pki/pki_paths.h"

namespace arca::pki {
namespace {

constexpr size_t kRsaPoolSize = 8;

std::chrono::seconds ParseDur(const std::string& s, std::chrono::seconds def) {
  auto d = ParseDuration(s);
  return d ? *d : def;
}

// The names and key a CSR asks for.
struct CsrNames {
  std::string cn;
  std::vector<std::string> dns, email, ip, uri;
};

CsrNames NamesOfCsr(X509_REQ* csr) {
  CsrNames out;
  out.cn = CommonName(X509_REQ_get_subject_name(csr));
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(csr);
  if (exts == nullptr) return out;
  auto* sans = static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    auto text = [](const ASN1_STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
    };
    if (gn->type == GEN_DNS) out.dns.push_back(text(gn->d.dNSName));
    if (gn->type == GEN_EMAIL) out.email.push_back(text(gn->d.rfc822Name));
    if (gn->type == GEN_URI) out.uri.push_back(text(gn->d.uniformResourceIdentifier));
    if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* o = gn->d.iPAddress;
      char buf[INET6_ADDRSTRLEN];
      if (o->length == 4 && inet_ntop(AF_INET, o->data, buf, sizeof buf)) out.ip.emplace_back(buf);
      if (o->length == 16 && inet_ntop(AF_INET6, o->data, buf, sizeof buf)) out.ip.emplace_back(buf);
    }
  }
  GENERAL_NAMES_free(sans);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  return out;
}

bool IsEmail(const std::string& s) { return s.find('@') != std::string::npos; }

}  // namespace

PkiEngine::PkiEngine(const logical::SystemView* system, std::function<int64_t()> now)
    : system_(system), now_(std::move(now)) {
  acme_ = std::make_unique<acme::AcmeServer>(*this);
}

PkiEngine::~PkiEngine() = default;

std::chrono::seconds PkiEngine::DefaultTtl() const {
  return system_ != nullptr ? system_->DefaultLeaseTtl() : std::chrono::hours(768);
}
std::chrono::seconds PkiEngine::MaxTtl() const {
  return system_ != nullptr ? system_->MaxLeaseTtl() : std::chrono::hours(768);
}

void PkiEngine::InvalidateIssuers() {
  std::unique_lock lock(cache_mu_);
  ++issuers_gen_;
  issuers_.clear();
  issuer_names_.clear();
  default_known_ = false;
  std::lock_guard crl_lock(crl_mu_);
  crl_dirty_ = true;
}

Result<std::shared_ptr<const LoadedIssuer>> PkiEngine::Issuer(logical::Storage& s, std::string_view ref_in) {
  std::string ref(ref_in);
  uint64_t gen = 0;
  {
    std::shared_lock lock(cache_mu_);
    gen = issuers_gen_;
    if ((ref.empty() || ref == "default") && default_known_) ref = default_issuer_;
    if (auto it = issuers_.find(ref); it != issuers_.end()) return it->second;
    if (auto it = issuer_names_.find(ref); it != issuer_names_.end()) {
      if (auto jt = issuers_.find(it->second); jt != issuers_.end()) return jt->second;
    }
  }
  if (ref.empty() || ref == "default") {
    ARCA_ASSIGN_OR_RETURN(std::string id, DefaultIssuerId(s));
    if (id.empty()) return std::unexpected(InvalidRequest("no default issuer currently configured"));
    std::unique_lock lock(cache_mu_);
    if (gen == issuers_gen_) {
      default_issuer_ = id;
      default_known_ = true;
    }
    ref = id;
  }
  ARCA_ASSIGN_OR_RETURN(auto entry, LoadIssuer(s, ref));
  if (!entry) {
    ARCA_ASSIGN_OR_RETURN(auto ids, ListIssuerIds(s));
    for (const auto& id : ids) {
      ARCA_ASSIGN_OR_RETURN(auto candidate, LoadIssuer(s, id));
      if (candidate && !candidate->name.empty() && candidate->name == ref) {
        entry = std::move(candidate);
        break;
      }
    }
  }
  if (!entry) return std::unexpected(InvalidRequest("unable to find PKI issuer for reference: " + ref));
  auto loaded = std::make_shared<LoadedIssuer>();
  loaded->entry = std::move(*entry);
  ARCA_ASSIGN_OR_RETURN(loaded->cert, ParseCertPem(loaded->entry.certificate));
  if (!loaded->entry.key_id.empty()) {
    ARCA_ASSIGN_OR_RETURN(auto key, LoadKey(s, loaded->entry.key_id));
    if (key) {
      ARCA_ASSIGN_OR_RETURN(loaded->key, ParsePrivateKeyPem(key->private_key));
      loaded->key_type = key->type;
    }
  }
  std::shared_ptr<const LoadedIssuer> out = loaded;
  std::unique_lock lock(cache_mu_);
  if (gen != issuers_gen_) return out;  // invalidated while loading: not cached
  issuers_[out->entry.id] = out;
  if (!out->entry.name.empty()) issuer_names_[out->entry.name] = out->entry.id;
  return out;
}

Result<std::optional<Role>> PkiEngine::LoadRole(logical::Storage& s, std::string_view name) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, "role/" + std::string(name)));
  if (!v || !v->is_object()) return std::optional<Role>();
  Role r = RoleFromJson(v->as_object());
  r.name = std::string(name);
  return std::optional<Role>(std::move(r));
}

Result<PkeyPtr> PkiEngine::NewLeafKey(std::string_view type, int bits) {
  if (type == "rsa" && (bits == 0 || bits == 2048)) {
    std::unique_lock lock(pool_mu_);
    if (!rsa2048_pool_.empty()) {
      PkeyPtr key = std::move(rsa2048_pool_.front());
      rsa2048_pool_.pop_front();
      return key;
    }
    lock.unlock();
    rsa2048_wanted_.store(static_cast<int>(kRsaPoolSize));
  }
  return GenerateKey(type, bits);
}

void PkiEngine::RefillKeyPool() {
  for (;;) {
    {
      std::lock_guard lock(pool_mu_);
      if (rsa2048_pool_.size() >= static_cast<size_t>(rsa2048_wanted_.load())) return;
    }
    auto key = GenerateKey("rsa", 2048);
    if (!key) return;
    std::lock_guard lock(pool_mu_);
    rsa2048_pool_.push_back(std::move(*key));
  }
}

Result<IssueResult> PkiEngine::IssueCertificate(logical::Storage& s, const Role& role, const IssueRequest& req) {
  IssueResult out;
  ARCA_ASSIGN_OR_RETURN(out.issuer, Issuer(s, req.issuer_ref.empty() ? role.issuer_ref : req.issuer_ref));
  const LoadedIssuer& issuer = *out.issuer;
  if (!issuer.key) {
    return std::unexpected(InvalidRequest("issuer " + issuer.entry.id + " has no private key in this mount"));
  }
  if (issuer.entry.usage.find("issuing-certificates") == std::string::npos) {
    return std::unexpected(InvalidRequest("issuer " + issuer.entry.id + " is not allowed to issue certificates"));
  }

  CertSpec spec;
  std::string cn = req.common_name;
  std::vector<std::string> dns, emails, ips = req.ip_sans, uris = req.uri_sans;
  for (const auto& n : req.alt_names) (IsEmail(n) ? emails : dns).push_back(n);
  if (req.csr != nullptr) {
    CsrNames names = NamesOfCsr(req.csr);
    if (req.verbatim || role.use_csr_common_name) {
      if (cn.empty() || req.verbatim) cn = names.cn;
    }
    if (req.verbatim || role.use_csr_sans) {
      dns.insert(dns.end(), names.dns.begin(), names.dns.end());
      emails.insert(emails.end(), names.email.begin(), names.email.end());
      ips.insert(ips.end(), names.ip.begin(), names.ip.end());
      uris.insert(uris.end(), names.uri.begin(), names.uri.end());
    }
    if (req.verbatim) {
      // The CSR's subject as it is.
      X509_NAME* subj = X509_REQ_get_subject_name(req.csr);
      for (int i = 0; i < X509_NAME_entry_count(subj); ++i) {
        X509_NAME_ENTRY* e = X509_NAME_get_entry(subj, i);
        int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
        unsigned char* utf8 = nullptr;
        int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
        if (len < 0) continue;
        std::string v(reinterpret_cast<char*>(utf8), len);
        OPENSSL_free(utf8);
        if (nid == NID_organizationName) spec.subject.organization.push_back(v);
        if (nid == NID_organizationalUnitName) spec.subject.ou.push_back(v);
        if (nid == NID_countryName) spec.subject.country.push_back(v);
        if (nid == NID_localityName) spec.subject.locality.push_back(v);
        if (nid == NID_stateOrProvinceName) spec.subject.province.push_back(v);
        if (nid == NID_serialNumber) spec.subject.serial_number = v;
      }
    }
  }
  if (cn.empty() && role.require_cn && !req.verbatim) {
    return std::unexpected(InvalidRequest("the common_name field is required, or must be provided in a CSR with \"use_csr_common_name\" set to true, unless \"require_cn\" is set to false"));
  }
  // Names against the role.
  if (!cn.empty()) ARCA_RETURN_IF_ERROR(CheckName(role, cn));
  for (const auto& n : dns) ARCA_RETURN_IF_ERROR(CheckName(role, n));
  for (const auto& n : emails) ARCA_RETURN_IF_ERROR(CheckName(role, n));
  if (!ips.empty() && !role.allow_ip_sans) {
    return std::unexpected(InvalidRequest("IP Subject Alternative Names are not allowed in this role, but was provided " + ips[0]));
  }
  for (const auto& u : uris) {
    bool ok = false;
    for (const auto& pattern : role.allowed_uri_sans) ok = ok || GlobMatch(pattern, u);
    if (!ok) return std::unexpected(InvalidRequest("URI Subject Alternative Names are not allowed in this role, but was provided " + u));
  }
  for (const auto& o : req.other_sans) {
    bool ok = false;
    for (const auto& pattern : role.allowed_other_sans) ok = ok || pattern == "*" || GlobMatch(pattern, o);
    if (!ok) return std::unexpected(InvalidRequest("other SAN " + o + " not allowed by this role"));
  }
  if (!req.subject_serial_number.empty()) {
    bool ok = false;
    for (const auto& pattern : role.allowed_serial_numbers) ok = ok || GlobMatch(pattern, req.subject_serial_number);
    if (!ok) return std::unexpected(InvalidRequest("serial_number " + req.subject_serial_number + " not allowed by this role"));
  }
  // The key against the role (sign paths; issue generates the role's key).
  if (role.key_type != "any") {
    std::string type = KeyType(req.public_key);
    if (type != role.key_type) {
      return std::unexpected(InvalidRequest("role requires keys of type " + role.key_type + " but the request has a " + (type.empty() ? "unsupported" : type) + " key"));
    }
    if (type == "rsa" && KeyBits(req.public_key) < role.key_bits) {
      return std::unexpected(InvalidRequest("RSA key too small: role requires at least " + std::to_string(role.key_bits) + " bits"));
    }
    if (type == "ec" && KeyBits(req.public_key) != role.key_bits) {
      return std::unexpected(InvalidRequest("EC key has " + std::to_string(KeyBits(req.public_key)) + " bits but the role requires " + std::to_string(role.key_bits)));
    }
  } else if (KeyType(req.public_key).empty()) {
    return std::unexpected(InvalidRequest("unsupported public key type"));
  } else if (KeyType(req.public_key) == "rsa" && KeyBits(req.public_key) < 2048) {
    return std::unexpected(InvalidRequest("RSA keys below 2048 bits are not accepted"));
  }

  // Validity.
  const int64_t now = Now();
  std::chrono::seconds max_ttl = role.max_ttl.count() > 0 ? role.max_ttl : MaxTtl();
  std::chrono::seconds ttl = req.ttl.count() > 0 ? req.ttl : (role.ttl.count() > 0 ? role.ttl : DefaultTtl());
  if (ttl > max_ttl) {
    if (req.ttl.count() > 0) out.warnings.push_back("TTL \"" + std::to_string(ttl.count()) + "s\" is longer than permitted maxTTL \"" + std::to_string(max_ttl.count()) + "s\", so maxTTL is being used");
    ttl = max_ttl;
  }
  int64_t not_after = now + ttl.count();
  if (!req.not_after.empty()) {
    auto t = logical::framework::ParseRfc3339(req.not_after);
    if (!t) return std::unexpected(InvalidRequest("not_after is not an RFC 3339 time"));
    not_after = *t;
  }
  const int64_t issuer_not_after = NotAfter(issuer.cert.get());
  if (not_after > issuer_not_after) {
    if (issuer.entry.leaf_not_after_behavior == "truncate" || req.truncate_to_issuer) {
      not_after = issuer_not_after;
    } else if (issuer.entry.leaf_not_after_behavior != "permit") {
      return std::unexpected(InvalidRequest("cannot satisfy request, as TTL would result in notAfter of " + std::to_string(not_after) + " that is beyond the expiration of the CA certificate at " + std::to_string(issuer_not_after)));
    }
  }
  if (not_after <= now) return std::unexpected(InvalidRequest("the requested validity ends in the past"));
  spec.not_before = now - role.not_before_duration.count();
  spec.not_after = not_after;

  spec.subject.common_name = cn;
  if (!req.verbatim) {
    spec.subject.organization = role.organization;
    spec.subject.ou = role.ou;
    spec.subject.country = role.country;
    spec.subject.locality = role.locality;
    spec.subject.province = role.province;
    spec.subject.street_address = role.street_address;
    spec.subject.postal_code = role.postal_code;
    spec.subject.serial_number = req.subject_serial_number;
  }
  if (!cn.empty() && !req.exclude_cn_from_sans) {
    unsigned char buf[16];
    bool cn_is_ip = inet_pton(AF_INET, cn.c_str(), buf) == 1 || inet_pton(AF_INET6, cn.c_str(), buf) == 1;
    if (IsEmail(cn)) {
      emails.insert(emails.begin(), cn);
    } else if (cn_is_ip) {
      ips.insert(ips.begin(), cn);
    } else {
      dns.insert(dns.begin(), cn);
    }
  }
  auto dedupe = [](std::vector<std::string>& v) {
    std::vector<std::string> out;
    for (auto& x : v) {
      if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
    }
    v = std::move(out);
  };
  dedupe(dns);
  dedupe(emails);
  dedupe(ips);
  dedupe(uris);
  spec.dns_sans = dns;
  spec.email_sans = emails;
  spec.ip_sans = ips;
  spec.uri_sans = uris;
  spec.other_sans = req.other_sans;
  spec.key_usage = role.key_usage;
  if (role.server_flag) spec.ext_key_usage.push_back("ServerAuth");
  if (role.client_flag) spec.ext_key_usage.push_back("ClientAuth");
  if (role.code_signing_flag) spec.ext_key_usage.push_back("CodeSigning");
  if (role.email_protection_flag) spec.ext_key_usage.push_back("EmailProtection");
  for (const auto& e : role.ext_key_usage) spec.ext_key_usage.push_back(e);
  spec.ext_key_usage_oids = role.ext_key_usage_oids;
  spec.policy_identifiers = role.policy_identifiers;
  ARCA_ASSIGN_OR_RETURN(UrlsConfig urls, LoadUrlsConfig(s));
  spec.issuing_certificates = issuer.entry.issuing_certificates.empty() ? urls.issuing_certificates : issuer.entry.issuing_certificates;
  spec.crl_distribution_points = issuer.entry.crl_distribution_points.empty() ? urls.crl_distribution_points : issuer.entry.crl_distribution_points;
  spec.ocsp_servers = issuer.entry.ocsp_servers.empty() ? urls.ocsp_servers : issuer.entry.ocsp_servers;

  ARCA_ASSIGN_OR_RETURN(out.cert, BuildCertificate(spec, req.public_key, issuer.cert.get(), issuer.key.get(),
                                                    req.csr != nullptr ? X509_REQ_get_X509_PUBKEY(req.csr) : nullptr));
  out.serial = SerialOf(out.cert.get());
  if (!role.no_store) {
    CertEntry entry{out.serial, CertPem(out.cert.get()), issuer.entry.id, NotAfter(out.cert.get()), 0};
    ARCA_RETURN_IF_ERROR(SaveCert(s, entry));
  }
  return out;
}

Result<Role> PkiEngine::AcmeRole(logical::Storage& s, std::string_view role_name) {
  if (role_name.empty()) return AcmeSignVerbatimRole();
  ARCA_ASSIGN_OR_RETURN(auto loaded, LoadRole(s, role_name));
  if (!loaded) return std::unexpected(NotFound("unknown role: " + std::string(role_name)));
  return std::move(*loaded);
}

Status PkiEngine::CheckAcmeIdentifier(logical::Storage& s, std::string_view role_name,
                                      std::string_view type, std::string_view value) {
  ARCA_ASSIGN_OR_RETURN(Role role, AcmeRole(s, role_name));
  if (type == "ip") {
    if (!role.allow_ip_sans) {
      return std::unexpected(InvalidRequest("role (" + role.name +
                                            ") will not issue certificate for IP address " +
                                            std::string(value) + ": allow_ip_sans is false"));
    }
    return {};
  }
  if (type != "dns") {
    return std::unexpected(
        InvalidRequest("identifier type " + std::string(type) + " is not supported"));
  }
  if (auto ok = CheckName(role, std::string(value)); !ok) {
    return std::unexpected(InvalidRequest(
        "role (" + role.name + ") will not issue certificate for name " + std::string(value)));
  }
  return {};
}

Result<IssuedCertificate> PkiEngine::SignCsr(logical::Storage& s, std::string_view issuer_ref,
                                             std::string_view role_name,
                                             std::span<const uint8_t> csr_der,
                                             std::optional<std::chrono::seconds> ttl,
                                             const AcmeSignOptions& options) {
  ARCA_ASSIGN_OR_RETURN(Role role, AcmeRole(s, role_name));
  if (role.no_store) {
    return std::unexpected(
        InvalidRequest("role " + role.name + " has no_store set; ACME needs stored certificates"));
  }
  // As Vault: unless config/acme allows the role's extended key usages, an ACME certificate is a
  // TLS server certificate and nothing else (no ClientAuth a client could log in with).
  if (!options.allow_role_ext_key_usage || role_name.empty()) {
    role.server_flag = true;
    role.client_flag = role.code_signing_flag = role.email_protection_flag = false;
    role.ext_key_usage.clear();
    role.ext_key_usage_oids.clear();
  }
  ARCA_ASSIGN_OR_RETURN(ReqPtr csr, ParseCsr(std::string_view(reinterpret_cast<const char*>(csr_der.data()), csr_der.size())));
  IssueRequest req;
  req.issuer_ref = std::string(issuer_ref);
  req.csr = csr.get();
  req.public_key = X509_REQ_get0_pubkey(csr.get());
  // Never verbatim: the CSR's O, OU, C, L, ST, serialNumber... are dropped; the CN and SANs were
  // matched to the authorized identifiers by the ACME server.
  req.verbatim = false;
  req.truncate_to_issuer = true;  // an ACME client cannot choose a shorter TTL itself
  if (ttl) req.ttl = *ttl;
  if (!role_name.empty() && role.issuer_ref != "default" && issuer_ref.empty()) req.issuer_ref = role.issuer_ref;
  ARCA_ASSIGN_OR_RETURN(IssueResult r, IssueCertificate(s, role, req));
  IssuedCertificate out;
  out.serial_number = r.serial;
  out.certificate_pem = CertPem(r.cert.get());
  out.ca_chain_pem = r.issuer->entry.ca_chain;
  if (out.ca_chain_pem.empty()) out.ca_chain_pem.push_back(r.issuer->entry.certificate);
  out.expiration = NotAfter(r.cert.get());
  return out;
}

Result<int64_t> PkiEngine::RevokeSerial(logical::Storage& s, std::string_view serial_in, bool* already) {
  const std::string serial = NormalizeSerial(serial_in);
  std::lock_guard lock(write_mu_);
  ARCA_ASSIGN_OR_RETURN(auto cert, LoadCert(s, serial));
  if (!cert) return std::unexpected(InvalidRequest("certificate with serial " + serial + " not found"));
  if (cert->revocation_time != 0) {
    if (already != nullptr) *already = true;
    return cert->revocation_time;
  }
  // Revoking an issuer's own certificate through this path is refused, as in Vault.
  ARCA_ASSIGN_OR_RETURN(auto ids, ListIssuerIds(s));
  for (const auto& id : ids) {
    ARCA_ASSIGN_OR_RETURN(auto issuer, LoadIssuer(s, id));
    if (!issuer) continue;
    ARCA_ASSIGN_OR_RETURN(X509Ptr ic, ParseCertPem(issuer->certificate));
    if (SerialOf(ic.get()) == serial) {
      return std::unexpected(InvalidRequest("adding issuer (id: " + id + ") to its own CRL is not allowed"));
    }
  }
  cert->revocation_time = Now();
  ARCA_RETURN_IF_ERROR(SaveCert(s, *cert));
  ARCA_RETURN_IF_ERROR(MarkRevoked(s, *cert));
  {
    std::lock_guard crl_lock(crl_mu_);
    crl_dirty_ = true;
  }
  ARCA_ASSIGN_OR_RETURN(CrlConfig cfg, LoadCrlConfig(s));
  if (!cfg.auto_rebuild && !cfg.disable) {
    // Vault rebuilds the CRL on every revocation unless auto-rebuild is on.
    auto rebuilt = Crl(s, cert->issuer_id, true);
    (void)rebuilt;
  }
  return cert->revocation_time;
}

Status PkiEngine::Revoke(logical::Storage& s, std::string_view serial) {
  bool already = false;
  ARCA_ASSIGN_OR_RETURN(int64_t t, RevokeSerial(s, serial, &already));
  (void)t;
  if (already) return std::unexpected(InvalidRequest("certificate " + std::string(serial) + " is already revoked"));
  return {};
}

Result<std::string> PkiEngine::CertificatePem(logical::Storage& s, std::string_view serial) {
  ARCA_ASSIGN_OR_RETURN(auto cert, LoadCert(s, serial));
  if (!cert) return std::unexpected(NotFound("certificate " + std::string(serial) + " not found"));
  return cert->certificate;
}

Result<std::string> PkiEngine::ImportIssuer(logical::Storage& s, X509* cert, EVP_PKEY* key,
                                            const std::string& issuer_name, const std::string& key_name,
                                            std::string* key_id_out) {
  std::string key_id;
  ARCA_ASSIGN_OR_RETURN(auto ids, ListIssuerIds(s));
  const std::string pem = CertPem(cert);
  for (const auto& id : ids) {
    ARCA_ASSIGN_OR_RETURN(auto existing, LoadIssuer(s, id));
    if (existing && existing->certificate == pem) {
      if (key_id_out) *key_id_out = existing->key_id;
      return id;  // already present
    }
  }
  if (key != nullptr) {
    // Reuse a stored key with the same public part.
    ARCA_ASSIGN_OR_RETURN(auto key_ids, ListKeyIds(s));
    for (const auto& kid : key_ids) {
      ARCA_ASSIGN_OR_RETURN(auto k, LoadKey(s, kid));
      if (!k) continue;
      auto parsed = ParsePrivateKeyPem(k->private_key);
      if (parsed && EVP_PKEY_eq(parsed->get(), key) == 1) key_id = kid;
    }
    if (key_id.empty()) {
      KeyEntry k{GenerateUuid(), key_name, KeyType(key), KeyBits(key), PrivateKeyPem(key, "pkcs8")};
      ARCA_RETURN_IF_ERROR(SaveKey(s, k));
      key_id = k.id;
    }
  } else {
    // A certificate whose key the mount already holds (intermediate/set-signed).
    ARCA_ASSIGN_OR_RETURN(auto key_ids, ListKeyIds(s));
    for (const auto& kid : key_ids) {
      ARCA_ASSIGN_OR_RETURN(auto k, LoadKey(s, kid));
      if (!k) continue;
      auto parsed = ParsePrivateKeyPem(k->private_key);
      if (parsed && X509_check_private_key(cert, parsed->get()) == 1) key_id = kid;
    }
  }
  IssuerEntry e;
  e.id = GenerateUuid();
  e.name = issuer_name;
  e.key_id = key_id;
  e.certificate = pem;
  e.ca_chain = {pem};
  // Link to a parent already in the mount.
  for (const auto& id : ids) {
    ARCA_ASSIGN_OR_RETURN(auto parent, LoadIssuer(s, id));
    if (!parent) continue;
    ARCA_ASSIGN_OR_RETURN(X509Ptr pc, ParseCertPem(parent->certificate));
    if (X509_check_issued(pc.get(), cert) == X509_V_OK && X509_cmp(pc.get(), cert) != 0) {
      for (const auto& p : parent->ca_chain) e.ca_chain.push_back(p);
      break;
    }
  }
  ARCA_RETURN_IF_ERROR(SaveIssuer(s, e));
  ARCA_ASSIGN_OR_RETURN(std::string def, DefaultIssuerId(s));
  if (def.empty() && !key_id.empty()) ARCA_RETURN_IF_ERROR(SetDefaultIssuerId(s, e.id));
  ARCA_ASSIGN_OR_RETURN(std::string def_key, DefaultKeyId(s));
  if (def_key.empty() && !key_id.empty()) ARCA_RETURN_IF_ERROR(SetDefaultKeyId(s, key_id));
  InvalidateIssuers();
  if (key_id_out) *key_id_out = key_id;
  return e.id;
}

Result<std::string> PkiEngine::Crl(logical::Storage& s, std::string_view issuer_id, bool force) {
  ARCA_ASSIGN_OR_RETURN(CrlConfig cfg, LoadCrlConfig(s));
  const std::chrono::seconds expiry = ParseDur(cfg.expiry, std::chrono::hours(72));
  const int64_t now = Now();
  {
    std::lock_guard lock(crl_mu_);
    auto it = crls_.find(std::string(issuer_id));
    if (!force && !crl_dirty_ && it != crls_.end() && it->second.first + expiry.count() / 2 > now) {
      return it->second.second;
    }
  }
  ARCA_ASSIGN_OR_RETURN(auto issuer, Issuer(s, issuer_id));
  if (!issuer->key) return std::unexpected(InvalidRequest("issuer " + issuer->entry.id + " has no key to sign a CRL"));
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer->cert.get()));
  ASN1_TIME* last = ASN1_TIME_set(nullptr, static_cast<time_t>(now));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, static_cast<time_t>(now + expiry.count()));
  X509_CRL_set1_lastUpdate(crl, last);
  X509_CRL_set1_nextUpdate(crl, next);
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  if (!cfg.disable) {
    ARCA_ASSIGN_OR_RETURN(auto serials, ListRevokedSerials(s));
    for (const auto& serial : serials) {
      ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, "revoked/" + StorageSerial(serial)));
      if (!v || !v->is_object()) continue;
      const json::object& o = v->as_object();
      if (!o.contains("issuer_id") || o.at("issuer_id").as_string() != issuer->entry.id) continue;
      X509_REVOKED* rev = X509_REVOKED_new();
      std::string hex;
      for (char c : serial) {
        if (c != ':') hex.push_back(c);
      }
      BIGNUM* bn = nullptr;
      BN_hex2bn(&bn, hex.c_str());
      ASN1_INTEGER* ai = BN_to_ASN1_INTEGER(bn, nullptr);
      BN_free(bn);
      X509_REVOKED_set_serialNumber(rev, ai);
      ASN1_INTEGER_free(ai);
      ASN1_TIME* when = ASN1_TIME_set(nullptr, static_cast<time_t>(o.at("revocation_time").as_int64()));
      X509_REVOKED_set_revocationDate(rev, when);
      ASN1_TIME_free(when);
      X509_CRL_add0_revoked(crl, rev);
    }
  }
  X509_CRL_sort(crl);
  ASN1_INTEGER* number = ASN1_INTEGER_new();
  ASN1_INTEGER_set_int64(number, now);
  X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0);
  ASN1_INTEGER_free(number);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer->cert.get(), nullptr, nullptr, crl, 0);
  if (X509_EXTENSION* aki = X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always")) {
    X509_CRL_add_ext(crl, aki, -1);
    X509_EXTENSION_free(aki);
  }
  ERR_clear_error();
  if (X509_CRL_sign(crl, issuer->key.get(), SigningDigest(issuer->key.get())) <= 0) {
    X509_CRL_free(crl);
    return std::unexpected(Internal(OpenSslError("signing the CRL failed")));
  }
  unsigned char* der = nullptr;
  int len = i2d_X509_CRL(crl, &der);
  X509_CRL_free(crl);
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  std::lock_guard lock(crl_mu_);
  crls_[std::string(issuer_id)] = {now, out};
  if (force) crl_dirty_ = false;
  return out;
}

Status PkiEngine::RebuildAllCrls(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto ids, ListIssuerIds(s));
  {
    std::lock_guard lock(crl_mu_);
    crls_.clear();
    crl_dirty_ = false;
  }
  for (const auto& id : ids) {
    auto issuer = Issuer(s, id);
    if (!issuer || !(*issuer)->key) continue;
    ARCA_RETURN_IF_ERROR(Crl(s, id, true));
  }
  return {};
}

void PkiEngine::Periodic(logical::Storage& s) {
  // With auto_rebuild, revocations only mark the CRLs stale; they are rebuilt here.
  bool dirty = false;
  {
    std::lock_guard lock(crl_mu_);
    dirty = crl_dirty_;
  }
  if (dirty) {
    auto cfg = LoadCrlConfig(s);
    if (cfg && cfg->auto_rebuild) (void)RebuildAllCrls(s);
  }
  RefillKeyPool();
  acme_->Tidy(s);
}

json::object PkiEngine::TidyStatus() const {
  std::lock_guard lock(tidy_mu_);
  return tidy_status_;
}

void PkiEngine::RecordTidy(json::object status) {
  std::lock_guard lock(tidy_mu_);
  tidy_status_ = std::move(status);
}

std::vector<logical::framework::Path> PkiEngine::Paths() {
  std::vector<logical::framework::Path> paths;
  for (auto* group : {&IssuerPaths, &RolePaths, &IssuePaths, &CertPaths}) {
    for (auto& p : (*group)(*this)) paths.push_back(std::move(p));
  }
  for (auto& p : acme_->Paths()) paths.push_back(std::move(p));
  return paths;
}

std::vector<std::string> PkiEngine::UnauthenticatedPaths() const {
  std::vector<std::string> out = {"cert/*", "ca/pem", "ca_chain", "ca", "crl/delta", "crl/delta/pem",
                                  "crl/pem", "crl", "issuer/+/crl/der", "issuer/+/crl/pem",
                                  "issuer/+/crl", "issuer/+/crl/delta/der", "issuer/+/crl/delta/pem",
                                  "issuer/+/crl/delta", "issuer/+/pem", "issuer/+/der",
                                  "issuer/+/json", "issuers/", "ocsp", "ocsp/*"};
  for (auto& p : acme::AcmeServer::UnauthenticatedPaths()) out.push_back(std::move(p));
  return out;
}

std::map<std::string, logical::framework::SecretType> PkiEngine::Secrets() {
  logical::framework::SecretType cert;
  cert.revoke = [this](logical::Request& req) -> Result<logical::Response> {
    const json::value* serial = req.secret_internal.if_contains("serial_number");
    if (serial == nullptr || !serial->is_string()) return logical::Response{};
    bool already = false;
    auto r = RevokeSerial(*req.storage, serial->as_string(), &already);
    if (!r && r.error().message().find("not found") == std::string::npos) return std::unexpected(r.error());
    return logical::Response{};
  };
  cert.renew = [](logical::Request&) -> Result<logical::Response> {
    return std::unexpected(InvalidRequest("certificate leases cannot be renewed"));
  };
  return {{"pki", cert}};
}

namespace {

class PkiBackend : public logical::Backend {
 public:
  PkiBackend(const logical::BackendConfig& config, std::function<int64_t()> now)
      : engine_(config.system, std::move(now)) {}

  Status Init() {
    logical::framework::FrameworkBackend::Options o;
    o.type = "pki";
    o.paths = engine_.Paths();
    o.special_paths.unauthenticated = engine_.UnauthenticatedPaths();
    o.special_paths.root = {"root", "root/sign-self-issued"};
    o.secrets = engine_.Secrets();
    o.periodic = [this](logical::Storage& s) { engine_.Periodic(s); };
    // Another node's write (a read-serving standby): issued certificates are read from storage
    // each time; anything else may change an issuer, key, the default or the CRL.
    o.invalidate = [this](std::string_view key) {
      if (!key.starts_with("certs/")) engine_.InvalidateIssuers();
    };
    // A read-serving HA standby answers CA, chain, CRL, certificate and issuer reads (core.h,
    // StandbyMayServe); a CRL that needs a rebuild is forwarded (the rebuild writes).
    o.standby_safe = [](logical::Operation op, std::string_view path) {
      using logical::Operation;
      if (op == Operation::kList) return path == "issuers" || path == "certs";
      if (op != Operation::kRead) return false;
      for (std::string_view p : {"ca", "ca/pem", "ca_chain", "cert/ca_chain", "crl", "crl/pem",
                                 "crl/delta", "crl/delta/pem", "json/ca", "json/ca_chain"}) {
        if (path == p) return true;
      }
      return path.starts_with("cert/") || path.starts_with("issuer/");
    };
    o.help = "The PKI secrets engine issues X.509 certificates from private CAs and serves ACME.";
    ARCA_ASSIGN_OR_RETURN(framework_, logical::framework::FrameworkBackend::Create(std::move(o)));
    return {};
  }

  Result<logical::Response> HandleRequest(logical::Request& req) override { return framework_->HandleRequest(req); }
  Result<logical::ExistenceCheck> HandleExistenceCheck(logical::Request& req) override {
    return framework_->HandleExistenceCheck(req);
  }
  const logical::SpecialPaths& GetSpecialPaths() const override { return framework_->GetSpecialPaths(); }
  void InvalidateKey(std::string_view key) override { framework_->InvalidateKey(key); }
  bool StandbySafe(logical::Operation op, std::string_view path) const override {
    return framework_->StandbySafe(op, path);
  }
  void Cleanup() override { framework_->Cleanup(); }
  void Periodic(logical::Storage& s) override { framework_->Periodic(s); }
  std::string_view Type() const override { return "pki"; }
  logical::BackendKind Kind() const override { return logical::BackendKind::kLogical; }

 private:
  PkiEngine engine_;
  std::unique_ptr<logical::framework::FrameworkBackend> framework_;
};

}  // namespace

Result<std::unique_ptr<logical::Backend>> NewPkiBackend(const logical::BackendConfig& config) {
  return NewPkiBackendWithClock(config, [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  });
}

Result<std::unique_ptr<logical::Backend>> NewPkiBackendWithClock(
    const logical::BackendConfig& config, std::function<int64_t()> now) {
  auto b = std::make_unique<PkiBackend>(config, std::move(now));
  ARCA_RETURN_IF_ERROR(b->Init());
  return std::unique_ptr<logical::Backend>(std::move(b));
}

}  // namespace arca::pki
