#include "auth/cert/x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>

namespace arca::auth::cert {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string Asn1ToUtf8(const ASN1_STRING* s) {
  unsigned char* out = nullptr;
  int len = ASN1_STRING_to_UTF8(&out, s);
  if (len < 0) return "";
  std::string r(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return r;
}

std::string HexColon(const unsigned char* data, size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < len; ++i) {
    if (i > 0) out += ':';
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  return out;
}

// The general names of type `type` in the subjectAltName extension, as strings.
std::vector<std::string> Sans(X509* cert, int type) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != type) continue;
    const ASN1_IA5STRING* s = n->d.ia5;  // dNSName, rfc822Name and URI are all IA5Strings
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::vector<std::string> SubjectEntries(X509* cert, int nid) {
  std::vector<std::string> out;
  X509_NAME* name = X509_get_subject_name(cert);
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    out.push_back(Asn1ToUtf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))));
  }
  return out;
}

struct StoreDeleter {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // the certs are not owned
};

}  // namespace

void X509Deleter::operator()(x509_st* x) const { X509_free(x); }

std::vector<X509Ptr> ParsePemCertificates(std::string_view pem) {
  std::vector<X509Ptr> out;
  BioPtr bio = MemBio(pem);
  if (!bio) return out;
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) break;
    const bool is_cert =
        std::strcmp(name, "CERTIFICATE") == 0 || std::strcmp(name, "TRUSTED CERTIFICATE") == 0;
    if (is_cert && header[0] == '\0') {
      const unsigned char* p = data;
      // A TRUSTED CERTIFICATE carries trust settings after the certificate: read only it.
      X509* cert = d2i_X509(nullptr, &p, len);
      if (cert != nullptr) out.emplace_back(cert);
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
  }
  ERR_clear_error();
  return out;
}

Result<X509Ptr> ParseDerCertificate(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return InvalidRequest("failed to parse the client certificate");
  }
  return cert;
}

std::string Der(x509_st* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool IsCa(x509_st* cert) { return (X509_get_extension_flags(cert) & EXFLAG_CA) != 0; }

bool AllowsClientAuth(x509_st* cert) {
  if ((X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) == 0) return true;
  return (X509_get_extended_key_usage(cert) & (XKU_SSL_CLIENT | XKU_ANYEKU)) != 0;
}

bool ValidAt(x509_st* cert, std::chrono::system_clock::time_point now) {
  time_t t = std::chrono::system_clock::to_time_t(now);
  // X509_cmp_time: -1 if the time is before t, 1 if after, 0 on error.
  return X509_cmp_time(X509_get0_notBefore(cert), &t) == -1 &&
         X509_cmp_time(X509_get0_notAfter(cert), &t) == 1;
}

std::string CommonName(x509_st* cert) {
  auto cns = SubjectEntries(cert, NID_commonName);
  return cns.empty() ? "" : cns.back();
}

std::vector<std::string> OrganizationalUnits(x509_st* cert) {
  return SubjectEntries(cert, NID_organizationalUnitName);
}
std::vector<std::string> DnsSans(x509_st* cert) { return Sans(cert, GEN_DNS); }
std::vector<std::string> EmailSans(x509_st* cert) { return Sans(cert, GEN_EMAIL); }
std::vector<std::string> UriSans(x509_st* cert) { return Sans(cert, GEN_URI); }

std::string SerialDecimal(x509_st* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) return "";
  char* dec = BN_bn2dec(bn);
  std::string out = dec ? dec : "";
  OPENSSL_free(dec);
  BN_free(bn);
  return out;
}

std::string SubjectKeyId(x509_st* cert) {
  const ASN1_OCTET_STRING* id = X509_get0_subject_key_id(cert);
  if (id == nullptr) return "";
  return HexColon(ASN1_STRING_get0_data(id), static_cast<size_t>(ASN1_STRING_length(id)));
}

std::string AuthorityKeyId(x509_st* cert) {
  const ASN1_OCTET_STRING* id = X509_get0_authority_key_id(cert);
  if (id == nullptr) return "";
  return HexColon(ASN1_STRING_get0_data(id), static_cast<size_t>(ASN1_STRING_length(id)));
}

bool IsDottedOid(std::string_view oid) {
  if (oid.empty() || oid.front() == '.' || oid.back() == '.') return false;
  int dots = 0;
  for (size_t i = 0; i < oid.size(); ++i) {
    if (oid[i] == '.') {
      if (oid[i - 1] == '.') return false;
      ++dots;
    } else if (oid[i] < '0' || oid[i] > '9') {
      return false;
    }
  }
  return dots >= 1;
}

std::optional<std::string> ExtensionString(x509_st* cert, std::string_view oid) {
  const int n = X509_get_ext_count(cert);
  for (int i = 0; i < n; ++i) {
    X509_EXTENSION* ext = X509_get_ext(cert, i);
    char buf[128];
    int len = OBJ_obj2txt(buf, sizeof(buf), X509_EXTENSION_get_object(ext), /*no_name=*/1);
    if (len <= 0 || static_cast<size_t>(len) >= sizeof(buf) ||
        std::string_view(buf, static_cast<size_t>(len)) != oid) {
      continue;
    }
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
    const unsigned char* p = ASN1_STRING_get0_data(value);
    const long size = ASN1_STRING_length(value);
    const unsigned char* start = p;
    ASN1_TYPE* t = d2i_ASN1_TYPE(nullptr, &p, size);
    std::string out;
    if (t != nullptr && p == start + size) {
      switch (t->type) {
        case V_ASN1_UTF8STRING:
        case V_ASN1_PRINTABLESTRING:
        case V_ASN1_IA5STRING:
        case V_ASN1_T61STRING:
        case V_ASN1_NUMERICSTRING:
        case V_ASN1_BMPSTRING:
          out = Asn1ToUtf8(t->value.asn1_string);
          break;
        default:
          break;
      }
    }
    ASN1_TYPE_free(t);
    ERR_clear_error();
    return out;
  }
  return std::nullopt;
}

Result<std::set<std::string>> RevokedSerials(std::string_view crl) {
  X509_CRL* parsed = nullptr;
  if (crl.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
    BioPtr bio = MemBio(crl);
    if (bio) parsed = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(crl.data());
    parsed = d2i_X509_CRL(nullptr, &p, static_cast<long>(crl.size()));
  }
  if (parsed == nullptr) {
    unsigned long e = ERR_peek_last_error();
    char buf[256] = "not a PEM or DER encoded CRL";
    if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    return InvalidRequest(std::string("failed to parse CRL: ") + buf);
  }
  std::set<std::string> serials;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(parsed);
  for (int i = 0; revoked != nullptr && i < sk_X509_REVOKED_num(revoked); ++i) {
    const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i));
    BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
    if (bn == nullptr) continue;
    if (char* dec = BN_bn2dec(bn)) {
      serials.insert(dec);
      OPENSSL_free(dec);
    }
    BN_free(bn);
  }
  X509_CRL_free(parsed);
  ERR_clear_error();
  return serials;
}

VerifyOutcome VerifyChain(const std::vector<X509Ptr>& chain, const std::vector<x509_st*>& anchors,
                          std::chrono::system_clock::time_point now) {
  VerifyOutcome out;
  if (chain.empty() || anchors.empty()) {
    out.unknown_authority = true;
    out.error = "no trusted certificate";
    return out;
  }
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), StackDeleter> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) {
    out.error = "out of memory";
    return out;
  }
  for (x509_st* a : anchors) X509_STORE_add_cert(store.get(), a);  // takes its own reference
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain[0].get(), untrusted.get()) != 1) {
    ERR_clear_error();
    out.error = "cannot set up the verification";
    return out;
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(now));
  if (X509_verify_cert(ctx.get()) == 1) {
    STACK_OF(X509)* verified = X509_STORE_CTX_get1_chain(ctx.get());
    for (int i = 0; i < sk_X509_num(verified); ++i) {
      out.chain.emplace_back(sk_X509_value(verified, i));  // get1: the references are ours
    }
    sk_X509_free(verified);
    ERR_clear_error();
    return out;
  }
  const int err = X509_STORE_CTX_get_error(ctx.get());
  switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      out.unknown_authority = true;
      break;
    default:
      break;
  }
  out.error = X509_verify_cert_error_string(err);
  ERR_clear_error();
  return out;
}

}  // namespace arca::auth::cert
