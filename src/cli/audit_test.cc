// `arca audit ...` against the fake client.
#include "cli/cli_test_util.h"
#include "gmock/gmock.h"

namespace arca::cli {
namespace {

using testing::CliTest;
using ::testing::HasSubstr;

TEST_F(CliTest, AuditEnableDisableList) {
  AddRoute("PUT sys/audit/file/", 204, "");
  EXPECT_EQ(Run({"audit", "enable", "file", "file_path=/var/log/arca.log", "mode=0640"}), 0);
  EXPECT_EQ(calls_.back().path, "sys/audit/file/");
  EXPECT_EQ(calls_.back().body,
            R"({"type":"file","description":"","options":{"file_path":"/var/log/arca.log","mode":"0640"},"local":false})");
  EXPECT_EQ(out(), "Success! Enabled the file audit device at: file/\n");
  AddRoute("PUT sys/audit/other/", 204, "");
  EXPECT_EQ(Run({"audit", "enable", "-path=other", "-description=d", "file", "file_path=stdout"}),
            0);
  EXPECT_EQ(calls_.back().path, "sys/audit/other/");

  AddRoute("GET sys/audit", 200,
           R"({"data":{"file/":{"type":"file","description":"","local":false,
               "options":{"file_path":"/var/log/arca.log"}}}})");
  EXPECT_EQ(Run({"audit", "list"}), 0);
  EXPECT_THAT(out(), HasSubstr("Path     Type    Description\n"));
  EXPECT_THAT(out(), HasSubstr("file/    file"));
  EXPECT_EQ(Run({"audit", "list", "-detailed"}), 0);
  EXPECT_THAT(out(), HasSubstr("replicated"));
  EXPECT_THAT(out(), HasSubstr("file/    file    n/a            replicated     file_path=/var/log/arca.log\n"));
  EXPECT_THAT(out(), ::testing::Not(HasSubstr("map[")));

  AddRoute("DELETE sys/audit/file/", 204, "");
  EXPECT_EQ(Run({"audit", "disable", "file"}), 0);
  EXPECT_EQ(out(), "Success! Disabled audit device (if it was enabled) at: file/\n");
}

TEST_F(CliTest, AuditErrors) {
  EXPECT_EQ(Run({"audit", "enable"}), 1);
  EXPECT_THAT(err(), HasSubstr("audit type missing"));
  EXPECT_EQ(Run({"audit", "enable", "file", "novalue"}), 1);
  EXPECT_EQ(Run({"audit", "disable"}), 1);
  EXPECT_TRUE(calls_.empty());
  AddRoute("GET sys/audit", 200, R"({"data":{}})");
  EXPECT_EQ(Run({"audit", "list"}), 2);
  EXPECT_EQ(out(), "No audit devices are enabled.\n");
  AddRoute("PUT sys/audit/file/", 400, R"({"errors":["file_path is required"]})");
  EXPECT_EQ(Run({"audit", "enable", "file"}), 2);
  EXPECT_THAT(err(), HasSubstr("* file_path is required"));
}

}  // namespace
}  // namespace arca::cli

namespace arca::cli {
namespace {

using testing::CliTest;
using ::testing::HasSubstr;

TEST_F(CliTest, AuthEnableListTuneDisable) {
  AddRoute("POST sys/auth/userpass/", 204, "");
  EXPECT_EQ(Run({"auth", "enable", "userpass"}), 0);
  EXPECT_EQ(calls_.back().path, "sys/auth/userpass/");
  EXPECT_THAT(calls_.back().body, HasSubstr(R"("type":"userpass")"));
  EXPECT_EQ(out(), "Success! Enabled userpass auth method at: userpass/\n");
  AddRoute("POST sys/auth/people/", 204, "");
  EXPECT_EQ(Run({"auth", "enable", "-path=people", "userpass"}), 0);
  EXPECT_EQ(calls_.back().path, "sys/auth/people/");

  AddRoute("GET sys/auth", 200,
           R"({"data":{"token/":{"type":"token","accessor":"auth_token_1","description":"token"},
               "userpass/":{"type":"userpass","accessor":"auth_userpass_2","description":""}}})");
  EXPECT_EQ(Run({"auth", "list"}), 0);
  EXPECT_THAT(out(), HasSubstr("userpass/    userpass    auth_userpass_2"));

  AddRoute("POST sys/auth/userpass/tune", 204, "");
  EXPECT_EQ(Run({"auth", "tune", "-default-lease-ttl=1h", "userpass"}), 0);
  EXPECT_EQ(out(), "Success! Tuned the auth method at: userpass/\n");

  AddRoute("DELETE sys/auth/userpass/", 204, "");
  EXPECT_EQ(Run({"auth", "disable", "userpass"}), 0);
  EXPECT_EQ(out(), "Success! Disabled the auth method (if it existed) at: userpass/\n");
  EXPECT_EQ(Run({"auth", "disable"}), 1);
}

}  // namespace
}  // namespace arca::cli
