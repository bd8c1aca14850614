// A TLS listener end to end: certificates made with the openssl command, the server with
// tls_cert_file/tls_key_file/tls_min_version, and the CLI with -ca-cert / -tls-skip-verify.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "integration/harness.h"

namespace arca::testing {
namespace {

bool MakeCerts(const TempDir& d) {
  std::string cmd =
      "cd " + d.path() +
      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
      "-subj /CN=test-ca -keyout ca.key -out ca.pem >/dev/null 2>&1"
      " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost "
      "-keyout server.key -out server.csr >/dev/null 2>&1"
      " && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext"
      " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile san.ext -out server.pem >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

TEST(Tls, ServerAndCliOverTls) {
  TempDir d;
  ASSERT_TRUE(MakeCerts(d));
  std::string cfg = d.File("tls.hcl");
  {
    std::ofstream f(cfg);
    f << "storage \"inmem\" {}\n"
      << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n"
      << "  tls_cert_file = \"" << d.File("server.pem") << "\"\n"
      << "  tls_key_file = \"" << d.File("server.key") << "\"\n"
      << "  tls_min_version = \"tls12\"\n}\n"
      << "disable_mlock = true\n";
  }
  ServerProcess server({"-config=" + cfg});
  ASSERT_TRUE(server.running()) << server.Log();
  const int port = server.port();
  EXPECT_EQ(server.url(), "https://127.0.0.1:" + std::to_string(port));
  std::string addr = "https://127.0.0.1:" + std::to_string(port);

  auto trusted = RunCli({"status", "-ca-cert=" + d.File("ca.pem")}, {{"ARCA_ADDR", addr}});
  EXPECT_EQ(trusted.exit_code, 2) << trusted.out << trusted.err;  // reachable; not initialized
  EXPECT_NE(trusted.out.find("Initialized"), std::string::npos) << trusted.out << trusted.err;

  auto untrusted = RunCli({"status"}, {{"ARCA_ADDR", addr}});
  EXPECT_EQ(untrusted.exit_code, 1) << untrusted.out << untrusted.err;
  EXPECT_EQ(untrusted.out.find("Initialized"), std::string::npos);

  auto skip = RunCli({"status", "-tls-skip-verify"}, {{"VAULT_ADDR", addr}});
  EXPECT_EQ(skip.exit_code, 2) << skip.err;
  auto env_ca = RunCli({"operator", "init", "-key-shares=1", "-key-threshold=1"},
                       {{"ARCA_ADDR", addr}, {"VAULT_CACERT", d.File("ca.pem")}});
  EXPECT_EQ(env_ca.exit_code, 0) << env_ca.err;

  // Plain HTTP to the TLS port does not reach the API.
  auto plain = RawHttp(port, "GET", "/v1/sys/health");
  EXPECT_NE(plain.status, 200);
}

TEST(Tls, MissingCertificateRefusesToStart) {
  TempDir d;
  std::string cfg = d.File("bad.hcl");
  {
    std::ofstream f(cfg);
    f << "storage \"inmem\" {}\nlistener \"tcp\" {\n  address = \"127.0.0.1:0"
      << "\"\n  tls_cert_file = \"" << d.File("none.pem") << "\"\n  tls_key_file = \""
      << d.File("none.key") << "\"\n}\ndisable_mlock = true\n";
  }
  auto r = RunCli({"server", "-config=" + cfg});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err).find("none.pem"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace arca::testing
