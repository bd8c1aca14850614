#include "http/tls_config.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

namespace arca::http {
namespace {

// The OpenSSL error queue as text (and cleared), for error messages.
std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

std::unexpected<Error> TlsError(std::string what) {
  return InvalidRequest(std::move(what) + ": " + OpenSslErrors());
}

// The verify callback of a listener that requests client certificates without verifying them.
int AcceptAnyClientCertificate(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) { return 1; }

}  // namespace

void SslCtxDeleter::operator()(ssl_ctx_st* ctx) const { SSL_CTX_free(ctx); }

std::shared_ptr<const std::vector<std::string>> PeerCertificateChain(ssl_st* ssl) {
  X509* leaf = ssl != nullptr ? SSL_get0_peer_certificate(ssl) : nullptr;
  if (leaf == nullptr) return nullptr;
  auto chain = std::make_shared<std::vector<std::string>>();
  auto add = [&](X509* cert) {
    unsigned char* der = nullptr;
    int len = i2d_X509(cert, &der);
    if (len <= 0) return;
    chain->emplace_back(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
  };
  add(leaf);
  // On the server side the peer chain holds the certificates the client sent after its own.
  if (STACK_OF(X509)* rest = SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(rest); ++i) {
      X509* cert = sk_X509_value(rest, i);
      if (X509_cmp(cert, leaf) != 0) add(cert);
    }
  }
  ERR_clear_error();
  if (chain->empty()) return nullptr;
  return chain;
}

Result<int> ParseTlsMinVersion(std::string_view name) {
  if (name == "tls10") return TLS1_VERSION;
  if (name == "tls11") return TLS1_1_VERSION;
  if (name == "tls12") return TLS1_2_VERSION;
  if (name == "tls13") return TLS1_3_VERSION;
  return InvalidRequest("invalid tls_min_version \"" + std::string(name) +
                        "\" (expected tls10, tls11, tls12 or tls13)");
}

Result<SslCtxPtr> MakeServerTlsContext(const ListenerOptions& opts) {
  ERR_clear_error();
  ARCA_ASSIGN_OR_RETURN(int min_version, ParseTlsMinVersion(opts.tls_min_version));
  if (opts.tls_cert_file.empty() || opts.tls_key_file.empty()) {
    return InvalidRequest("tls_cert_file and tls_key_file are required unless tls_disable is set");
  }
  if (opts.tls_require_and_verify_client_cert && opts.tls_client_ca_file.empty()) {
    return InvalidRequest("tls_require_and_verify_client_cert requires tls_client_ca_file");
  }
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return TlsError("cannot create TLS context");
  SSL_CTX* c = ctx.get();
  if (SSL_CTX_set_min_proto_version(c, min_version) != 1) {
    return TlsError("cannot set tls_min_version");
  }
  SSL_CTX_set_options(
      c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(c, opts.tls_cert_file.c_str()) != 1) {
    return TlsError("cannot load tls_cert_file \"" + opts.tls_cert_file + "\"");
  }
  if (SSL_CTX_use_PrivateKey_file(c, opts.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return TlsError("cannot load tls_key_file \"" + opts.tls_key_file + "\"");
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    return TlsError("tls_key_file does not match tls_cert_file");
  }
  // Needed for session resumption when client certificates are verified.
  static constexpr unsigned char kSessionContext[] = "arca";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof(kSessionContext) - 1);

  if (opts.tls_disable_client_certs) {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  } else if (opts.tls_require_and_verify_client_cert) {
    const char* ca = opts.tls_client_ca_file.c_str();
    if (SSL_CTX_load_verify_locations(c, ca, nullptr) != 1) {
      return TlsError("cannot load tls_client_ca_file \"" + opts.tls_client_ca_file + "\"");
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca);
    if (!names) {
      return TlsError("no certificates in tls_client_ca_file \"" + opts.tls_client_ca_file + "\"");
    }
    SSL_CTX_set_client_CA_list(c, names);  // takes ownership
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  } else {
    // Vault's default (Go's tls.RequestClientCert): ask for a certificate, verify none and
    // advertise no CA list, so that any client certificate reaches the cert auth method, which
    // verifies it against its own trusted certificates. tls_client_ca_file only matters with
    // tls_require_and_verify_client_cert; given alone it must still be a readable CA file.
    if (!opts.tls_client_ca_file.empty()) {
      STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(opts.tls_client_ca_file.c_str());
      if (!names) {
        return TlsError("cannot load tls_client_ca_file \"" + opts.tls_client_ca_file + "\"");
      }
      sk_X509_NAME_pop_free(names, X509_NAME_free);
    }
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, AcceptAnyClientCertificate);
  }
  ERR_clear_error();
  return ctx;
}

Result<SslCtxPtr> MakeClusterTlsContext(std::string_view cert_pem, std::string_view key_pem) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return TlsError("cannot create TLS context");
  SSL_CTX* c = ctx.get();
  if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1) {
    return TlsError("cannot set the minimum TLS version");
  }
  SSL_CTX_set_options(
      c, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);

  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(
      BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr) : nullptr,
      &X509_free);
  if (!cert) return TlsError("cannot parse the cluster certificate");
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr,
      &EVP_PKEY_free);
  if (!key) return TlsError("cannot parse the cluster key");
  if (SSL_CTX_use_certificate(c, cert.get()) != 1 || SSL_CTX_use_PrivateKey(c, key.get()) != 1 ||
      SSL_CTX_check_private_key(c) != 1) {
    return TlsError("the cluster key does not match the cluster certificate");
  }
  static constexpr unsigned char kSessionContext[] = "arca-cluster";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof(kSessionContext) - 1);
  // The only trust anchor is the cluster certificate itself.
  X509_STORE* store = SSL_CTX_get_cert_store(c);
  if (X509_STORE_add_cert(store, cert.get()) != 1) return TlsError("cannot trust the cluster certificate");
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  if (!names || sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(cert.get()))) <= 0) {
    if (names) sk_X509_NAME_pop_free(names, X509_NAME_free);
    return TlsError("cannot list the cluster CA");
  }
  SSL_CTX_set_client_CA_list(c, names);  // takes ownership
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  ERR_clear_error();
  return ctx;
}

}  // namespace arca::http
