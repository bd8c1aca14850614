#include "server/cluster_tls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <memory>

#include "common/json.h"

namespace arca::server {
namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;

std::unexpected<Error> SslFail(std::string what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown OpenSSL error";
  if (e) ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return std::unexpected(Error(ErrorKind::kInternal, std::move(what) + ": " + buf));
}

bool AddExt(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// JSON string escaping for PEM text (ASCII, lines).
void AppendEscaped(SecureBytes& out, std::string_view s) {
  for (char c : s) {
    if (c == '\n') {
      out.Append("\\n");
    } else if (c == '"' || c == '\\') {
      out.Append("\\");
      out.Append(std::string_view(&c, 1));
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out.Append(std::string_view(&c, 1));
    }
  }
}

}  // namespace

Result<ClusterTls> GenerateClusterTls() {
  ERR_clear_error();
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return SslFail("cannot generate the cluster key");
  X509Ptr cert(X509_new());
  if (!cert) return SslFail("cannot make the cluster certificate");
  X509_set_version(cert.get(), 2);
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) return SslFail("no randomness");
  serial_bytes[0] &= 0x7f;
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr);
  if (!serial || !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()))) {
    BN_free(serial);
    return SslFail("cannot set the serial number");
  }
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 365 * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("arca-cluster"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (!AddExt(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExt(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
      !AddExt(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth") ||
      !AddExt(cert.get(), NID_subject_key_identifier, "hash") ||
      !AddExt(cert.get(), NID_subject_alt_name, "DNS:arca-cluster")) {
    return SslFail("cannot add the certificate extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return SslFail("cannot sign");

  ClusterTls out;
  BioPtr cbio(BIO_new(BIO_s_mem()));
  if (!cbio || PEM_write_bio_X509(cbio.get(), cert.get()) != 1) return SslFail("cert PEM");
  char* data = nullptr;
  long n = BIO_get_mem_data(cbio.get(), &data);
  out.cert_pem.assign(data, static_cast<size_t>(n));
  // The key goes through a memory BIO: wipe its buffer before it is freed.
  BioPtr kbio(BIO_new(BIO_s_mem()));
  if (!kbio || PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                        nullptr) != 1) {
    return SslFail("key PEM");
  }
  n = BIO_get_mem_data(kbio.get(), &data);
  out.key_pem = SecureBytes(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(n));
  OPENSSL_cleanse(data, static_cast<size_t>(n));
  return out;
}

SecureBytes EncodeClusterTls(const ClusterTls& tls) {
  SecureBytes out;
  out.Append("{\"version\":1,\"cert_pem\":\"");
  AppendEscaped(out, tls.cert_pem);
  out.Append("\",\"key_pem\":\"");
  AppendEscaped(out, tls.key_pem.view());
  out.Append("\"}");
  return out;
}

Result<ClusterTls> DecodeClusterTls(std::string_view stored) {
  // The parse happens in a secure buffer that is wiped afterwards (it holds the key).
  SecureBytes arena(64 * 1024);
  ClusterTls out;
  {
    json::monotonic_resource mr(arena.data(), arena.size());
    boost::system::error_code ec;
    json::value v = json::parse(stored, ec, &mr);
    if (ec || !v.is_object()) return InvalidRequest("core/cluster/tls: malformed entry");
    json::object& o = v.as_object();
    const json::value* cert = o.if_contains("cert_pem");
    const json::value* key = o.if_contains("key_pem");
    if (!cert || !key || !cert->is_string() || !key->is_string() ||
        IntOr(o, "version", 0) != 1) {
      return InvalidRequest("core/cluster/tls: malformed entry");
    }
    out.cert_pem = std::string(cert->as_string());
    out.key_pem = SecureBytes::FromString(key->as_string());
  }
  // Check the pair.
  ERR_clear_error();
  BioPtr cbio(BIO_new_mem_buf(out.cert_pem.data(), static_cast<int>(out.cert_pem.size())));
  X509Ptr cert(cbio ? PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr) : nullptr);
  BioPtr kbio(BIO_new_mem_buf(out.key_pem.data(), static_cast<int>(out.key_pem.size())));
  PkeyPtr key(kbio ? PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert || !key || X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return InvalidRequest("core/cluster/tls: the key does not match the certificate");
  }
  return out;
}

}  // namespace arca::server
