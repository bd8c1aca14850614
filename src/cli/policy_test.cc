// `arca policy ...` against the fake client: requests, output and exit codes.
#include <cstdio>
#include <fstream>

#include "cli/cli_test_util.h"
#include "gmock/gmock.h"

namespace arca::cli {
namespace {

using testing::CliTest;
using ::testing::HasSubstr;

TEST_F(CliTest, PolicyListPrintsOneNamePerLine) {
  AddRoute("LIST sys/policies/acl", 200, R"({"data":{"keys":["default","dev","root"]}})");
  EXPECT_EQ(Run({"policy", "list"}), 0);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].method, "LIST");
  EXPECT_EQ(calls_[0].path, "sys/policies/acl");
  EXPECT_EQ(out(), "default\ndev\nroot\n");
  EXPECT_EQ(Run({"policy", "list", "-format=json"}), 0);
  EXPECT_EQ(out(), "[\n  \"default\",\n  \"dev\",\n  \"root\"\n]\n");
}

TEST_F(CliTest, PolicyListErrors) {
  EXPECT_EQ(Run({"policy", "list", "extra"}), 1);
  EXPECT_EQ(err(), "Too many arguments (expected 0, got 1)\n");
  AddRoute("LIST sys/policies/acl", 403, R"({"errors":["permission denied"]})");
  EXPECT_EQ(Run({"policy", "list"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error listing policies: Error making API request."));
  EXPECT_THAT(err(), HasSubstr("* permission denied"));
}

TEST_F(CliTest, PolicyReadPrintsTrimmedText) {
  AddRoute(
      "GET sys/policies/acl/dev", 200,
      R"({"data":{"name":"dev","policy":"\npath \"secret/*\" {\n  capabilities = [\"read\"]\n}\n\n"}})");
  EXPECT_EQ(Run({"policy", "read", " Dev "}), 0);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].method, "GET");
  EXPECT_EQ(calls_[0].path, "sys/policies/acl/dev");
  EXPECT_EQ(out(), "path \"secret/*\" {\n  capabilities = [\"read\"]\n}\n");
  EXPECT_EQ(Run({"policy", "read", "-format=json", "dev"}), 0);
  auto v = ParseJson(out());
  ASSERT_TRUE(v) << out();
  EXPECT_EQ(v->at("policy").as_string(),
            "\npath \"secret/*\" {\n  capabilities = [\"read\"]\n}\n\n");
}

TEST_F(CliTest, PolicyReadMissingAndErrors) {
  EXPECT_EQ(Run({"policy", "read", "nope"}), 2);
  EXPECT_EQ(err(), "No policy named: nope\n");
  EXPECT_EQ(Run({"policy", "read"}), 1);
  EXPECT_EQ(err(), "Not enough arguments (expected 1, got 0)\n");
  AddRoute("GET sys/policies/acl/x", 500, R"({"errors":["boom"]})");
  EXPECT_EQ(Run({"policy", "read", "x"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error reading policy named x: "));
}

TEST_F(CliTest, PolicyWriteFromStdinAndFile) {
  AddRoute("PUT sys/policies/acl/dev", 204, "");
  EXPECT_EQ(Run({"policy", "write", "Dev", "-"}, "path \"a\" { capabilities = [\"read\"] }\n"), 0);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].method, "PUT");
  EXPECT_EQ(calls_[0].path, "sys/policies/acl/dev");
  EXPECT_EQ(calls_[0].body, R"({"policy":"path \"a\" { capabilities = [\"read\"] }\n"})");
  EXPECT_EQ(out(), "Success! Uploaded policy: dev\n");

  std::string file = ::testing::TempDir() + "policy_write_test.hcl";
  {
    std::ofstream f(file);
    f << "path \"b\" {}";
  }
  EXPECT_EQ(Run({"policy", "write", "dev", file}), 0);
  EXPECT_EQ(calls_.back().body, R"({"policy":"path \"b\" {}"})");
  std::remove(file.c_str());
}

TEST_F(CliTest, PolicyWriteErrors) {
  EXPECT_EQ(Run({"policy", "write", "dev"}), 1);
  EXPECT_EQ(err(), "Not enough arguments (expected 2, got 1)\n");
  EXPECT_EQ(Run({"policy", "write", "dev", "/nonexistent/dir/p.hcl"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error opening policy file"));
  EXPECT_TRUE(calls_.empty());
  AddRoute("PUT sys/policies/acl/dev", 400, R"({"errors":["failed to parse policy"]})");
  EXPECT_EQ(Run({"policy", "write", "dev", "-"}, "garbage"), 2);
  EXPECT_THAT(err(), HasSubstr("Error uploading policy: "));
  EXPECT_THAT(err(), HasSubstr("* failed to parse policy"));
  EXPECT_EQ(out(), "");
}

TEST_F(CliTest, PolicyDelete) {
  AddRoute("DELETE sys/policies/acl/dev", 204, "");
  EXPECT_EQ(Run({"policy", "delete", "dev"}), 0);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].method, "DELETE");
  EXPECT_EQ(calls_[0].path, "sys/policies/acl/dev");
  EXPECT_EQ(out(), "Success! Deleted policy: dev\n");
  EXPECT_EQ(Run({"policy", "delete"}), 1);
  AddRoute("DELETE sys/policies/acl/root", 400, R"({"errors":["cannot delete root policy"]})");
  EXPECT_EQ(Run({"policy", "delete", "root"}), 2);
  EXPECT_THAT(err(), HasSubstr("Error deleting root: "));
}

TEST_F(CliTest, PolicyGroupIsListed) {
  EXPECT_EQ(Run({"policy"}), 1);
  EXPECT_THAT(err(), HasSubstr("    write"));
  EXPECT_EQ(Run({"-h"}), 0);
  EXPECT_THAT(out(), HasSubstr("policy"));
  EXPECT_THAT(out(), HasSubstr("token"));
  EXPECT_THAT(out(), HasSubstr("login"));
}

}  // namespace
}  // namespace arca::cli

namespace arca::cli {
namespace {

using testing::CliTest;

TEST_F(CliTest, PolicyFmtRewritesTheFileInPlace) {
  std::string file = ::testing::TempDir() + "policy_fmt_test.hcl";
  {
    std::ofstream f(file);
    f << "path \"secret/*\"{\ncapabilities=[\"read\",\"list\"]\n}\n";
  }
  EXPECT_EQ(Run({"policy", "fmt", file}), 0);
  EXPECT_EQ(out(), "Success! Formatted policy: " + file + "\n");
  EXPECT_TRUE(calls_.empty());  // no server involved
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "path \"secret/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n");
  std::remove(file.c_str());
}

TEST_F(CliTest, PolicyFmtErrorsLeaveTheFileAlone) {
  EXPECT_EQ(Run({"policy", "fmt"}), 1);
  EXPECT_EQ(err(), "Not enough arguments (expected 1, got 0)\n");
  EXPECT_EQ(Run({"policy", "fmt", "/nonexistent/p.hcl"}), 2);
  EXPECT_THAT(err(), ::testing::HasSubstr("Error opening policy file"));
  std::string file = ::testing::TempDir() + "policy_fmt_bad.hcl";
  const std::string bad = "path \"a\" {\n  capabilities = [\"read\"\n}\n";
  {
    std::ofstream f(file);
    f << bad;
  }
  EXPECT_EQ(Run({"policy", "fmt", file}), 1);
  EXPECT_THAT(err(), ::testing::HasSubstr("Error parsing policy: " + file + ":3:"));
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, bad);
  std::remove(file.c_str());
}

}  // namespace
}  // namespace arca::cli
