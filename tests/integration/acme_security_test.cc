// ACME's safety rules against a real dev server and a real client (Debian's `lego`): without
// ARCA_ACME_ALLOW_LOCAL_TARGETS the challenge validator does not connect to loopback, so lego's
// challenge (served by this test on 127.0.0.1) is never asked for and the order fails with rejectedIdentifier; and a
// role directory refuses a name outside its role at new-order.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "integration/harness.h"

namespace arca::testing {
namespace {

class AcmeSecurity : public DevServerTest {
 protected:
  void SetUp() override {
    // The challenge is served from a socket this test holds (lego --http.webroot), so that
    // "never asked" can be checked: the server counts requests.
    std::filesystem::create_directories(dir_.File("webroot"));
    webroot_ = std::make_unique<WebrootServer>(dir_.File("webroot"));
    ASSERT_GT(webroot_->port(), 0);
    server_env_["ARCA_ACME_HTTP01_PORT"] = std::to_string(webroot_->port());
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
              directory + " --domains " + domain + " --http --http.webroot " +
              dir_.File("webroot") + " --path " + dir_.File("lego") + " run 2>&1");
  }

  std::unique_ptr<WebrootServer> webroot_;
};

TEST_F(AcmeSecurity, ValidationDoesNotConnectToLoopback) {
  ShellResult run = Lego("acme/directory", "localhost");
  EXPECT_NE(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("rejectedIdentifier"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("loopback"), std::string::npos) << run.out;
  // lego did get as far as writing the challenge for the validator to fetch; nobody fetched it.
  EXPECT_TRUE(std::filesystem::exists(dir_.File("webroot/.well-known/acme-challenge")));
  EXPECT_EQ(webroot_->requests(), 0);
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
