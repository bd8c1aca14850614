// The vault-CLI habits of issue 17 against a real dev server: bodies from files, patch methods,
// requests printed instead of sent, raw reads, mount moves, the plugin catalog, group help,
// refused namespaces and clear errors where Vault's CLI gives them.
#include <gtest/gtest.h>

#include <fstream>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

using CliParity = DevServerTest;

TEST_F(CliParity, BodiesFromFilesAndStdin) {
  std::string body = dir_.File("body.json");
  std::ofstream(body) << R"({"user": "app", "password": "s3cr3t"})";
  Ok({"kv", "put", "secret/app", "@" + body});
  EXPECT_EQ(Ok({"kv", "get", "-field=password", "secret/app"}), "s3cr3t");
  auto piped = Cli({"write", "sys/policies/acl/reader", "-"}, root_,
                   R"({"policy": "path \"secret/data/*\" { capabilities = [\"read\"] }"})");
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_NE(Ok({"policy", "read", "reader"}).find("secret/data/*"), std::string::npos);
  auto missing = Cli({"kv", "put", "secret/app", "@" + dir_.File("nope.json")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("error reading file"), std::string::npos) << missing.err;
}

TEST_F(CliParity, PatchMethodsAndRemoveData) {
  Ok({"kv", "put", "secret/cfg", "a=1", "b=2", "c=3"});
  Ok({"kv", "patch", "-method=rw", "-remove-data=c", "secret/cfg", "a=9"});
  auto got = ParseJsonObject(Ok({"kv", "get", "-format=json", "secret/cfg"}));
  ASSERT_TRUE(got);
  const json::object& data = got->at("data").at("data").as_object();
  EXPECT_EQ(json::serialize(data), R"({"a":"9","b":"2"})");
  EXPECT_EQ(got->at("data").at("metadata").at("version").as_int64(), 2);
  Ok({"kv", "patch", "-method=patch", "-remove-data=b", "secret/cfg"});
  auto patched = ParseJsonObject(Ok({"kv", "get", "-format=json", "secret/cfg"}));
  ASSERT_TRUE(patched);
  EXPECT_EQ(json::serialize(patched->at("data").at("data")), R"({"a":"9"})");
}

TEST_F(CliParity, OutputCurlStringAndPolicySendNothing) {
  std::string curl = Ok({"kv", "put", "-output-curl-string", "secret/never", "x=1"});
  EXPECT_EQ(curl.rfind("curl -X PUT ", 0), 0u) << curl;
  EXPECT_NE(curl.find("/v1/secret/data/never"), std::string::npos) << curl;
  EXPECT_NE(curl.find("$(arca print token)"), std::string::npos) << curl;
  auto absent = Cli({"kv", "get", "secret/never"});
  EXPECT_EQ(absent.exit_code, 2) << "the write must not have been sent";
  EXPECT_EQ(Ok({"read", "-output-policy", "secret/data/never"}),
            "path \"secret/data/never\" {\n  capabilities = [\"read\"]\n}\n");
}

TEST_F(CliParity, ReadFormatRawAndVersion) {
  std::string raw = Ok({"read", "-format=raw", "sys/health"});
  auto health = ParseJsonObject(raw);
  ASSERT_TRUE(health) << raw;
  EXPECT_FALSE(health->at("sealed").as_bool());
  EXPECT_NE(raw.back(), '\n');  // the body as sent
  std::string version = Ok({"version"});
  EXPECT_EQ(version.rfind("Arca v", 0), 0u) << version;
  EXPECT_NE(version.find("), built "), std::string::npos) << version;
}

TEST_F(CliParity, SecretsMoveKeepsTheData) {
  Ok({"secrets", "enable", "-path=old", "-version=2", "kv"});
  Ok({"kv", "put", "old/k", "v=moved"});
  std::string out = Ok({"secrets", "move", "old", "new"});
  EXPECT_NE(out.find("Success! Finished moving secrets engine old/ to new/"), std::string::npos)
      << out;
  EXPECT_EQ(Ok({"kv", "get", "-field=v", "new/k"}), "moved");
  EXPECT_NE(Cli({"kv", "get", "old/k"}).exit_code, 0);
  auto bad = Cli({"secrets", "move", "sys", "elsewhere"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("Error moving secrets engine sys/"), std::string::npos) << bad.err;
}

TEST_F(CliParity, PluginCatalogAndVersionHistory) {
  std::string list = Ok({"plugin", "list", "secret"});
  EXPECT_EQ(list.rfind("Name ", 0), 0u) << list;
  EXPECT_NE(list.find("\ntransit "), std::string::npos) << list;
  EXPECT_EQ(list.find(" auth "), std::string::npos) << list;
  EXPECT_EQ(Ok({"plugin", "info", "-field=builtin", "auth", "userpass"}), "true");
  std::string history = Ok({"version-history"});
  EXPECT_EQ(history.rfind("Version ", 0), 0u) << history;
  EXPECT_NE(history.find(ARCA_VERSION), std::string::npos) << history;
}

TEST_F(CliParity, HelpSuggestionsAndLocalErrors) {
  for (const char* group : {"audit", "auth", "lease"}) {
    auto bare = Cli({group});
    EXPECT_EQ(bare.exit_code, 1) << group;
    EXPECT_NE(bare.err.find("Subcommands:"), std::string::npos) << group << bare.err;
    auto help = Cli({group, "-h"});
    EXPECT_EQ(help.exit_code, 0) << group;
  }
  auto typo = Cli({"sercets", "list"});
  EXPECT_EQ(typo.exit_code, 127);
  EXPECT_NE(typo.err.find("Did you mean this?\n    secrets"), std::string::npos) << typo.err;
  auto method = Cli({"login", "-method=nosuch"});
  EXPECT_EQ(method.exit_code, 1);
  EXPECT_NE(method.err.find("Unknown auth method: nosuch"), std::string::npos) << method.err;
  auto ns = RunCli({"kv", "get", "secret/x"},
                   {{"VAULT_ADDR", "http://127.0.0.1:" + std::to_string(port_)},
                    {"VAULT_TOKEN", root_},
                    {"VAULT_NAMESPACE", "team-a"}});
  EXPECT_EQ(ns.exit_code, 1);
  EXPECT_NE(ns.err.find("namespace \"team-a\" is not supported"), std::string::npos) << ns.err;
  auto scheme = RunCli({"status"}, {{"VAULT_ADDR", "127.0.0.1:" + std::to_string(port_)}});
  EXPECT_EQ(scheme.exit_code, 1);
  EXPECT_NE(scheme.err.find("has no scheme"), std::string::npos) << scheme.err;
}

TEST_F(CliParity, KvGetWithoutATokenPrintsTheApiErrorBlock) {
  auto r = Cli({"kv", "get", "secret/x"}, "not-a-token");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("Error making API request.\n\nURL: GET http://127.0.0.1:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("/v1/sys/internal/ui/mounts/secret/x\nCode: 403. Errors:\n\n* "),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace arca::testing
