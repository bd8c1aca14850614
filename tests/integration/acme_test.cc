// ACME (RFC 8555) against a real dev server with a client nobody here wrote: Debian's `lego`
// obtains a certificate for "localhost" through http-01 (lego writes the challenge into a webroot
// that this test serves on a loopback port it bound itself; ARCA_ACME_HTTP01_PORT points Arca's
// validator at it and ARCA_ACME_ALLOW_LOCAL_TARGETS lets it connect to loopback), renews it and
// revokes it; the
// certificate verifies with `openssl verify` against the mount's CA, and the revoked serial is in
// the CRL. A second scenario requires external account binding.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

using Shell = ShellResult;

class Acme : public DevServerTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.File("webroot"));
    webroot_ = std::make_unique<WebrootServer>(dir_.File("webroot"));
    ASSERT_GT(webroot_->port(), 0);
    // tls-alpn-01: lego serves that challenge itself on a port that Arca must know when it
    // starts, so this one is picked in advance; it stays bound here (nobody else can take it)
    // until just before lego binds it (in Lego()).
    tls_hold_ = std::make_unique<ClosedPort>();
    tls_port_ = tls_hold_->port();
    server_env_["ARCA_ACME_HTTP01_PORT"] = std::to_string(webroot_->port());
    server_env_["ARCA_ACME_TLSALPN01_PORT"] = std::to_string(tls_port_);
    // The challenges are served on loopback, which validation refuses by default.
    server_env_["ARCA_ACME_ALLOW_LOCAL_TARGETS"] = "1";
    DevServerTest::SetUp();
    ASSERT_FALSE(HasFailure());
    Ok({"secrets", "enable", "pki"});
    Ok({"secrets", "tune", "-max-lease-ttl=8760h", "pki"});
    Ok({"write", "pki/root/generate/internal", "common_name=Arca ACME Test Root", "ttl=8760h",
        "key_type=ec", "key_bits=256"});
    Ok({"write", "pki/config/cluster", "path=" + Base() + "/v1/pki"});
    root_pem_ = dir_.File("root.pem");
    std::ofstream(root_pem_) << Ok({"read", "-field=certificate", "pki/cert/ca"});
  }
  std::string Base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // lego with this test's server, account store and challenge port.
  Shell Lego(const std::string& args, bool tls_alpn = false) {
    std::string challenge = "--http --http.webroot " + dir_.File("webroot");
    if (tls_alpn) {
      tls_hold_.reset();  // unbound now: lego binds it next
      challenge = "--tls --tls.port 127.0.0.1:" + std::to_string(tls_port_);
    }
    return Sh("lego --accept-tos --email acme-test@example.com --server " + Base() +
              "/v1/pki/acme/directory --domains localhost " + challenge + " --path " + dir_.File("lego") +
              " " + args);
  }
  std::string CertPath() const { return dir_.File("lego") + "/certificates/localhost.crt"; }
  std::string Serial(const std::string& cert) {
    Shell s = Sh("openssl x509 -noout -serial -in " + cert);
    EXPECT_EQ(s.code, 0) << s.out;
    std::string hex = s.out.substr(s.out.find('=') + 1);
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
    std::string out;
    if (hex.size() % 2) hex = "0" + hex;
    for (size_t i = 0; i < hex.size(); i += 2) {
      if (!out.empty()) out += ':';
      out += static_cast<char>(std::tolower(hex[i]));
      out += static_cast<char>(std::tolower(hex[i + 1]));
    }
    return out;
  }

  std::unique_ptr<WebrootServer> webroot_;
  std::unique_ptr<ClosedPort> tls_hold_;
  int tls_port_ = 0;
  std::string root_pem_;
};

TEST_F(Acme, LegoObtainsRenewsAndRevokes) {
  // Disabled by default: lego cannot even read the directory.
  Shell disabled = Lego("run");
  EXPECT_NE(disabled.code, 0) << disabled.out;
  Ok({"write", "pki/config/acme", "enabled=true", "eab_policy=not-required"});

  Shell run = Lego("run");
  ASSERT_EQ(run.code, 0) << run.out;
  ASSERT_TRUE(std::filesystem::exists(CertPath())) << run.out;
  // lego's .crt holds the leaf and the issuer; the leaf verifies against the mount's root.
  Shell verify = Sh("openssl verify -CAfile " + root_pem_ + " " + CertPath());
  EXPECT_EQ(verify.code, 0) << verify.out;
  Shell text = Sh("openssl x509 -noout -text -in " + CertPath());
  EXPECT_NE(text.out.find("DNS:localhost"), std::string::npos) << text.out;
  // A TLS server certificate only (allow_role_ext_key_usage is false).
  EXPECT_NE(text.out.find("TLS Web Server Authentication"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("TLS Web Client Authentication"), std::string::npos) << text.out;
  const std::string first_serial = Serial(CertPath());
  // The certificate is stored by the PKI engine.
  EXPECT_NE(Ok({"read", "-field=certificate", "pki/cert/" + first_serial}).find("BEGIN CERTIFICATE"),
            std::string::npos);

  Shell renew = Lego("renew --days 100000 --no-random-sleep");
  ASSERT_EQ(renew.code, 0) << renew.out;
  const std::string second_serial = Serial(CertPath());
  EXPECT_NE(second_serial, first_serial);
  EXPECT_EQ(Sh("openssl verify -CAfile " + root_pem_ + " " + CertPath()).code, 0);

  Shell revoke = Lego("revoke");
  ASSERT_EQ(revoke.code, 0) << revoke.out;
  auto cert = Ok({"read", "-format=json", "pki/cert/" + second_serial});
  auto parsed = ParseJsonObject(cert);
  ASSERT_TRUE(parsed) << cert;
  EXPECT_GT((*parsed)["data"].as_object()["revocation_time"].to_number<int64_t>(), 0) << cert;
  // The CRL lists it.
  std::ofstream(dir_.File("crl.pem")) << RawHttp(port_, "GET", "/v1/pki/crl/pem", "", {}).body;
  Shell crl = Sh("openssl crl -noout -text -in " + dir_.File("crl.pem"));
  std::string upper;
  for (char c : second_serial) {
    if (c != ':') upper += static_cast<char>(std::toupper(c));
  }
  EXPECT_NE(crl.out.find(upper), std::string::npos) << crl.out;
}

TEST_F(Acme, LegoObtainsACertificateWithTlsAlpn01) {
  Ok({"write", "pki/config/acme", "enabled=true", "eab_policy=not-required"});
  Shell run = Lego("run", /*tls_alpn=*/true);
  ASSERT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("tls-alpn-01"), std::string::npos) << run.out;
  Shell verify = Sh("openssl verify -CAfile " + root_pem_ + " " + CertPath());
  EXPECT_EQ(verify.code, 0) << verify.out;
}

TEST_F(Acme, ExternalAccountBindingIsEnforced) {
  Ok({"write", "pki/config/acme", "enabled=true", "eab_policy=always-required"});
  Shell without = Lego("run");
  EXPECT_NE(without.code, 0);
  // lego reads meta.externalAccountRequired from the directory and stops before registering
  // (the server's own refusal is covered by the unit tests).
  EXPECT_NE(without.out.find("External Account Binding"), std::string::npos) << without.out;

  auto eab = ParseJsonObject(Ok({"write", "-format=json", "-f", "pki/acme/new-eab"}));
  ASSERT_TRUE(eab);
  auto data = (*eab)["data"].as_object();
  const std::string kid(data["id"].as_string());
  const std::string key(data["key"].as_string());
  Shell with = Lego("--eab --kid " + kid + " --hmac " + key + " run");
  ASSERT_EQ(with.code, 0) << with.out;
  EXPECT_EQ(Sh("openssl verify -CAfile " + root_pem_ + " " + CertPath()).code, 0);
}

}  // namespace
}  // namespace arca::testing
