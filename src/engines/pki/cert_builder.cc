#include "engines/pki/cert_builder.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <map>

namespace arca::pki {
namespace {

struct NamesFree {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};

Status AddEntries(X509_NAME* name, const char* field, const std::vector<std::string>& values) {
  for (const auto& v : values) {
    if (v.empty()) continue;
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(v.data()),
                                   static_cast<int>(v.size()), -1, 0) != 1) {
      return std::unexpected(InvalidRequest(OpenSslError(std::string("invalid subject ") + field)));
    }
  }
  return {};
}

Status FillName(X509_NAME* name, const SubjectFields& s) {
  ARCA_RETURN_IF_ERROR(AddEntries(name, "C", s.country));
  ARCA_RETURN_IF_ERROR(AddEntries(name, "ST", s.province));
  ARCA_RETURN_IF_ERROR(AddEntries(name, "L", s.locality));
  ARCA_RETURN_IF_ERROR(AddEntries(name, "street", s.street_address));
  ARCA_RETURN_IF_ERROR(AddEntries(name, "postalCode", s.postal_code));
  ARCA_RETURN_IF_ERROR(AddEntries(name, "O", s.organization));
  ARCA_RETURN_IF_ERROR(AddEntries(name, "OU", s.ou));
  ARCA_RETURN_IF_ERROR(AddEntries(name, "CN", {s.common_name}));
  ARCA_RETURN_IF_ERROR(AddEntries(name, "serialNumber", {s.serial_number}));
  return {};
}

Status PushName(GENERAL_NAMES* names, int type, const std::string& value) {
  GENERAL_NAME* gn = nullptr;
  if (type == GEN_IPADD) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(value.c_str());
    if (ip == nullptr) return std::unexpected(InvalidRequest("invalid IP address \"" + value + "\""));
    gn = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
  } else {
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, value.data(), static_cast<int>(value.size()));
    gn = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gn, type, s);
  }
  sk_GENERAL_NAME_push(names, gn);
  return {};
}

Status PushOtherName(GENERAL_NAMES* names, const std::string& spec) {
  // "<oid>;UTF8:<value>" (Vault's other_sans syntax; UTF8 is the only type accepted).
  size_t semi = spec.find(';');
  if (semi == std::string::npos || spec.compare(semi + 1, 5, "UTF8:") != 0 &&
                                       spec.compare(semi + 1, 5, "UTF-8") != 0) {
    return std::unexpected(InvalidRequest("other_sans must look like <oid>;UTF8:<value>: \"" + spec + "\""));
  }
  std::string oid_text = spec.substr(0, semi);
  std::string value = spec.substr(spec.find(':', semi) + 1);
  ASN1_OBJECT* oid = OBJ_txt2obj(oid_text.c_str(), 1);
  if (oid == nullptr) return std::unexpected(InvalidRequest("invalid OID \"" + oid_text + "\" in other_sans"));
  ASN1_TYPE* val = ASN1_TYPE_new();
  ASN1_UTF8STRING* utf8 = ASN1_UTF8STRING_new();
  ASN1_STRING_set(utf8, value.data(), static_cast<int>(value.size()));
  ASN1_TYPE_set(val, V_ASN1_UTF8STRING, utf8);
  GENERAL_NAME* gn = GENERAL_NAME_new();
  GENERAL_NAME_set0_othername(gn, oid, val);
  sk_GENERAL_NAME_push(names, gn);
  return {};
}

Result<GENERAL_NAMES*> BuildSans(const CertSpec& spec) {
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(sk_GENERAL_NAME_new_null());
  for (const auto& n : spec.dns_sans) ARCA_RETURN_IF_ERROR(PushName(names.get(), GEN_DNS, n));
  for (const auto& n : spec.email_sans) ARCA_RETURN_IF_ERROR(PushName(names.get(), GEN_EMAIL, n));
  for (const auto& n : spec.ip_sans) ARCA_RETURN_IF_ERROR(PushName(names.get(), GEN_IPADD, n));
  for (const auto& n : spec.uri_sans) ARCA_RETURN_IF_ERROR(PushName(names.get(), GEN_URI, n));
  for (const auto& n : spec.other_sans) ARCA_RETURN_IF_ERROR(PushOtherName(names.get(), n));
  return names.release();
}

Status AddExt(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) return std::unexpected(InvalidRequest(OpenSslError("invalid extension value \"" + value + "\"")));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return {};
}

const std::map<std::string, std::string>& KeyUsageNames() {
  static const std::map<std::string, std::string> kMap = {
      {"digitalsignature", "digitalSignature"}, {"contentcommitment", "nonRepudiation"},
      {"keyencipherment", "keyEncipherment"},   {"dataencipherment", "dataEncipherment"},
      {"keyagreement", "keyAgreement"},         {"certsign", "keyCertSign"},
      {"crlsign", "cRLSign"},                   {"encipheronly", "encipherOnly"},
      {"decipheronly", "decipherOnly"}};
  return kMap;
}

const std::map<std::string, std::string>& ExtKeyUsageNames() {
  static const std::map<std::string, std::string> kMap = {
      {"serverauth", "serverAuth"},       {"clientauth", "clientAuth"},
      {"codesigning", "codeSigning"},     {"emailprotection", "emailProtection"},
      {"timestamping", "timeStamping"},   {"ocspsigning", "OCSPSigning"},
      {"ipsecendsystem", "ipsecEndSystem"}, {"ipsectunnel", "ipsecTunnel"},
      {"ipsecuser", "ipsecUser"},         {"any", "anyExtendedKeyUsage"}};
  return kMap;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const EVP_MD* SigningDigest(EVP_PKEY* key) {
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
}

// Copies a SubjectPublicKeyInfo into the certificate without the encoder framework.
Status CopySpki(X509* cert, const X509_PUBKEY* spki) {
  ASN1_OBJECT* alg = nullptr;
  const unsigned char* bits = nullptr;
  int len = 0;
  X509_ALGOR* params = nullptr;
  if (X509_PUBKEY_get0_param(&alg, &bits, &len, &params, spki) != 1) {
    return std::unexpected(InvalidRequest("unusable public key"));
  }
  const ASN1_OBJECT* palg = nullptr;
  int ptype = V_ASN1_UNDEF;
  const void* pval = nullptr;
  X509_ALGOR_get0(&palg, &ptype, &pval, params);
  void* pval_copy = nullptr;
  if (ptype == V_ASN1_OBJECT) {
    pval_copy = OBJ_dup(static_cast<const ASN1_OBJECT*>(pval));
  } else if (ptype == V_ASN1_SEQUENCE || ptype == V_ASN1_OCTET_STRING) {
    pval_copy = ASN1_STRING_dup(static_cast<const ASN1_STRING*>(pval));
  }
  auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(bits, static_cast<size_t>(len)));
  if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert), OBJ_dup(alg), ptype, pval_copy, copy, len) != 1) {
    OPENSSL_free(copy);
    return std::unexpected(Internal(OpenSslError("copying the public key failed")));
  }
  return {};
}

Result<X509Ptr> BuildCertificate(const CertSpec& spec, EVP_PKEY* public_key, X509* issuer,
                                 EVP_PKEY* signer, const X509_PUBKEY* spki) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial_bytes[20];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7f;  // positive
  serial_bytes[0] |= 0x40;  // and 20 bytes long, like Vault's
  BIGNUM* bn = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(spec.not_before));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(spec.not_after));
  ARCA_RETURN_IF_ERROR(FillName(X509_get_subject_name(cert.get()), spec.subject));
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer)
                                                     : X509_get_subject_name(cert.get()));
  if (spki != nullptr) {
    ARCA_RETURN_IF_ERROR(CopySpki(cert.get(), spki));
  } else if (X509_set_pubkey(cert.get(), public_key) != 1) {
    return std::unexpected(InvalidRequest(OpenSslError("unusable public key")));
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  if (spec.is_ca) {
    std::string bc = "critical,CA:TRUE";
    if (spec.max_path_length >= 0) bc += ",pathlen:" + std::to_string(spec.max_path_length);
    ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_basic_constraints, bc));
    ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"));
  } else {
    ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
    std::string ku;
    for (const auto& u : spec.key_usage) {
      auto it = KeyUsageNames().find(Lower(u));
      if (it == KeyUsageNames().end()) return std::unexpected(InvalidRequest("unknown key_usage \"" + u + "\""));
      // Ed25519 and EC keys cannot encipher keys.
      if (it->second == "keyEncipherment" && EVP_PKEY_get_base_id(public_key) != EVP_PKEY_RSA) continue;
      ku += (ku.empty() ? "" : ",") + it->second;
    }
    if (!ku.empty()) ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_key_usage, "critical," + ku));
    std::string eku;
    for (const auto& u : spec.ext_key_usage) {
      auto it = ExtKeyUsageNames().find(Lower(u));
      if (it == ExtKeyUsageNames().end()) return std::unexpected(InvalidRequest("unknown ext_key_usage \"" + u + "\""));
      eku += (eku.empty() ? "" : ",") + it->second;
    }
    for (const auto& oid : spec.ext_key_usage_oids) eku += (eku.empty() ? "" : ",") + oid;
    if (!eku.empty()) ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_ext_key_usage, eku));
  }
  ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  if (issuer != nullptr) {
    ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  }
  ARCA_ASSIGN_OR_RETURN(GENERAL_NAMES* sans, BuildSans(spec));
  if (sk_GENERAL_NAME_num(sans) > 0) {
    X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT);
  }
  GENERAL_NAMES_free(sans);
  std::string aia;
  for (const auto& u : spec.ocsp_servers) aia += (aia.empty() ? "" : ",") + ("OCSP;URI:" + u);
  for (const auto& u : spec.issuing_certificates) aia += (aia.empty() ? "" : ",") + ("caIssuers;URI:" + u);
  if (!aia.empty()) ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_info_access, aia));
  std::string cdp;
  for (const auto& u : spec.crl_distribution_points) cdp += (cdp.empty() ? "" : ",") + ("URI:" + u);
  if (!cdp.empty()) ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_crl_distribution_points, cdp));
  if (!spec.policy_identifiers.empty()) {
    std::string pol;
    for (const auto& p : spec.policy_identifiers) pol += (pol.empty() ? "" : ",") + p;
    ARCA_RETURN_IF_ERROR(AddExt(cert.get(), &ctx, NID_certificate_policies, pol));
  }
  if (X509_sign(cert.get(), signer, SigningDigest(signer)) <= 0) {
    return std::unexpected(Internal(OpenSslError("signing the certificate failed")));
  }
  return cert;
}

Result<ReqPtr> BuildCsr(const CertSpec& spec, EVP_PKEY* key) {
  ReqPtr req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  ARCA_RETURN_IF_ERROR(FillName(X509_REQ_get_subject_name(req.get()), spec.subject));
  X509_REQ_set_pubkey(req.get(), key);
  STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
  ARCA_ASSIGN_OR_RETURN(GENERAL_NAMES* sans, BuildSans(spec));
  if (sk_GENERAL_NAME_num(sans) > 0) {
    X509V3_add1_i2d(&exts, NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT);
  }
  GENERAL_NAMES_free(sans);
  if (spec.is_ca) {
    X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE");
    sk_X509_EXTENSION_push(exts, bc);
  }
  if (sk_X509_EXTENSION_num(exts) > 0) X509_REQ_add_extensions(req.get(), exts);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  if (X509_REQ_sign(req.get(), key, SigningDigest(key)) <= 0) {
    return std::unexpected(Internal(OpenSslError("signing the CSR failed")));
  }
  return req;
}

}  // namespace arca::pki
