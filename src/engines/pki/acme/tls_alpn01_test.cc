#include "engines/pki/acme/tls_alpn01.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "crypto/hash.h"
#include "engines/pki/acme/acme_test_util.h"

namespace arca::pki::acme {
namespace {

// A one-connection TLS server on 127.0.0.1 presenting a self-signed challenge certificate for
// `name` whose acmeIdentifier holds SHA-256(`key_auth`); with `offer_alpn` false it does not
// select acme-tls/1.
class ChallengeServer {
 public:
  ChallengeServer(const std::string& name, const std::string& key_auth, bool offer_alpn) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, ("DNS:" + name).c_str());
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    std::string digest = crypto::Sha256(key_auth);
    ASN1_OCTET_STRING* inner = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(inner, reinterpret_cast<const unsigned char*>(digest.data()), 32);
    unsigned char* der = nullptr;
    int len = i2d_ASN1_OCTET_STRING(inner, &der);
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, der, len);
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 1, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(value);
    ASN1_OCTET_STRING_free(inner);
    OPENSSL_free(der);
    X509_sign(cert, key, EVP_sha256());
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    if (offer_alpn) {
      SSL_CTX_set_alpn_select_cb(
          ctx_,
          [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
             unsigned int inlen, void*) {
            static const unsigned char kProto[] = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};
            unsigned char* selected = nullptr;
            if (SSL_select_next_proto(&selected, outlen, kProto, sizeof kProto, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
              return SSL_TLSEXT_ERR_ALERT_FATAL;
            }
            *out = selected;
            return SSL_TLSEXT_ERR_OK;
          },
          nullptr);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t alen = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &alen);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 4);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        char buf[16];
        SSL_read(ssl, buf, sizeof buf);  // until the client closes
      }
      SSL_free(ssl);
      ::close(c);
    });
  }
  ~ChallengeServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// The test servers listen on loopback, which validation refuses unless allowed.
ValidationPolicy Loopback() {
  ValidationPolicy p;
  p.allow_local_addresses = true;
  p.timeout = std::chrono::seconds(5);
  return p;
}

// The in-test server thread must survive a client that hangs up (the validator blocks SIGPIPE
// only for its own thread, as the server process ignores it).
const bool kIgnoreSigpipe = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

TEST(TlsAlpn01, MatchingCertificatePasses) {
  ChallengeServer server("localhost", "tok.thumb", true);
  auto r = ValidateTlsAlpn01("localhost", server.port(), "tok.thumb", Loopback());
  EXPECT_TRUE(r) << r.error().detail;
}

TEST(TlsAlpn01, WrongDigestNameOrProtocolFails) {
  {
    ChallengeServer server("localhost", "tok.other", true);
    auto r = ValidateTlsAlpn01("localhost", server.port(), "tok.thumb", Loopback());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "incorrectResponse");
    EXPECT_NE(r.error().detail.find("acmeIdentifier"), std::string::npos) << r.error().detail;
  }
  {
    ChallengeServer server("other.test", "tok.thumb", true);
    auto r = ValidateTlsAlpn01("localhost", server.port(), "tok.thumb", Loopback());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "incorrectResponse");
  }
  {
    ChallengeServer server("localhost", "tok.thumb", false);
    auto r = ValidateTlsAlpn01("localhost", server.port(), "tok.thumb", Loopback());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().type, "incorrectResponse");
    EXPECT_NE(r.error().detail.find("acme-tls/1"), std::string::npos) << r.error().detail;
  }
}

TEST(TlsAlpn01, LocalTargetsAreRefusedWithoutConnecting) {
  testing::SilentListener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  ValidationPolicy allowed = Loopback();
  allowed.timeout = std::chrono::milliseconds(300);
  ASSERT_FALSE(
      ValidateTlsAlpn01("localhost", listener.port(), "tok.thumb", allowed));  // nobody answers
  ASSERT_TRUE(listener.Pending()) << "localhost does not reach the listener";
  listener.Drain();
  auto refused = ValidateTlsAlpn01("localhost", listener.port(), "tok.thumb", ValidationPolicy{});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, "rejectedIdentifier") << refused.error().detail;
  EXPECT_FALSE(listener.Pending()) << "a connection was made";
}

TEST(TlsAlpn01, AHandshakeThatNeverAnswersIsAbandonedWithinTheBound) {
  testing::SilentListener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  ValidationPolicy policy = Loopback();
  policy.timeout = std::chrono::milliseconds(400);
  const auto start = std::chrono::steady_clock::now();
  auto r = ValidateTlsAlpn01("127.0.0.1", listener.port(), "tok.thumb", policy);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, "tls") << r.error().detail;
  EXPECT_TRUE(listener.Pending());  // it connected and waited for the server's hello
  EXPECT_GE(took, policy.timeout - std::chrono::milliseconds(50));
  EXPECT_LT(took, policy.timeout + std::chrono::seconds(2));
}

}  // namespace
}  // namespace arca::pki::acme
