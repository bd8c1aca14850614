// The database engine end to end with the CLI against a dev server and real PostgreSQL and
// MariaDB servers (tests/services): the classic walkthrough, lease revocation and expiry, a
// prefix revocation, and an AppRole application whose policy only reaches creds/.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "common/json.h"
#include "integration/harness.h"
#include "services/services.h"

namespace arca::testing {
namespace {

class Database : public DevServerTest {
 protected:
  void SetUp() override {
    DevServerTest::SetUp();
    ASSERT_FALSE(HasFailure());
    pg_ = &SharedPostgres();
    ASSERT_TRUE(pg_->ok()) << pg_->error();
    pg_->Sql("CREATE TABLE IF NOT EXISTS orders(id int); INSERT INTO orders VALUES (1);");
    Ok({"secrets", "enable", "database"});
    Ok({"write", "database/config/pg", "plugin_name=postgresql-database-plugin",
        "connection_url=postgresql://{{username}}:{{password}}@127.0.0.1:" + std::to_string(pg_->port()) +
            "/postgres?sslmode=disable",
        "username=" + pg_->admin_user(), "password=" + pg_->admin_password(), "allowed_roles=ro,short"});
    Ok({"write", "database/roles/ro", "db_name=pg",
        "creation_statements=CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL "
        "'{{expiration}}'; GRANT SELECT ON orders TO \"{{name}}\";",
        "default_ttl=1h", "max_ttl=24h"});
  }
  json::object Json(const std::string& out) {
    auto o = ParseJsonObject(out);
    EXPECT_TRUE(o) << out;
    return o ? *o : json::object{};
  }
  int RoleCount(const std::string& user) {
    std::string out;
    pg_->Sql("SELECT count(*) FROM pg_roles WHERE rolname = '" + user + "'", &out);
    return std::atoi(out.c_str());
  }
  // `lease revoke` queues the revocation (as Vault does): wait until `done` or ~10 s.
  static bool Eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 100; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
  }
  DatabaseServer* pg_ = nullptr;
};

TEST_F(Database, WalkthroughRevokeExpiryAndPrefix) {
  auto creds = Json(Ok({"read", "-format=json", "database/creds/ro"}));
  const std::string lease(creds["lease_id"].as_string());
  EXPECT_TRUE(lease.starts_with("database/creds/ro/")) << lease;
  EXPECT_EQ(creds["lease_duration"].as_int64(), 3600);
  auto data = creds["data"].as_object();
  const std::string user(data["username"].as_string()), pass(data["password"].as_string());
  std::string out;
  EXPECT_EQ(pg_->SqlAs(user, pass, "SELECT count(*) FROM orders", &out), 0) << out;
  EXPECT_NE(pg_->SqlAs(user, pass, "INSERT INTO orders VALUES (9)", &out), 0);

  // The secret is readable, the config never shows the password.
  auto cfg = Ok({"read", "-format=json", "database/config/pg"});
  EXPECT_EQ(cfg.find(pg_->admin_password()), std::string::npos);

  Ok({"lease", "revoke", lease});
  EXPECT_TRUE(Eventually([&] { return RoleCount(user) == 0; }));
  EXPECT_NE(pg_->SqlAs(user, pass, "SELECT 1"), 0);

  // A 2-second TTL: the user disappears on its own.
  Ok({"write", "database/roles/short", "db_name=pg",
      "creation_statements=CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';", "default_ttl=2s",
      "max_ttl=2s"});
  auto short_creds = Json(Ok({"read", "-format=json", "database/creds/short"}));
  const std::string short_user(short_creds["data"].as_object()["username"].as_string());
  EXPECT_EQ(RoleCount(short_user), 1);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    gone = RoleCount(short_user) == 0;
  }
  EXPECT_TRUE(gone) << short_user << " still exists after its lease expired";

  // Revoke by prefix removes every user of the role.
  std::vector<std::string> users;
  for (int i = 0; i < 3; ++i) {
    users.emplace_back(Json(Ok({"read", "-format=json", "database/creds/ro"}))["data"].as_object()["username"].as_string());
  }
  for (const auto& u : users) EXPECT_EQ(RoleCount(u), 1);
  Ok({"lease", "revoke", "-prefix", "database/creds/ro"});
  for (const auto& u : users) EXPECT_TRUE(Eventually([&] { return RoleCount(u) == 0; })) << u;
}

TEST_F(Database, AppRoleApplicationReadsOnlyCreds) {
  auto policy = Cli({"policy", "write", "db-app", "-"}, "root",
                    "path \"database/creds/ro\" { capabilities = [\"read\"] }\n");
  ASSERT_EQ(policy.exit_code, 0) << policy.err;
  Ok({"auth", "enable", "approle"});
  Ok({"write", "auth/approle/role/app", "token_policies=db-app", "token_ttl=1h"});
  std::string role_id = Ok({"read", "-field=role_id", "auth/approle/role/app/role-id"});
  std::string secret_id = Ok({"write", "-f", "-field=secret_id", "auth/approle/role/app/secret-id"});
  std::string token = Ok({"write", "-field=token", "auth/approle/login", "role_id=" + role_id, "secret_id=" + secret_id});
  ASSERT_FALSE(token.empty());
  auto creds = Cli({"read", "-format=json", "database/creds/ro"}, token);
  EXPECT_EQ(creds.exit_code, 0) << creds.err;
  auto config = Cli({"read", "database/config/pg"}, token);
  EXPECT_NE(config.exit_code, 0);
  EXPECT_NE(config.err.find("permission denied"), std::string::npos) << config.err;
  auto raw = RawHttp(port_, "GET", "/v1/database/config/pg", "", {{"X-Vault-Token", token}});
  EXPECT_EQ(raw.status, 403);
}

TEST_F(Database, MariaDbWalkthrough) {
  DatabaseServer& my = SharedMariaDb();
  ASSERT_TRUE(my.ok()) << my.error();
  my.Sql("CREATE DATABASE IF NOT EXISTS shop; CREATE TABLE IF NOT EXISTS shop.items(id int);");
  Ok({"write", "database/config/maria", "plugin_name=mysql-database-plugin",
      "connection_url={{username}}:{{password}}@tcp(127.0.0.1:" + std::to_string(my.port()) + ")/",
      "username=" + my.admin_user(), "password=" + my.admin_password(), "allowed_roles=shop-ro"});
  Ok({"write", "database/roles/shop-ro", "db_name=maria",
      "creation_statements=CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON shop.* TO '{{name}}'@'%';",
      "default_ttl=1h"});
  auto creds = Json(Ok({"read", "-format=json", "database/creds/shop-ro"}));
  auto data = creds["data"].as_object();
  const std::string user(data["username"].as_string()), pass(data["password"].as_string());
  EXPECT_EQ(my.SqlAs(user, pass, "SELECT count(*) FROM shop.items"), 0);
  EXPECT_NE(my.SqlAs(user, pass, "INSERT INTO shop.items VALUES (1)"), 0);
  Ok({"lease", "revoke", std::string(creds["lease_id"].as_string())});
  EXPECT_TRUE(Eventually([&] { return my.SqlAs(user, pass, "SELECT 1") != 0; }));
  // Bad input over HTTP: unknown plugin and unreachable host are 400s naming the problem.
  auto unknown = RawHttp(port_, "POST", "/v1/database/config/x", R"({"plugin_name":"redis-nope","connection_url":"x"})",
                         {{"X-Vault-Token", "root"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("redis-nope"), std::string::npos) << unknown.body;
  auto down = RawHttp(port_, "POST", "/v1/database/config/down",
                      R"({"plugin_name":"mysql-database-plugin","connection_url":"{{username}}:{{password}}@tcp(127.0.0.1:)" +
                          std::to_string(FreeTcpPort()) + R"()/","username":"u","password":"topsecret-pw"})",
                      {{"X-Vault-Token", "root"}});
  EXPECT_EQ(down.status, 400);
  EXPECT_EQ(down.body.find("topsecret-pw"), std::string::npos);
}

}  // namespace
}  // namespace arca::testing
