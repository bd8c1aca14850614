// The tokens/policies/KV v2 scenario end to end with the CLI, as a platform team runs it:
// three KV v2 mounts, versions and metadata, check-and-set, a reader policy, and what its token
// may and may not do.
#include <gtest/gtest.h>

#include <fstream>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

using CliScenario = DevServerTest;

TEST_F(CliScenario, TeamsVersionsPoliciesAndTokens) {
  for (const char* m : {"team-alpha", "team-beta", "shared"}) {
    Ok({"secrets", "enable", std::string("-path=") + m, "-version=2", "kv"});
  }
  // put / get / -version / -field.
  Ok({"kv", "put", "team-alpha/db", "user=app", "password=one"});
  Ok({"kv", "put", "team-alpha/db", "user=app", "password=two"});
  Ok({"kv", "put", "team-beta/db", "password=beta"});
  Ok({"kv", "put", "-mount=shared", "common", "motd=hello"});
  EXPECT_EQ(Ok({"kv", "get", "-field=password", "team-alpha/db"}), "two");
  EXPECT_EQ(Ok({"kv", "get", "-version=1", "-field=password", "team-alpha/db"}), "one");
  std::string table = Ok({"kv", "get", "team-alpha/db"});
  EXPECT_NE(table.find("=== Secret Path ===\nteam-alpha/data/db\n"), std::string::npos) << table;
  EXPECT_NE(table.find("version            2"), std::string::npos) << table;
  EXPECT_NE(table.find("password    two"), std::string::npos) << table;
  EXPECT_EQ(Ok({"kv", "get", "-mount=shared", "-field=motd", "common"}), "hello");

  // Versions beyond max_versions are pruned.
  Ok({"kv", "metadata", "put", "-max-versions=2", "team-alpha/db"});
  Ok({"kv", "put", "team-alpha/db", "password=three"});
  auto gone = Cli({"kv", "get", "-version=1", "team-alpha/db"});
  EXPECT_NE(gone.exit_code, 0) << gone.out;
  std::string meta = Ok({"kv", "metadata", "get", "-format=json", "team-alpha/db"});
  auto mj = ParseJsonObject(meta);
  ASSERT_TRUE(mj) << meta;
  const auto& md = mj->at("data").as_object();
  EXPECT_EQ(md.at("current_version").as_int64(), 3);
  EXPECT_EQ(md.at("max_versions").as_int64(), 2);
  EXPECT_EQ(md.at("versions").as_object().size(), 2u);

  // delete / undelete / destroy.
  // As with Vault, a deleted version shows its metadata (with the deletion time), no data.
  Ok({"kv", "delete", "team-alpha/db"});
  std::string deleted = Ok({"kv", "get", "team-alpha/db"});
  EXPECT_EQ(deleted.find("deletion_time      n/a"), std::string::npos) << deleted;
  EXPECT_EQ(deleted.find("== Data =="), std::string::npos) << deleted;
  Ok({"kv", "undelete", "-versions=3", "team-alpha/db"});
  EXPECT_EQ(Ok({"kv", "get", "-field=password", "team-alpha/db"}), "three");
  Ok({"kv", "destroy", "-versions=2", "team-alpha/db"});
  std::string destroyed = Ok({"kv", "get", "-version=2", "team-alpha/db"});
  EXPECT_NE(destroyed.find("destroyed          true"), std::string::npos) << destroyed;
  EXPECT_EQ(destroyed.find("== Data =="), std::string::npos) << destroyed;

  // Check-and-set required, then mismatched and matching.
  Ok({"kv", "metadata", "put", "-cas-required", "team-beta/db"});
  auto no_cas = Cli({"kv", "put", "team-beta/db", "password=x"});
  EXPECT_EQ(no_cas.exit_code, 2);
  EXPECT_NE(no_cas.err.find("check-and-set parameter required"), std::string::npos) << no_cas.err;
  auto bad_cas = Cli({"kv", "put", "-cas=7", "team-beta/db", "password=x"});
  EXPECT_EQ(bad_cas.exit_code, 2);
  EXPECT_NE(bad_cas.err.find("did not match the current version"), std::string::npos);
  Ok({"kv", "put", "-cas=1", "team-beta/db", "password=beta2"});
  EXPECT_EQ(Ok({"kv", "get", "-field=password", "team-beta/db"}), "beta2");

  // A reader policy for team-alpha.
  std::string policy_file = dir_.File("reader.hcl");
  {
    std::ofstream f(policy_file);
    f << "path \"team-alpha/data/*\" {\ncapabilities=[\"read\"]\n}\n"
         "path \"team-alpha/metadata/*\" { capabilities = [\"list\", \"read\"] }\n";
  }
  Ok({"policy", "fmt", policy_file});
  Ok({"policy", "write", "alpha-reader", policy_file});
  EXPECT_NE(Ok({"policy", "read", "alpha-reader"}).find("capabilities = [\"read\"]"),
            std::string::npos);
  std::string token = Ok({"token", "create", "-policy=alpha-reader", "-field=token"});
  ASSERT_FALSE(token.empty());

  EXPECT_EQ(Ok({"kv", "get", "-field=password", "team-alpha/db"}, token), "three");
  auto beta = Cli({"kv", "get", "team-beta/db"}, token);
  EXPECT_EQ(beta.exit_code, 2);
  // No access under the mount: the CLI's preflight (sys/internal/ui/mounts/...) is refused
  // first, with Vault's message.
  EXPECT_NE(beta.err.find("preflight capability check returned 403"), std::string::npos)
      << beta.err;
  auto write = Cli({"kv", "put", "team-alpha/db", "password=hacked"}, token);
  EXPECT_EQ(write.exit_code, 2);
  EXPECT_EQ(Ok({"kv", "get", "-field=password", "team-alpha/db"}), "three");  // unchanged

  // The token can look itself up and check its capabilities, but cannot create an orphan.
  std::string self = Ok({"token", "lookup", "-format=json"}, token);
  auto sj = ParseJsonObject(self);
  ASSERT_TRUE(sj) << self;
  auto policies = json::serialize(sj->at("data").as_object().at("policies"));
  EXPECT_EQ(policies, R"(["alpha-reader","default"])");
  EXPECT_EQ(Ok({"token", "capabilities", "team-alpha/data/db"}, token), "read\n");
  EXPECT_EQ(Ok({"token", "capabilities", "team-beta/data/db"}, token), "deny\n");
  auto orphan = Cli({"token", "create", "-orphan", "-policy=alpha-reader"}, token);
  EXPECT_EQ(orphan.exit_code, 2);
  EXPECT_NE(orphan.err.find("permission denied"), std::string::npos) << orphan.err;

  // The token renews itself (it has a TTL from the mount default) and is revoked.
  Ok({"token", "renew", "-increment=1h"}, token);
  Ok({"token", "revoke", "-self"}, token);
  EXPECT_EQ(Cli({"kv", "get", "team-alpha/db"}, token).exit_code, 2);
}

TEST_F(CliScenario, WrappedSecretUnwrapsOnce) {
  Ok({"kv", "put", "secret/app", "password=s3cret"});
  std::string token = Ok({"kv", "get", "-wrap-ttl=5m", "-field=wrapping_token", "secret/app"});
  ASSERT_TRUE(token.starts_with("hvs.")) << token;
  // Over HTTP, the header works the same (and the wrapped response carries no data).
  auto raw = RawHttp(port_, "GET", "/v1/secret/data/app", "",
                     {{"X-Vault-Token", root_}, {"X-Vault-Wrap-TTL", "60"}});
  ASSERT_EQ(raw.status, 200) << raw.body;
  auto body = ParseJsonObject(raw.body);
  ASSERT_TRUE(body) << raw.body;
  EXPECT_TRUE(body->at("data").is_null());
  EXPECT_EQ(body->at("wrap_info").as_object().at("creation_path").as_string(), "secret/data/app");
  EXPECT_EQ(raw.body.find("s3cret"), std::string::npos);

  std::string look = Ok({"write", "-format=json", "sys/wrapping/lookup", "token=" + token}, "");
  EXPECT_NE(look.find("secret/data/app"), std::string::npos) << look;
  EXPECT_EQ(Ok({"unwrap", "-field=data", "-format=json", token}).find("s3cret") != std::string::npos,
            true);
  auto again = Cli({"unwrap", token});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("wrapping token is not valid"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace arca::testing
