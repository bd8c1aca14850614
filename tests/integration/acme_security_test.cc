// ACME's safety rules against a real dev server and a real client (Debian's `lego`): without
// ARCA_ACME_ALLOW_LOCAL_TARGETS the challenge validator does not connect to loopback, so lego's
// challenge server on 127.0.0.1 is never asked and the order fails with rejectedIdentifier; and a
// role directory refuses a name outside its role at new-order.
#include <gtest/gtest.h>

#include <string>

#include "integration/harness.h"

namespace arca::testing {
namespace {

class AcmeSecurity : public DevServerTest {
 protected:
  void SetUp() override {
    challenge_port_ = FreePort();
    server_env_["ARCA_ACME_HTTP01_PORT"] = std::to_string(challenge_port_);
    // No ARCA_ACME_ALLOW_LOCAL_TARGETS: the default.
    DevServerTest::SetUp();
    ASSERT_FALSE(HasFailure());
    Ok({"secrets", "enable", "pki"});
    Ok({"write", "pki/root/generate/internal", "common_name=Arca ACME Test Root", "ttl=8760h",
        "key_type=ec", "key_bits=256"});
    Ok({"write", "pki/config/cluster", "path=" + Base() + "/v1/pki"});
    Ok({"write", "pki/config/acme", "enabled=true", "eab_policy=not-required"});
  }
  std::string Base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  ShellResult Lego(const std::string& directory, const std::string& domain) {
    return Sh("lego --accept-tos --email acme-test@example.com --server " + Base() + "/v1/pki/" +
              directory + " --domains " + domain + " --http --http.port 127.0.0.1:" +
              std::to_string(challenge_port_) + " --path " + dir_.File("lego") + " run 2>&1");
  }

  int challenge_port_ = 0;
};

TEST_F(AcmeSecurity, ValidationDoesNotConnectToLoopback) {
  ShellResult run = Lego("acme/directory", "localhost");
  EXPECT_NE(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("rejectedIdentifier"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("loopback"), std::string::npos) << run.out;
}

TEST_F(AcmeSecurity, RoleDirectoryRefusesOtherNamesAtNewOrder) {
  Ok({"write", "pki/roles/web", "allowed_domains=example.com", "allow_subdomains=true",
      "allow_localhost=false", "key_type=ec", "key_bits=256"});
  ShellResult run = Lego("roles/web/acme/directory", "localhost");
  EXPECT_NE(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("rejectedIdentifier"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("localhost"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace arca::testing
