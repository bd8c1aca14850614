// The cert auth method end to end: the real server on a TLS listener that requests client
// certificates, certificates made with OpenSSL (auth/cert/test_pki.h), logins over real mTLS
// with curl and with the CLI (-client-cert/-client-key); a wrong CA, an expired, a revoked
// (CRL) and a disallowed-CN certificate refused; a listener with tls_disable_client_certs.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "auth/cert/test_pki.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

using auth::cert::testing::CertSpec;
using auth::cert::testing::Issue;
using auth::cert::testing::MakeCrl;
using auth::cert::testing::TestCert;

std::string Capture(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

void Write(const std::string& path, const std::string& data) { std::ofstream(path) << data; }

class CertAuthE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    d_ = new TempDir();
    TestCert ca = Issue({.cn = "E2E Root CA", .ca = true, .serial = 1});
    TestCert server =
        Issue({.cn = "localhost", .serial = 2, .san = "IP:127.0.0.1,DNS:localhost"}, &ca);
    TestCert rogue_ca = Issue({.cn = "Rogue CA", .ca = true, .serial = 3});
    auto pair = [](const std::string& name, const TestCert& c) {
      Write(d_->File(name + ".pem"), c.Pem());
      Write(d_->File(name + ".key"), c.KeyPem());
    };
    pair("ca", ca);
    pair("server", server);
    pair("client", Issue({.cn = "app.example.com", .serial = 10, .eku = "clientAuth"}, &ca));
    pair("rogue", Issue({.cn = "app.example.com", .serial = 11, .eku = "clientAuth"}, &rogue_ca));
    pair("expired", Issue({.cn = "old.example.com",
                           .serial = 12,
                           .not_before_s = -7200,
                           .not_after_s = -60,
                           .eku = "clientAuth"},
                          &ca));
    pair("revoked", Issue({.cn = "lost.example.com", .serial = 13, .eku = "clientAuth"}, &ca));
    pair("badcn", Issue({.cn = "intruder.example.org", .serial = 14, .eku = "clientAuth"}, &ca));
    Write(d_->File("crl.pem"), MakeCrl(ca, {13}));

    const std::string cfg = d_->File("arca.hcl");
    std::ofstream f(cfg);
    const std::string tls = "  tls_cert_file = \"" + d_->File("server.pem") +
                            "\"\n  tls_key_file = \"" + d_->File("server.key") + "\"\n";
    f << "storage \"inmem\" {}\n"
      << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n"
      << tls << "}\n"
      << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n"
      << tls << "  tls_disable_client_certs = true\n}\n"
      << "disable_mlock = true\n";
    f.close();
    server_ = new ServerProcess({"-config=" + cfg});
    if (!server_->running()) return;
    auto init = Cli({"operator", "init", "-key-shares=1", "-key-threshold=1"});
    const std::string key = Capture(init.out, "Unseal Key 1: (\\S+)");
    root_ = new std::string(Capture(init.out, "Initial Root Token: (\\S+)"));
    Cli({"operator", "unseal", key});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete root_;
    delete d_;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->running()) << server_->Log();
    ASSERT_EQ(server_->ports().size(), 2u);
    ASSERT_FALSE(root_->empty()) << server_->Log();
  }

  static std::string Addr(int listener = 0) {
    return "https://127.0.0.1:" + std::to_string(server_->ports()[listener]);
  }
  static CliResult Cli(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    env.emplace("ARCA_ADDR", Addr());
    env.emplace("ARCA_CACERT", d_->File("ca.pem"));
    if (root_ != nullptr) env.emplace("ARCA_TOKEN", *root_);
    return RunCli(args, env);
  }
  // curl over mTLS with the client certificate `name` (none if empty); "<status>\n<body>".
  static ShellResult Curl(const std::string& name, const std::string& method,
                          const std::string& path, const std::string& body = "", int listener = 0,
                          const std::string& token = "") {
    std::string cmd = "curl -sS --noproxy '*' --cacert " + d_->File("ca.pem") +
                      " -w '\\n%{http_code}' -X " + method;
    if (!name.empty()) {
      cmd += " --cert " + d_->File(name + ".pem") + " --key " + d_->File(name + ".key");
    }
    if (!body.empty()) cmd += " -d '" + body + "'";
    if (!token.empty()) cmd += " -H 'X-Vault-Token: " + token + "'";
    cmd += " " + Addr(listener) + "/v1/" + path;
    return Sh(cmd);
  }
  static int Status(const ShellResult& r) {
    size_t nl = r.out.rfind('\n');
    return nl == std::string::npos ? 0 : std::atoi(r.out.c_str() + nl + 1);
  }

  static TempDir* d_;
  static ServerProcess* server_;
  static std::string* root_;
};
TempDir* CertAuthE2E::d_ = nullptr;
ServerProcess* CertAuthE2E::server_ = nullptr;
std::string* CertAuthE2E::root_ = nullptr;

TEST_F(CertAuthE2E, CurlAndCliLoginsOverMutualTls) {
  ASSERT_EQ(Cli({"auth", "enable", "cert"}).exit_code, 0);
  auto w = Cli({"write", "auth/cert/certs/web", "certificate=@" + d_->File("ca.pem"),
                "token_policies=web", "allowed_common_names=*.example.com", "display_name=webapp"});
  ASSERT_EQ(w.exit_code, 0) << w.out << w.err;
  w = Cli({"write", "auth/cert/crls/main", "crl=@" + d_->File("crl.pem")});
  ASSERT_EQ(w.exit_code, 0) << w.out << w.err;

  // curl with the good certificate: a token for the web policy.
  auto ok = Curl("client", "POST", "auth/cert/login");
  ASSERT_EQ(ok.code, 0) << ok.out;
  ASSERT_EQ(Status(ok), 200) << ok.out;
  const std::string token = Capture(ok.out, "\"client_token\":\"([^\"]+)\"");
  ASSERT_FALSE(token.empty()) << ok.out;
  EXPECT_NE(ok.out.find("\"policies\":[\"default\",\"web\"]"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("\"common_name\":\"app.example.com\""), std::string::npos) << ok.out;
  auto me = Curl("", "GET", "auth/token/lookup-self", "", 0, token);
  EXPECT_EQ(Status(me), 200) << me.out;
  EXPECT_NE(me.out.find("\"display_name\":\"cert-webapp\""), std::string::npos) << me.out;
  // With the role named.
  EXPECT_EQ(Status(Curl("client", "POST", "auth/cert/login", R"({"name":"web"})")), 200);

  // Refused: wrong CA, expired, revoked, disallowed CN, none at all; with Vault's messages.
  struct Case {
    const char* cert;
    const char* message;
  };
  for (const Case& c : {
           Case{"rogue", "invalid certificate or no client certificate supplied"},
           Case{"expired", "certificate has expired or is not yet valid"},
           Case{"revoked", "no chain matching all constraints could be found"},
           Case{"badcn", "no chain matching all constraints could be found"},
           Case{"", "no client certificate found"},
       }) {
    auto r = Curl(c.cert, "POST", "auth/cert/login");
    EXPECT_EQ(Status(r), 400) << c.cert << ": " << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.cert << ": " << r.out;
  }
  // A listener with tls_disable_client_certs never asks: the certificate does not reach login.
  auto disabled = Curl("client", "POST", "auth/cert/login", "", 1);
  EXPECT_EQ(Status(disabled), 400) << disabled.out;
  EXPECT_NE(disabled.out.find("no client certificate found"), std::string::npos) << disabled.out;

  // The CLI: -client-cert / -client-key flags, then the VAULT_CLIENT_* variables.
  auto cli = Cli({"login", "-method=cert", "-client-cert=" + d_->File("client.pem"),
                  "-client-key=" + d_->File("client.key"), "-token-only", "name=web"},
                 {{"ARCA_TOKEN", ""}});
  ASSERT_EQ(cli.exit_code, 0) << cli.out << cli.err;
  const std::string cli_token = cli.out.substr(0, cli.out.find_first_of("\r\n"));
  ASSERT_FALSE(cli_token.empty());
  auto lookup = Cli({"token", "lookup", "-format=json"}, {{"ARCA_TOKEN", cli_token}});
  ASSERT_EQ(lookup.exit_code, 0) << lookup.out << lookup.err;
  EXPECT_NE(lookup.out.find("\"cert_name\": \"web\""), std::string::npos) << lookup.out;
  auto env_login =
      Cli({"login", "-method=cert", "-token-only"}, {{"ARCA_TOKEN", ""},
                                                     {"VAULT_CLIENT_CERT", d_->File("client.pem")},
                                                     {"VAULT_CLIENT_KEY", d_->File("client.key")}});
  EXPECT_EQ(env_login.exit_code, 0) << env_login.out << env_login.err;
  auto bad = Cli({"login", "-method=cert", "-client-cert=" + d_->File("rogue.pem"),
                  "-client-key=" + d_->File("rogue.key")},
                 {{"ARCA_TOKEN", ""}});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("invalid certificate or no client certificate supplied"),
            std::string::npos)
      << bad.err;
  auto revoked = Cli({"login", "-method=cert", "-client-cert=" + d_->File("revoked.pem"),
                      "-client-key=" + d_->File("revoked.key")},
                     {{"ARCA_TOKEN", ""}});
  EXPECT_EQ(revoked.exit_code, 2) << revoked.out << revoked.err;
}

TEST_F(CertAuthE2E, BadInputOverHttp) {
  auto en = Cli({"auth", "enable", "-path=cert-bad", "cert"});
  ASSERT_EQ(en.exit_code, 0) << en.out << en.err;
  auto r = Curl("", "POST", "auth/cert-bad/certs/x", R"({"certificate":"nope"})", 0, *root_);
  EXPECT_EQ(Status(r), 400) << r.out;
  EXPECT_NE(r.out.find("failed to parse certificate"), std::string::npos) << r.out;
  r = Curl("", "GET", "auth/cert-bad/certs/x", "", 0, *root_);
  EXPECT_EQ(Status(r), 404) << r.out;
  r = Curl("", "POST", "auth/cert-bad/crls/x", R"({"crl":"junk"})", 0, *root_);
  EXPECT_EQ(Status(r), 400) << r.out;
  r = Curl("", "POST", "auth/cert-bad/config", R"({"ocsp_cache_size":1})", 0, *root_);
  EXPECT_EQ(Status(r), 400) << r.out;
  r = Curl("", "GET", "auth/cert-bad/config", "", 0, *root_);
  EXPECT_EQ(Status(r), 200) << r.out;
  EXPECT_NE(r.out.find("\"ocsp_cache_size\":100"), std::string::npos) << r.out;
  // Without a token, only login answers.
  r = Curl("client", "GET", "auth/cert-bad/certs/x");
  EXPECT_EQ(Status(r), 403) << r.out;
  r = Curl("client", "GET", "auth/cert-bad/login");
  EXPECT_EQ(Status(r), 405) << r.out;
  // No trusted certificates yet: nothing verifies.
  r = Curl("client", "POST", "auth/cert-bad/login");
  EXPECT_EQ(Status(r), 400) << r.out;
  EXPECT_NE(r.out.find("invalid certificate or no client certificate supplied"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace arca::testing
