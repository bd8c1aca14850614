// Auth methods end to end with the CLI, as a platform team uses them: userpass for people,
// AppRole for machines (with a wrapped secret ID).
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

using AuthMethods = DevServerTest;

TEST_F(AuthMethods, UserpassLoginThenPolicyGrantsAccess) {
  Ok({"kv", "put", "secret/team/db", "password=s3cret"});
  Ok({"auth", "enable", "userpass"});
  EXPECT_NE(Ok({"auth", "list"}).find("userpass/"), std::string::npos);
  Ok({"write", "auth/userpass/users/alice", "password=correct horse", "token_ttl=1h"});
  std::string token = Ok({"login", "-method=userpass", "-token-only", "username=alice",
                          "password=correct horse"});
  ASSERT_TRUE(token.starts_with("hvs.")) << token;
  auto denied = Cli({"kv", "get", "secret/team/db"}, token);
  EXPECT_EQ(denied.exit_code, 2);
  // No access under the mount: the CLI's preflight (sys/internal/ui/mounts/...) is refused
  // first, with Vault's message.
  EXPECT_NE(denied.err.find("preflight capability check returned 403"), std::string::npos)
      << denied.err;

  std::string policy = dir_.File("team.hcl");
  {
    std::ofstream f(policy);
    f << R"(path "secret/data/team/*" { capabilities = ["read"] })" << "\n";
  }
  Ok({"policy", "write", "team-read", policy});
  Ok({"write", "auth/userpass/users/alice/policies", "token_policies=team-read"});
  std::string token2 = Ok({"login", "-method=userpass", "-token-only", "username=alice",
                           "password=correct horse"});
  EXPECT_EQ(Ok({"kv", "get", "-field=password", "secret/team/db"}, token2), "s3cret");
  std::string self = Ok({"token", "lookup", "-format=json"}, token2);
  auto sj = ParseJsonObject(self);
  ASSERT_TRUE(sj) << self;
  int64_t ttl = sj->at("data").as_object().at("ttl").as_int64();
  EXPECT_GT(ttl, 3500);
  EXPECT_LE(ttl, 3600);

  // Wrong password and unknown user: the same answer.
  auto wrong = Cli({"login", "-method=userpass", "username=alice", "password=nope"}, "");
  auto unknown = Cli({"login", "-method=userpass", "username=bob", "password=nope"}, "");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(wrong.err.find("invalid username or password"), std::string::npos) << wrong.err;
  EXPECT_NE(unknown.err.find("invalid username or password"), std::string::npos) << unknown.err;
}

TEST_F(AuthMethods, LockedUsersAreListedAndUnlocked) {
  Ok({"auth", "enable", "userpass"});
  Ok({"write", "auth/userpass/users/carol", "password=right"});
  // Vault's way: the mount's user_lockout_config, set by a tune.
  auto tune = RawHttp(port_, "POST", "/v1/sys/auth/userpass/tune",
                      R"({"user_lockout_config": {"lockout_threshold": "2", "lockout_duration": "1h"}})",
                      {{"X-Vault-Token", root_}});
  ASSERT_EQ(tune.status, 204) << tune.body;
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(Cli({"login", "-method=userpass", "username=carol", "password=wrong"}, "").exit_code, 0);
  }
  // Locked: even the right password is refused.
  auto locked = Cli({"login", "-method=userpass", "username=carol", "password=right"}, "");
  EXPECT_NE(locked.exit_code, 0);
  auto auths = ParseJsonObject(Ok({"auth", "list", "-format=json"}));
  ASSERT_TRUE(auths);
  std::string accessor(auths->at("userpass/").as_object().at("accessor").as_string());
  auto listed = ParseJsonObject(Ok({"read", "-format=json", "sys/locked-users"}));
  ASSERT_TRUE(listed);
  const auto& data = listed->at("data").as_object();
  EXPECT_EQ(data.at("total").to_number<int64_t>(), 1) << json::serialize(data);
  const std::string dump = json::serialize(data);
  EXPECT_NE(dump.find(accessor), std::string::npos) << dump;
  EXPECT_NE(dump.find("carol"), std::string::npos) << dump;
  // Bad input: an unknown accessor is refused.
  auto bad = Cli({"write", "-f", "sys/locked-users/auth_userpass_nope/unlock/carol"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  Ok({"write", "-f", "sys/locked-users/" + accessor + "/unlock/carol"});
  auto after = ParseJsonObject(Ok({"read", "-format=json", "sys/locked-users"}));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->at("data").as_object().at("total").to_number<int64_t>(), 0);
  EXPECT_FALSE(Ok({"login", "-method=userpass", "-token-only", "username=carol",
                   "password=right"}).empty());
  // A default-policy token may not read it.
  std::string limited = Ok({"token", "create", "-policy=default", "-field=token"});
  EXPECT_EQ(Cli({"read", "sys/locked-users"}, limited).exit_code, 2);

  // The CLI's auth tune flags set the same settings.
  Ok({"auth", "tune", "-user-lockout-threshold=7", "-user-lockout-duration=10m",
      "-user-lockout-disable=false", "userpass/"});
  auto tuned = ParseJsonObject(Ok({"read", "-format=json", "sys/auth/userpass/tune"}));
  ASSERT_TRUE(tuned);
  const auto& l = tuned->at("data").as_object().at("user_lockout_config").as_object();
  EXPECT_EQ(l.at("lockout_threshold").as_string(), "7");
  EXPECT_EQ(l.at("lockout_duration").as_string(), "600s");
  EXPECT_FALSE(l.at("lockout_disable").as_bool());
  auto bad_tune = Cli({"auth", "tune", "-user-lockout-duration=soon", "userpass/"});
  EXPECT_NE(bad_tune.exit_code, 0);
  EXPECT_NE(bad_tune.err.find("user-lockout-duration"), std::string::npos) << bad_tune.err;
}

TEST_F(AuthMethods, ApproleWithWrappedSecretId) {
  Ok({"kv", "put", "secret/app/config", "url=https://db"});
  std::string policy = dir_.File("app.hcl");
  {
    std::ofstream f(policy);
    f << R"(path "secret/data/app/*" { capabilities = ["read"] })" << "\n";
  }
  Ok({"policy", "write", "app-read", policy});
  Ok({"auth", "enable", "approle"});
  Ok({"write", "auth/approle/role/my-app", "secret_id_ttl=24h", "token_ttl=1h",
      "token_policies=app-read"});
  std::string role_id = Ok({"read", "-field=role_id", "auth/approle/role/my-app/role-id"});
  ASSERT_FALSE(role_id.empty());
  std::string wrapping = Ok({"write", "-wrap-ttl=60s", "-field=wrapping_token", "-f",
                             "auth/approle/role/my-app/secret-id"});
  ASSERT_TRUE(wrapping.starts_with("hvs.")) << wrapping;
  std::string secret_id = Ok({"unwrap", "-field=secret_id", wrapping});
  ASSERT_FALSE(secret_id.empty());
  std::string token = Ok({"write", "-field=token", "auth/approle/login", "role_id=" + role_id,
                          "secret_id=" + secret_id});
  ASSERT_TRUE(token.starts_with("hvs.")) << token;
  EXPECT_EQ(Ok({"kv", "get", "-field=url", "secret/app/config"}, token), "https://db");

  // A secret ID with one use works once.
  std::string once = Ok({"write", "-field=secret_id", "auth/approle/role/my-app/secret-id",
                         "num_uses=1"});
  Ok({"write", "-field=token", "auth/approle/login", "role_id=" + role_id, "secret_id=" + once});
  auto second = Cli({"write", "auth/approle/login", "role_id=" + role_id, "secret_id=" + once}, "");
  EXPECT_EQ(second.exit_code, 2) << second.out;
}

}  // namespace
}  // namespace arca::testing
