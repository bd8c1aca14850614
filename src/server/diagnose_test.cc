// operator diagnose on real files: a good configuration, then one broken thing at a time.
#include "server/diagnose.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "http/test_certs.h"

namespace arca::server {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class DiagnoseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = http::testing::MakeTestPki();
    dir_ = pki_.dir + "/diag";
    fs::create_directories(dir_ + "/data");
    fs::permissions(dir_ + "/data", fs::perms::owner_all, fs::perm_options::replace);
  }
  void TearDown() override { http::testing::RemoveTestPki(pki_); }

  // A configuration with file storage in dir_/data and a TLS listener using cert/key.
  std::string Config(const std::string& cert, const std::string& key,
                     const std::string& extra = "disable_mlock = false\n") {
    return "storage \"file\" {\n  path = \"" + dir_ + "/data\"\n}\n"
           "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_cert_file = \"" + cert +
           "\"\n  tls_key_file = \"" + key + "\"\n}\n" + extra;
  }
  std::string Write(const std::string& text) {
    std::string path = dir_ + "/arca.hcl";
    std::ofstream(path) << text;
    return path;
  }
  int Run(const std::string& config_path, std::string format = "table") {
    out_.str("");
    err_.str("");
    return RunDiagnose({"-config=" + config_path, "-format=" + format}, out_, err_, false);
  }

  http::testing::TestPki pki_;
  std::string dir_;
  std::ostringstream out_, err_;
};

TEST_F(DiagnoseTest, GoodConfigurationPassesEveryCheckThatDependsOnIt) {
  int code = Run(Write(Config(pki_.server_cert, pki_.server_key)));
  const std::string out = out_.str();
  EXPECT_NE(code, 1) << out;  // 2 only for machine limits or the 1-day test certificate
  EXPECT_THAT(out, HasSubstr("\nResults:\n"));
  EXPECT_THAT(out, HasSubstr("\n  [ success ] Parse Configuration\n"));
  EXPECT_THAT(out, HasSubstr("\n  [ success ] Check Storage\n"));
  EXPECT_THAT(out, HasSubstr("    [ success ] Check Storage Folder Permissions: Storage path " +
                             dir_ + "/data is a directory this user can read and write.\n"));
  EXPECT_THAT(out, HasSubstr("    [ success ] Create Storage Backend\n"));
  EXPECT_THAT(out, HasSubstr("    [ success ] Check Storage Access: Storage can be written, read "
                             "and deleted.\n"));
  // The test certificate is valid for one day: a warning under its listener.
  EXPECT_THAT(out, HasSubstr("      [ warning ] Check Listener TLS: The certificate in " +
                             pki_.server_cert + " expires in less than 30 days ("));
  EXPECT_THAT(out, HasSubstr("  [ success ] Check Seal: Using the Shamir seal.\n"));
  EXPECT_THAT(out, Not(HasSubstr("[ failure ]")));
  // The storage check leaves nothing behind.
  EXPECT_EQ(err_.str(), "");
}

TEST_F(DiagnoseTest, UnparsableConfigurationFails) {
  int code = Run(Write("storag \"file\" {}\n"));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(out_.str(), HasSubstr("[ failure ] Arca Diagnose\n"));
  EXPECT_THAT(out_.str(), HasSubstr("  [ failure ] Parse Configuration: "));
  EXPECT_THAT(out_.str(), HasSubstr("storag"));
}

TEST_F(DiagnoseTest, ExpiredCertificateFails) {
  namespace d = http::testing::detail;
  EVP_PKEY* key = d::NewKey();
  X509* cert = d::Issue(key, "expired", nullptr, key, false, "DNS:localhost", 99);
  X509_gmtime_adj(X509_getm_notBefore(cert), -7200);
  X509_gmtime_adj(X509_getm_notAfter(cert), -3600);
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  std::string cert_path = d::WriteCert(dir_ + "/expired.pem", cert);
  std::string key_path = d::WriteKey(dir_ + "/expired-key.pem", key);
  X509_free(cert);
  EVP_PKEY_free(key);
  EXPECT_EQ(Run(Write(Config(cert_path, key_path))), 1);
  EXPECT_THAT(out_.str(), HasSubstr("[ failure ] Check Listener TLS: The certificate in " +
                                    cert_path + " has expired.\n"));
}

TEST_F(DiagnoseTest, MismatchedKeyAndMissingCertificateFail) {
  EXPECT_EQ(Run(Write(Config(pki_.server_cert, pki_.other_key))), 1);
  EXPECT_THAT(out_.str(), HasSubstr("[ failure ] Check Listener TLS: "));
  EXPECT_EQ(Run(Write(Config(dir_ + "/none.pem", pki_.server_key))), 1);
  EXPECT_THAT(out_.str(), HasSubstr("[ failure ] Check Listener TLS: "));
}

TEST_F(DiagnoseTest, StorageProblemsAreReported) {
  // Open to others: a warning naming the mode.
  fs::permissions(dir_ + "/data", fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec,
                  fs::perm_options::replace);
  EXPECT_EQ(Run(Write(Config(pki_.server_cert, pki_.server_key))), 2);
  EXPECT_THAT(out_.str(), HasSubstr("[ warning ] Check Storage Folder Permissions: Storage path " +
                                    dir_ + "/data has mode 0755: group or others can access it; "
                                    "0700 is recommended.\n"));
  // A file where the directory should be: a failure, and storage is not opened.
  fs::remove_all(dir_ + "/data");
  std::ofstream(dir_ + "/data") << "x";
  EXPECT_EQ(Run(Write(Config(pki_.server_cert, pki_.server_key))), 1);
  EXPECT_THAT(out_.str(), HasSubstr("[ failure ] Check Storage Folder Permissions: Storage path " +
                                    dir_ + "/data is not a directory.\n"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("Create Storage Backend")));
  // No storage stanza at all.
  EXPECT_EQ(Run(Write("listener \"tcp\" {\n  tls_disable = true\n}\n")), 1);
  EXPECT_THAT(out_.str(), HasSubstr("[ failure ] Check Storage: No storage stanza is configured"));
  EXPECT_THAT(out_.str(), HasSubstr("[ warning ] Check Listener 127.0.0.1:8200: TLS is disabled "
                                    "in a listener config stanza.\n"));
}

TEST_F(DiagnoseTest, DisabledMlockWarnsAndJsonFormatHasTheTree) {
  EXPECT_NE(Run(Write(Config(pki_.server_cert, pki_.server_key, "disable_mlock = true\n")), "json"),
            1);
  auto parsed = json::parse(out_.str());
  const json::object& root = parsed.as_object();
  EXPECT_EQ(root.at("name"), "Arca Diagnose");
  EXPECT_EQ(root.at("status"), "warn");
  bool found = false;
  for (const auto& c : root.at("children").as_array()) {
    if (c.as_object().at("name") == "Check Memory Locking") {
      found = true;
      EXPECT_EQ(c.as_object().at("status"), "warn");
      EXPECT_THAT(std::string(c.as_object().at("warnings").as_array()[0].as_string()),
                  HasSubstr("disable_mlock is set"));
    }
  }
  EXPECT_TRUE(found) << out_.str();
}

TEST_F(DiagnoseTest, AutoSealIsBuiltAndItsKeyRoundTrips) {
  const std::string key(64, 'a');  // 32 bytes in hex
  EXPECT_NE(Run(Write(Config(pki_.server_cert, pki_.server_key,
                             "seal \"static\" {\n  current_key_id = \"k1\"\n"
                             "  current_key = \"" + key + "\"\n}\n"))),
            1)
      << out_.str();
  EXPECT_THAT(out_.str(), HasSubstr("  [ success ] Check Seal\n"));
  EXPECT_THAT(out_.str(), HasSubstr("    [ success ] Create Seal \"static\"\n"));
  EXPECT_THAT(out_.str(), HasSubstr("    [ success ] Check Seal Encryption: The seal's key (k1) "
                                    "encrypts and decrypts a test value.\n"));
  EXPECT_THAT(out_.str(), Not(HasSubstr(key)));  // the key is never printed
  // A bad option: the seal cannot be built.
  EXPECT_EQ(Run(Write(Config(pki_.server_cert, pki_.server_key,
                             "seal \"static\" {\n  current_key_id = \"k1\"\n}\n"))),
            1);
  EXPECT_THAT(out_.str(), HasSubstr("[ failure ] Create Seal \"static\": "));
  EXPECT_THAT(out_.str(), HasSubstr("current_key is required"));
}

TEST_F(DiagnoseTest, UsageErrors) {
  std::ostringstream out, err;
  EXPECT_EQ(RunDiagnose({}, out, err, false), 1);
  EXPECT_EQ(err.str(), "Must specify a configuration file using -config.\n");
  EXPECT_EQ(RunDiagnose({"-config=x", "-format=xml"}, out, err, false), 1);
  EXPECT_EQ(RunDiagnose({"-bogus"}, out, err, false), 1);
}

}  // namespace
}  // namespace arca::server
