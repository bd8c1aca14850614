#include "http/tls_config.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "http/test_certs.h"

namespace arca::http {
namespace {

class TlsConfigTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new testing::TestPki(testing::MakeTestPki()); }
  static void TearDownTestSuite() {
    testing::RemoveTestPki(*pki_);
    delete pki_;
  }
  ListenerOptions Opts() const {
    ListenerOptions o;
    o.tls_cert_file = pki_->server_cert;
    o.tls_key_file = pki_->server_key;
    return o;
  }
  static testing::TestPki* pki_;
};
testing::TestPki* TlsConfigTest::pki_ = nullptr;

TEST(ParseTlsMinVersion, KnownAndUnknown) {
  EXPECT_EQ(ParseTlsMinVersion("tls10").value(), TLS1_VERSION);
  EXPECT_EQ(ParseTlsMinVersion("tls11").value(), TLS1_1_VERSION);
  EXPECT_EQ(ParseTlsMinVersion("tls12").value(), TLS1_2_VERSION);
  EXPECT_EQ(ParseTlsMinVersion("tls13").value(), TLS1_3_VERSION);
  for (std::string bad : {"", "tls14", "TLS12", "ssl3", "1.2"}) {
    EXPECT_FALSE(ParseTlsMinVersion(bad).has_value()) << bad;
  }
}

TEST_F(TlsConfigTest, BuildsContextWithVersionAndVerifyMode) {
  auto o = Opts();
  o.tls_min_version = "tls13";
  auto ctx = MakeServerTlsContext(o);
  ASSERT_TRUE(ctx.has_value()) << ctx.error().ToString();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx->get()), TLS1_3_VERSION);

  // Not disabled: client certificates are requested (verified by the cert auth method, not
  // by the handshake), with or without tls_client_ca_file, and no CA list is advertised.
  auto defaults = MakeServerTlsContext(Opts());
  ASSERT_TRUE(defaults.has_value()) << defaults.error().ToString();
  EXPECT_EQ(SSL_CTX_get_verify_mode(defaults->get()), SSL_VERIFY_PEER);
  EXPECT_NE(SSL_CTX_get_verify_callback(defaults->get()), nullptr);
  o.tls_client_ca_file = pki_->ca_cert;
  auto optional_certs = MakeServerTlsContext(o);
  ASSERT_TRUE(optional_certs.has_value()) << optional_certs.error().ToString();
  EXPECT_EQ(SSL_CTX_get_verify_mode(optional_certs->get()), SSL_VERIFY_PEER);
  STACK_OF(X509_NAME)* advertised = SSL_CTX_get_client_CA_list(optional_certs->get());
  EXPECT_TRUE(advertised == nullptr || sk_X509_NAME_num(advertised) == 0);

  o.tls_require_and_verify_client_cert = true;
  auto required = MakeServerTlsContext(o);
  ASSERT_TRUE(required.has_value());
  EXPECT_EQ(SSL_CTX_get_verify_mode(required->get()),
            SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);

  o.tls_disable_client_certs = true;
  o.tls_require_and_verify_client_cert = false;
  auto disabled = MakeServerTlsContext(o);
  ASSERT_TRUE(disabled.has_value());
  EXPECT_EQ(SSL_CTX_get_verify_mode(disabled->get()), SSL_VERIFY_NONE);
}

TEST_F(TlsConfigTest, RejectsBadConfigurations) {
  struct Case {
    std::string name;
    ListenerOptions opts;
  };
  std::vector<Case> cases;
  auto add = [&](std::string name, auto mutate) {
    ListenerOptions o = Opts();
    mutate(o);
    cases.push_back({std::move(name), std::move(o)});
  };
  add("missing cert file", [&](ListenerOptions& o) { o.tls_cert_file = pki_->dir + "/nope.pem"; });
  add("missing key file", [&](ListenerOptions& o) { o.tls_key_file = pki_->dir + "/nope.pem"; });
  add("no cert configured", [&](ListenerOptions& o) { o.tls_cert_file.clear(); });
  add("key mismatch", [&](ListenerOptions& o) { o.tls_key_file = pki_->other_key; });
  add("cert is a key", [&](ListenerOptions& o) { o.tls_cert_file = pki_->server_key; });
  add("bad version", [&](ListenerOptions& o) { o.tls_min_version = "tls9"; });
  add("bad CA file", [&](ListenerOptions& o) { o.tls_client_ca_file = pki_->dir + "/nope.pem"; });
  add("CA file is a key", [&](ListenerOptions& o) { o.tls_client_ca_file = pki_->server_key; });
  add("require without CA",
      [&](ListenerOptions& o) { o.tls_require_and_verify_client_cert = true; });
  for (const auto& c : cases) {
    auto ctx = MakeServerTlsContext(c.opts);
    ASSERT_FALSE(ctx.has_value()) << c.name;
    EXPECT_EQ(ctx.error().kind(), ErrorKind::kInvalidRequest) << c.name;
  }
}

}  // namespace
}  // namespace arca::http
