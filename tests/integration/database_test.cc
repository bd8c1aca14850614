// The database secrets engine end to end: a real `arca server -dev` driven by the CLI against
// real PostgreSQL and MariaDB servers (tests/services), with the issued users checked by
// logging in through the databases' own command-line clients.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "common/json.h"
#include "integration/harness.h"
#include "services/services.h"

namespace arca::testing {
namespace {

class DatabaseWalkthrough : public DevServerTest {
 protected:
  // `arca read -format=json <path>`: the lease id and the data's username/password.
  struct Creds {
    std::string lease_id, username, password;
  };
  Creds Read(const std::string& path, const std::optional<std::string>& token = std::nullopt) {
    Creds c;
    auto r = Cli({"read", "-format=json", path}, token);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    auto o = ParseJsonObject(r.out);
    if (!o) return c;
    if (auto* v = o->if_contains("lease_id"); v && v->is_string()) c.lease_id = v->as_string();
    if (auto* d = o->if_contains("data"); d && d->is_object()) {
      const auto& data = d->as_object();
      if (auto* u = data.if_contains("username"); u && u->is_string()) c.username = u->as_string();
      if (auto* p = data.if_contains("password"); p && p->is_string()) c.password = p->as_string();
    }
    return c;
  }
  // Polls until `pred` holds or `timeout` passes.
  template <typename Pred>
  static bool Eventually(Pred pred, std::chrono::seconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return pred();
  }
  static int RoleCount(const DatabaseServer& db, const std::string& user) {
    std::string out;
    db.Sql("SELECT count(*) FROM pg_roles WHERE rolname = '" + user + "'", &out);
    return std::atoi(out.c_str());
  }
};

TEST_F(DatabaseWalkthrough, PostgresClassic) {
  DatabaseServer& db = SharedPostgres();
  ASSERT_TRUE(db.ok()) << db.error();
  db.Sql("CREATE TABLE IF NOT EXISTS walk(id int); INSERT INTO walk VALUES (1);");
  Ok({"secrets", "enable", "database"});
  Ok({"write", "database/config/pg", "plugin_name=postgresql-database-plugin",
      "connection_url=postgresql://{{username}}:{{password}}@127.0.0.1:" +
          std::to_string(db.port()) + "/postgres?sslmode=disable",
      "username=" + db.admin_user(), "password=" + db.admin_password(), "allowed_roles=ro,short"});
  const std::string create =
      "creation_statements=CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL "
      "'{{expiration}}'; GRANT SELECT ON walk TO \"{{name}}\";";
  Ok({"write", "database/roles/ro", "db_name=pg", create, "default_ttl=1h", "max_ttl=24h"});

  Creds c = Read("database/creds/ro");
  ASSERT_FALSE(c.username.empty());
  EXPECT_TRUE(c.lease_id.starts_with("database/creds/ro/")) << c.lease_id;
  std::string out;
  EXPECT_EQ(db.SqlAs(c.username, c.password, "SELECT count(*) FROM walk", &out), 0) << out;
  EXPECT_NE(db.SqlAs(c.username, c.password, "INSERT INTO walk VALUES (2)"), 0);
  // `lease revoke` queues the revocation (as Vault's CLI does without -sync).
  Ok({"lease", "revoke", c.lease_id});
  EXPECT_TRUE(Eventually([&] { return RoleCount(db, c.username) == 0; }, std::chrono::seconds(10)));
  EXPECT_NE(db.SqlAs(c.username, c.password, "SELECT 1"), 0);

  // A 2-second lease expires on its own and the user disappears.
  Ok({"write", "database/roles/short", "db_name=pg", create, "default_ttl=2s", "max_ttl=1h"});
  Creds s = Read("database/creds/short");
  ASSERT_EQ(RoleCount(db, s.username), 1);
  EXPECT_TRUE(Eventually([&] { return RoleCount(db, s.username) == 0; }, std::chrono::seconds(20)))
      << s.username << " still exists\n"
      << server_->Log();

  // Revoke by prefix removes all of a role's users.
  Creds a = Read("database/creds/ro");
  Creds b = Read("database/creds/ro");
  ASSERT_EQ(RoleCount(db, a.username) + RoleCount(db, b.username), 2);
  Ok({"lease", "revoke", "-prefix", "database/creds/ro"});
  EXPECT_TRUE(Eventually([&] { return RoleCount(db, a.username) + RoleCount(db, b.username) == 0; },
                         std::chrono::seconds(10)));

  // An AppRole token whose policy grants only database/creds/ro.
  std::string policy = dir_.File("db.hcl");
  {
    std::ofstream f(policy);
    f << R"(path "database/creds/ro" { capabilities = ["read"] })"
      << "\n";
  }
  Ok({"policy", "write", "db-ro", policy});
  Ok({"auth", "enable", "approle"});
  Ok({"write", "auth/approle/role/app", "token_policies=db-ro", "token_ttl=1h"});
  std::string role_id = Ok({"read", "-field=role_id", "auth/approle/role/app/role-id"});
  std::string secret_id =
      Ok({"write", "-f", "-field=secret_id", "auth/approle/role/app/secret-id"});
  std::string token = Ok({"write", "-field=token", "auth/approle/login", "role_id=" + role_id,
                          "secret_id=" + secret_id});
  ASSERT_FALSE(token.empty());
  Creds t = Read("database/creds/ro", token);
  EXPECT_EQ(db.SqlAs(t.username, t.password, "SELECT 1"), 0);
  auto denied = Cli({"read", "database/config/pg"}, token);
  EXPECT_EQ(denied.exit_code, 2);
  EXPECT_NE((denied.out + denied.err).find("403"), std::string::npos) << denied.out << denied.err;
  // The config read by root shows no password.
  std::string cfg = Ok({"read", "-format=json", "database/config/pg"});
  EXPECT_EQ(cfg.find(db.admin_password()), std::string::npos);
}

TEST_F(DatabaseWalkthrough, MariaDb) {
  DatabaseServer& db = SharedMariaDb();
  ASSERT_TRUE(db.ok()) << db.error();
  Ok({"secrets", "enable", "database"});
  Ok({"write", "database/config/my", "plugin_name=mysql-database-plugin",
      "connection_url={{username}}:{{password}}@tcp(127.0.0.1:" + std::to_string(db.port()) + ")/",
      "username=" + db.admin_user(), "password=" + db.admin_password(), "allowed_roles=*"});
  Ok({"write", "database/roles/app", "db_name=my",
      "creation_statements=CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT "
      "ON "
      "*.* TO '{{name}}'@'%';",
      "default_ttl=1h"});
  Creds c = Read("database/creds/app");
  ASSERT_FALSE(c.username.empty());
  EXPECT_LE(c.username.size(), 32u);
  EXPECT_EQ(db.SqlAs(c.username, c.password, "SELECT 1"), 0);
  Ok({"lease", "revoke", "-sync", c.lease_id});
  EXPECT_NE(db.SqlAs(c.username, c.password, "SELECT 1"), 0);
  // A closed port (held by this test, so nobody listens there): a clear error naming the
  // connection, and the server keeps answering.
  ClosedPort closed;
  auto bad = Cli({"write", "database/config/down", "plugin_name=mysql-database-plugin",
                  "connection_url={{username}}:{{password}}@tcp(127.0.0.1:" +
                      std::to_string(closed.port()) + ")/",
                  "username=root", "password=hunter2-secret", "allowed_roles=*"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("down"), std::string::npos) << bad.err;
  EXPECT_EQ((bad.out + bad.err).find("hunter2-secret"), std::string::npos);
  Ok({"read", "database/roles/app"});
}

}  // namespace
}  // namespace arca::testing
