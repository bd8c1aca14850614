#include "engines/pki/acme/tls_alpn01.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <memory>
#include <string>

#include "common/blocking.h"
#include "crypto/compare.h"
#include "crypto/hash.h"
#include "engines/pki/acme/http01.h"

namespace arca::pki::acme {
namespace {

constexpr unsigned char kAlpn[] = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};
constexpr const char* kAcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Drives a non-blocking SSL_connect until done or the deadline.
bool Handshake(SSL* ssl, int fd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    int rc = SSL_connect(ssl);
    if (rc == 1) return true;
    int err = SSL_get_error(ssl, rc);
    if (err == SSL_ERROR_WANT_READ) {
      if (!WaitReady(fd, POLLIN, deadline)) return false;
    } else if (err == SSL_ERROR_WANT_WRITE) {
      if (!WaitReady(fd, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
}

// OpenSSL writes to the socket with write(2): a peer that hangs up mid-handshake would raise
// SIGPIPE. It is blocked for this thread while validating, and a pending one is consumed.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    timespec zero{0, 0};
    while (sigtimedwait(&set, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t old_;
};

}  // namespace

AcmeStatus ValidateTlsAlpn01(std::string_view domain, int port, std::string_view key_authorization,
                             const ValidationPolicy& policy) {
  BlockingScope blocking;  // network I/O: let the worker pool run others meanwhile
  SigpipeBlock no_sigpipe;
  const auto deadline = std::chrono::steady_clock::now() + policy.timeout;
  const std::string host(domain);
  auto dialed = DialTcp(host, port, deadline, policy);
  if (!dialed) return std::unexpected(dialed.error());
  const int fd = *dialed;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    ::close(fd);
    return ServerInternal("TLS is not available");
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // the certificate is checked below
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), host.c_str());
  SSL_set_alpn_protos(ssl.get(), kAlpn, sizeof kAlpn);
  const bool connected = Handshake(ssl.get(), fd, deadline);
  ERR_clear_error();
  auto finish = [&](AcmeStatus st) {
    SSL_shutdown(ssl.get());
    ssl.reset();
    ::close(fd);
    return st;
  };
  if (!connected) return finish(MakeProblem("tls", "TLS handshake with " + host + " failed"));

  const unsigned char* proto = nullptr;
  unsigned int proto_len = 0;
  SSL_get0_alpn_selected(ssl.get(), &proto, &proto_len);
  if (proto_len != sizeof kAlpn - 1 || std::string_view(reinterpret_cast<const char*>(proto), proto_len) != "acme-tls/1") {
    return finish(MakeProblem("incorrectResponse", host + " did not negotiate the acme-tls/1 protocol"));
  }
  std::unique_ptr<X509, X509Free> cert(SSL_get1_peer_certificate(ssl.get()));
  if (!cert) return finish(MakeProblem("incorrectResponse", host + " presented no certificate"));

  // Exactly one DNS name, the identifier.
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  int dns_names = 0;
  bool matches = false;
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type != GEN_DNS) continue;
    ++dns_names;
    const ASN1_IA5STRING* s = gn->d.dNSName;
    matches = matches || Lower(std::string_view(reinterpret_cast<const char*>(s->data), s->length)) == Lower(host);
  }
  GENERAL_NAMES_free(sans);
  if (dns_names != 1 || !matches) {
    return finish(MakeProblem("incorrectResponse", "the challenge certificate from " + host + " does not name exactly " + host));
  }

  ASN1_OBJECT* oid = OBJ_txt2obj(kAcmeIdentifierOid, 1);
  int idx = oid != nullptr ? X509_get_ext_by_OBJ(cert.get(), oid, -1) : -1;
  ASN1_OBJECT_free(oid);
  if (idx < 0) return finish(MakeProblem("incorrectResponse", "the challenge certificate has no acmeIdentifier extension"));
  X509_EXTENSION* ext = X509_get_ext(cert.get(), idx);
  if (X509_EXTENSION_get_critical(ext) != 1) {
    return finish(MakeProblem("incorrectResponse", "the acmeIdentifier extension is not critical"));
  }
  // The extension value is the DER of an OCTET STRING holding the 32-byte digest.
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  const unsigned char* p = ASN1_STRING_get0_data(data);
  ASN1_OCTET_STRING* inner = d2i_ASN1_OCTET_STRING(nullptr, &p, ASN1_STRING_length(data));
  std::string digest;
  if (inner != nullptr) {
    digest.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(inner)), ASN1_STRING_length(inner));
    ASN1_OCTET_STRING_free(inner);
  }
  if (!crypto::ConstantTimeEquals(digest, crypto::Sha256(key_authorization))) {
    return finish(MakeProblem("incorrectResponse", "the acmeIdentifier of " + host + " does not match the key authorization"));
  }
  return finish({});
}

}  // namespace arca::pki::acme
