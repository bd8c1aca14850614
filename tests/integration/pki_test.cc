// The PKI engine against a real dev server, checked with OpenSSL's command-line tools: a root,
// an intermediate signed by it and a leaf issued by the intermediate verify with `openssl
// verify`; a TLS handshake between `openssl s_server` (the leaf) and `openssl s_client`
// (trusting the root) succeeds; a revoked serial is in the CRL (`openssl crl`) and `openssl
// ocsp` against Arca's responder answers "revoked"; role constraints give 400.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

using Shell = ShellResult;

class Pki : public DevServerTest {
 protected:
  json::object Data(const std::string& out) {
    auto o = ParseJsonObject(out);
    EXPECT_TRUE(o) << out;
    if (!o || !o->contains("data")) return {};
    return (*o)["data"].as_object();
  }
  std::string Save(const std::string& name, const json::value& pem) {
    std::string path = dir_.File(name);
    std::ofstream(path) << std::string(pem.as_string()) << "\n";
    return path;
  }
};

TEST_F(Pki, ChainTlsCrlAndOcsp) {
  Ok({"secrets", "enable", "pki"});
  Ok({"secrets", "tune", "-max-lease-ttl=87600h", "pki"});
  auto root = Data(Ok({"write", "-format=json", "pki/root/generate/internal", "common_name=Arca Root CA",
                       "ttl=87600h", "key_type=ec", "issuer_name=root"}));
  const std::string root_pem = Save("root.pem", root["certificate"]);

  Ok({"secrets", "enable", "-path=pki_int", "pki"});
  Ok({"secrets", "tune", "-max-lease-ttl=43800h", "pki_int"});
  auto csr = Data(Ok({"write", "-format=json", "pki_int/intermediate/generate/internal",
                      "common_name=Arca Intermediate CA", "key_type=ec"}));
  std::ofstream(dir_.File("inter.csr")) << std::string(csr["csr"].as_string());
  auto signed_ = Data(Ok({"write", "-format=json", "pki/root/sign-intermediate", "csr=@" + dir_.File("inter.csr"),
                          "common_name=Arca Intermediate CA", "ttl=43800h"}));
  const std::string inter_pem = Save("inter.pem", signed_["certificate"]);
  Ok({"write", "pki_int/intermediate/set-signed", "certificate=@" + inter_pem});

  Ok({"write", "pki_int/roles/web", "allowed_domains=localhost,example.com", "allow_subdomains=true",
      "allow_bare_domains=true", "key_type=ec", "max_ttl=72h"});
  auto leaf = Data(Ok({"write", "-format=json", "pki_int/issue/web", "common_name=localhost",
                       "alt_names=www.example.com", "ip_sans=127.0.0.1", "ttl=24h"}));
  const std::string leaf_pem = Save("leaf.pem", leaf["certificate"]);
  const std::string key_pem = Save("leaf.key", leaf["private_key"]);

  // The chain verifies; without the intermediate it does not.
  Shell verify = Sh("openssl verify -CAfile " + root_pem + " -untrusted " + inter_pem + " " + leaf_pem);
  EXPECT_EQ(verify.code, 0) << verify.out;
  EXPECT_NE(Sh("openssl verify -CAfile " + root_pem + " " + leaf_pem).code, 0);
  Shell host = Sh("openssl verify -CAfile " + root_pem + " -untrusted " + inter_pem +
                  " -verify_hostname www.example.com " + leaf_pem);
  EXPECT_EQ(host.code, 0) << host.out;

  // A real TLS handshake: s_server presents the leaf + intermediate, s_client trusts the root.
  // s_server binds port 0 itself and prints "ACCEPT 127.0.0.1:<port>" once it listens: no
  // port is picked in advance, and the client connects after that line.
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t server = fork();
  if (server == 0) {
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(devnull, 2);
    close(out[0]);
    execlp("openssl", "openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", leaf_pem.c_str(),
           "-cert_chain", inter_pem.c_str(), "-key", key_pem.c_str(), "-www", "-naccept", "1",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string banner;
  int tls_port = 0;
  while (tls_port == 0) {
    pollfd p{out[0], POLLIN, 0};
    char buf[256];
    ssize_t n = poll(&p, 1, 20000) > 0 ? read(out[0], buf, sizeof buf) : 0;
    if (n <= 0) break;
    banner.append(buf, static_cast<size_t>(n));
    if (auto at = banner.find("ACCEPT 127.0.0.1:"); at != std::string::npos) {
      auto eol = banner.find('\n', at);
      if (eol != std::string::npos) tls_port = std::atoi(banner.c_str() + at + 17);
    }
  }
  Shell client;
  if (tls_port > 0) {
    client = Sh("echo | openssl s_client -connect 127.0.0.1:" + std::to_string(tls_port) +
                " -CAfile " + root_pem + " -verify_return_error -verify_hostname localhost");
  } else {
    ADD_FAILURE() << "openssl s_server did not report its port: " << banner;
  }
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  close(out[0]);  // (after: s_server may still write to it)
  EXPECT_EQ(client.code, 0) << client.out;
  EXPECT_NE(client.out.find("Verify return code: 0 (ok)"), std::string::npos) << client.out;

  // Role constraints: a disallowed name is a 400 and nothing is issued.
  auto bad = Cli({"write", "pki_int/issue/web", "common_name=evil.org"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("not allowed"), std::string::npos) << bad.err;
  auto status = RawHttp(port_, "POST", "/v1/pki_int/issue/web", R"({"common_name":"evil.org"})",
                        {{"X-Vault-Token", root_}});
  EXPECT_EQ(status.status, 400) << status.body;

  // Revoke: the CRL lists the serial and OCSP says revoked; another leaf stays good.
  auto other = Data(Ok({"write", "-format=json", "pki_int/issue/web", "common_name=good.example.com"}));
  const std::string other_pem = Save("other.pem", other["certificate"]);
  const std::string serial(leaf["serial_number"].as_string());
  Ok({"write", "pki_int/revoke", "serial_number=" + serial});
  auto crl = RawHttp(port_, "GET", "/v1/pki_int/crl/pem", "", {});
  EXPECT_EQ(crl.status, 200);
  std::ofstream(dir_.File("crl.pem")) << crl.body;
  Shell crl_text = Sh("openssl crl -noout -text -in " + dir_.File("crl.pem"));
  std::string hex;
  for (char c : serial) {
    if (c != ':') hex += static_cast<char>(std::toupper(c));
  }
  EXPECT_NE(crl_text.out.find(hex), std::string::npos) << crl_text.out;
  Shell crl_verify = Sh("openssl crl -noout -in " + dir_.File("crl.pem") + " -CAfile " + inter_pem);
  EXPECT_EQ(crl_verify.code, 0) << crl_verify.out;

  const std::string ocsp = "openssl ocsp -issuer " + inter_pem + " -url http://127.0.0.1:" +
                           std::to_string(port_) + "/v1/pki_int/ocsp -CAfile " + root_pem +
                           " -VAfile " + inter_pem + " -cert ";
  Shell revoked = Sh(ocsp + leaf_pem);
  EXPECT_NE(revoked.out.find(": revoked"), std::string::npos) << revoked.out;
  Shell good = Sh(ocsp + other_pem);
  EXPECT_NE(good.out.find(": good"), std::string::npos) << good.out;
}

}  // namespace
}  // namespace arca::testing
