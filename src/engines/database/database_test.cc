// The database engine against real PostgreSQL and MariaDB servers started on loopback by
// tests/services (a server that does not start fails the tests).
#include "engines/database/database.h"

#include <gtest/gtest.h>

#include <thread>

#include "engines/database/plugin.h"
#include "logical/framework/framework_backend.h"
#include "logical/storage.h"
#include "services/services.h"

namespace arca::engines::database {
namespace {

using arca::testing::DatabaseServer;

class FakeSystem : public logical::SystemView {
 public:
  std::chrono::seconds DefaultLeaseTtl() const override { return std::chrono::hours(1); }
  std::chrono::seconds MaxLeaseTtl() const override { return std::chrono::hours(24); }
};

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logical::BackendConfig config;
    config.storage = &storage_;
    config.mount_path = "database/";
    config.system = &system_;
    auto b = NewDatabaseBackend(config);
    ASSERT_TRUE(b) << b.error().ToString();
    backend_ = std::move(*b);
  }
  Result<logical::Response> Do(logical::Operation op, const std::string& path,
                               json::object body = {}) {
    logical::Request req;
    req.operation = op;
    req.path = path;
    req.data = std::move(body);
    req.mount_point = "database/";
    req.storage = &storage_;
    req.display_name = "token";
    return backend_->HandleRequest(req);
  }
  json::object Write(const std::string& path, json::object body) {
    auto r = Do(logical::Operation::kUpdate, path, std::move(body));
    EXPECT_TRUE(r) << path << ": " << (r ? "" : r.error().ToString());
    return r ? r->data : json::object{};
  }
  Result<logical::Response> Lease(logical::Operation op, const logical::Response& issued,
                                  std::chrono::seconds increment = {}) {
    logical::Request req;
    req.operation = op;
    req.path = "creds/x";
    req.storage = &storage_;
    req.secret_internal = issued.secret->internal_data;
    req.renew_increment = increment;
    req.lease_issue_time = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    return backend_->HandleRequest(req);
  }
  void ExpectBad(const std::string& path, json::object body, std::string_view needle) {
    auto r = Do(logical::Operation::kUpdate, path, std::move(body));
    ASSERT_FALSE(r) << path << " unexpectedly succeeded";
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << r.error().ToString();
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().ToString();
  }

  FakeSystem system_;
  logical::InmemStorage storage_;
  std::unique_ptr<logical::Backend> backend_;
};

std::string PgUrl(const DatabaseServer& db) {
  return "postgresql://{{username}}:{{password}}@127.0.0.1:" + std::to_string(db.port()) +
         "/postgres?sslmode=disable";
}
std::string MyUrl(const DatabaseServer& db) {
  return "{{username}}:{{password}}@tcp(127.0.0.1:" + std::to_string(db.port()) + ")/";
}

TEST(DatabaseNaming, DefaultUsernameAndTemplates) {
  std::string n = DefaultUsername("token", "readonly-role", 63, 1700000000);
  EXPECT_TRUE(n.starts_with("v-token-readonly-")) << n;
  EXPECT_TRUE(n.ends_with("-1700000000")) << n;
  EXPECT_EQ(n.size(), std::string("v-token-readonly--1700000000").size() + 20);
  EXPECT_EQ(DefaultUsername("token", "readonly-role", 32, 1700000000).size(), 32u);
  EXPECT_NE(DefaultUsername("a", "b", 63, 1), DefaultUsername("a", "b", 63, 1));
  auto t = RenderUsernameTemplate(
      "app-{{.RoleName | uppercase}}-{{random 4}}-{{.DisplayName | truncate 3 | replace \"t\" "
      "\"T\"}}",
      "token", "ro", 1700000000123);
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_TRUE(t->starts_with("app-RO-")) << *t;
  EXPECT_TRUE(t->ends_with("-Tok")) << *t;
  EXPECT_EQ(*RenderUsernameTemplate("u{{unix_time}}", "a", "b", 1700000000123), "u1700000000");
  EXPECT_FALSE(RenderUsernameTemplate("{{.Nope}}", "a", "b", 0));
  EXPECT_FALSE(RenderUsernameTemplate("{{random 4", "a", "b", 0));
}

TEST(DatabaseNaming, Cron) {
  // 2023-11-14T22:13:20Z is 1700000000.
  EXPECT_EQ(*NextCronTime("* * * * *", 1700000000), 1700000040);
  EXPECT_EQ(*NextCronTime("0 * * * *", 1700000000), 1700002800);      // 23:00
  EXPECT_EQ(*NextCronTime("*/15 22 * * *", 1700000000), 1700000100);  // 22:15
  EXPECT_EQ(*NextCronTime("0 0 1 1 *", 1700000000), 1704067200);      // 2024-01-01
  EXPECT_FALSE(NextCronTime("* * * *", 0));
  EXPECT_FALSE(NextCronTime("61 * * * *", 0));
  EXPECT_FALSE(NextCronTime("a * * * *", 0));
}

TEST(DatabasePlugin, StatementSplittingAndTemplating) {
  auto parts =
      SplitStatements("CREATE ROLE \"{{name}}\"; GRANT SELECT ON t TO \"{{name}}\";; SELECT ';'");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2], "SELECT ';'");
  auto body = SplitStatements("DO $$BEGIN PERFORM 1; END$$; SELECT 2");
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0], "DO $$BEGIN PERFORM 1; END$$");
  EXPECT_EQ(
      ApplyTemplate("CREATE USER '{{ name }}' IDENTIFIED BY '{{password}}' UNTIL '{{expiration}}'",
                    {"u", "p", "e"}),
      "CREATE USER 'u' IDENTIFIED BY 'p' UNTIL 'e'");
  EXPECT_EQ(UrlEscape("p@ss:w/rd"), "p%40ss%3Aw%2Frd");
}

class Postgres : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    DatabaseServer& db = arca::testing::SharedPostgres();
    ASSERT_TRUE(db.ok()) << db.error();
    db_ = &db;
    db.Sql("CREATE TABLE IF NOT EXISTS items(id int); INSERT INTO items VALUES (1);");
    Write("config/pg", {{"plugin_name", "postgresql-database-plugin"},
                        {"connection_url", PgUrl(db)},
                        {"username", db.admin_user()},
                        {"password", db.admin_password()},
                        {"allowed_roles", "ro,static-*"}});
    Write("roles/ro",
          {{"db_name", "pg"},
           {"creation_statements", json::array{"CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD "
                                               "'{{password}}' VALID UNTIL '{{expiration}}';"
                                               " GRANT SELECT ON items TO \"{{name}}\";"}},
           {"default_ttl", "1h"},
           {"max_ttl", "24h"}});
  }
  DatabaseServer* db_ = nullptr;
};

TEST_F(Postgres, ConfigReadHidesThePassword) {
  auto r = Do(logical::Operation::kRead, "config/pg");
  ASSERT_TRUE(r);
  auto details = r->data["connection_details"].as_object();
  EXPECT_FALSE(details.contains("password"));
  EXPECT_EQ(details["username"].as_string(), db_->admin_user());
  EXPECT_EQ(r->data["plugin_name"].as_string(), "postgresql-database-plugin");
  auto list = Do(logical::Operation::kList, "config/");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data["keys"].as_array().size(), 1u);
}

TEST_F(Postgres, CredentialsLoginSelectOnlyRenewAndRevoke) {
  auto issued = Do(logical::Operation::kRead, "creds/ro");
  ASSERT_TRUE(issued) << issued.error().ToString();
  const std::string user(issued->data["username"].as_string());
  const std::string pass(issued->data["password"].as_string());
  EXPECT_TRUE(user.starts_with("v-token-ro-")) << user;
  EXPECT_LE(user.size(), 63u);
  ASSERT_TRUE(issued->secret);
  EXPECT_EQ(issued->secret->ttl, std::chrono::hours(1));
  EXPECT_FALSE(issued->secret->internal_data.contains("password"));
  std::string out;
  EXPECT_EQ(db_->SqlAs(user, pass, "SELECT count(*) FROM items", &out), 0) << out;
  EXPECT_NE(db_->SqlAs(user, pass, "INSERT INTO items VALUES (2)", &out), 0);
  EXPECT_NE(out.find("permission denied"), std::string::npos) << out;
  EXPECT_NE(db_->SqlAs(user, "wrong", "SELECT 1"), 0);

  // Renew moves VALID UNTIL.
  db_->Sql("SELECT extract(epoch from rolvaliduntil)::bigint FROM pg_roles WHERE rolname = '" +
               user + "'",
           &out);
  const int64_t before = std::atoll(out.c_str());
  auto renewed = Lease(logical::Operation::kRenew, *issued, std::chrono::hours(5));
  ASSERT_TRUE(renewed) << renewed.error().ToString();
  EXPECT_EQ(renewed->secret->ttl, std::chrono::hours(5));
  db_->Sql("SELECT extract(epoch from rolvaliduntil)::bigint FROM pg_roles WHERE rolname = '" +
               user + "'",
           &out);
  EXPECT_GT(std::atoll(out.c_str()), before + 3 * 3600) << out;

  // Revoke drops the role; the login fails.
  ASSERT_TRUE(Lease(logical::Operation::kRevoke, *issued));
  EXPECT_NE(db_->SqlAs(user, pass, "SELECT 1"), 0);
  db_->Sql("SELECT count(*) FROM pg_roles WHERE rolname = '" + user + "'", &out);
  EXPECT_EQ(std::atoi(out.c_str()), 0) << out;
}

TEST_F(Postgres, BadInput) {
  ExpectBad("config/x", {{"plugin_name", "nosql-plugin"}, {"connection_url", "x"}}, "nosql-plugin");
  // An unreachable host: the config is refused and not stored; its password is not echoed.
  auto r = Do(logical::Operation::kUpdate, "config/down",
              {{"plugin_name", "postgresql-database-plugin"},
               {"connection_url", "postgresql://{{username}}:{{password}}@127.0.0.1:" +
                                      std::to_string(arca::testing::FreeTcpPort()) + "/postgres"},
               {"username", "u"},
               {"password", "secret-password-123"},
               {"allowed_roles", "*"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(r.error().message().find("database \"down\""), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.error().message().find("secret-password-123"), std::string::npos);
  EXPECT_FALSE(storage_.Get("config/down")->has_value());
  // Not in allowed_roles.
  Write("roles/other", {{"db_name", "pg"}, {"creation_statements", "CREATE ROLE \"{{name}}\";"}});
  auto denied = Do(logical::Operation::kRead, "creds/other");
  ASSERT_FALSE(denied);
  EXPECT_NE(denied.error().message().find("other is not an allowed role"), std::string::npos);
  // Malformed statements: the database's error, and no user left behind.
  Write("roles/ro", {{"db_name", "pg"},
                     {"creation_statements",
                      json::array{"CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}'; "
                                  "GRANT SELEC ON items TO \"{{name}}\";"}}});
  std::string before;
  db_->Sql("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v-token-%'", &before);
  auto broken = Do(logical::Operation::kRead, "creds/ro");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(broken.error().message().find("unrecognized privilege type"), std::string::npos)
      << broken.error().message();
  std::string after;
  db_->Sql("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v-token-%'", &after);
  EXPECT_EQ(before, after);
  ExpectBad("roles/bad", {{"db_name", "pg"}}, "creation_statements");
  ExpectBad("roles/bad", {{"creation_statements", "x"}}, "database name");
  ExpectBad(
      "roles/bad",
      {{"db_name", "pg"}, {"creation_statements", "x"}, {"credential_type", "rsa_private_key"}},
      "unsupported");
  ExpectBad(
      "roles/bad",
      {{"db_name", "pg"}, {"creation_statements", "x"}, {"default_ttl", "2h"}, {"max_ttl", "1h"}},
      "max_ttl");
  auto unknown = Do(logical::Operation::kRead, "creds/nope");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("unknown role"), std::string::npos);
}

TEST_F(Postgres, StaticRoleRotationAndRootRotation) {
  db_->Sql(
      "DROP ROLE IF EXISTS app_static; CREATE ROLE app_static WITH LOGIN PASSWORD 'initial-pw'");
  Write("static-roles/static-app",
        {{"db_name", "pg"}, {"username", "app_static"}, {"rotation_period", "1h"}});
  auto c1 = Do(logical::Operation::kRead, "static-creds/static-app");
  ASSERT_TRUE(c1) << c1.error().ToString();
  const std::string p1(c1->data["password"].as_string());
  EXPECT_EQ(c1->data["username"].as_string(), "app_static");
  EXPECT_GT(c1->data["ttl"].as_int64(), 3500);
  EXPECT_NE(db_->SqlAs("app_static", "initial-pw", "SELECT 1"), 0);  // rotated at creation
  EXPECT_EQ(db_->SqlAs("app_static", p1, "SELECT 1"), 0);
  Write("rotate-role/static-app", {});
  const std::string p2(
      Do(logical::Operation::kRead, "static-creds/static-app")->data["password"].as_string());
  EXPECT_NE(p1, p2);
  EXPECT_NE(db_->SqlAs("app_static", p1, "SELECT 1"), 0);
  EXPECT_EQ(db_->SqlAs("app_static", p2, "SELECT 1"), 0);
  ExpectBad("static-roles/static-bad",
            {{"db_name", "pg"}, {"username", "app_static"}, {"rotation_period", "2s"}},
            "5 seconds");
  ExpectBad("static-roles/static-bad",
            {{"db_name", "pg"}, {"username", "app_static"}, {"rotation_schedule", "* *"}},
            "5 fields");
  ExpectBad("static-roles/notallowed",
            {{"db_name", "pg"}, {"username", "app_static"}, {"rotation_period", "1h"}},
            "not an allowed role");

  // rotate-root on a dedicated admin: the old password stops working, the engine keeps working.
  db_->Sql(
      "DROP ROLE IF EXISTS rootish; CREATE ROLE rootish WITH LOGIN SUPERUSER PASSWORD 'root-pw-1'");
  Write("config/pg2", {{"plugin_name", "postgresql-database-plugin"},
                       {"connection_url", PgUrl(*db_)},
                       {"username", "rootish"},
                       {"password", "root-pw-1"},
                       {"allowed_roles", "ro2"}});
  Write("roles/ro2",
        {{"db_name", "pg2"},
         {"creation_statements", "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';"}});
  Write("rotate-root/pg2", {});
  EXPECT_NE(db_->SqlAs("rootish", "root-pw-1", "SELECT 1"), 0);
  auto after = Do(logical::Operation::kRead, "creds/ro2");
  ASSERT_TRUE(after) << after.error().ToString();
  EXPECT_EQ(db_->SqlAs(std::string(after->data["username"].as_string()),
                       std::string(after->data["password"].as_string()), "SELECT 1"),
            0);
}

TEST_F(Postgres, RevokeIsIdempotentAndHandlesOwnedObjects) {
  Write("roles/ro", {{"db_name", "pg"},
                     {"creation_statements",
                      json::array{"CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';"
                                  " GRANT SELECT ON items TO \"{{name}}\"; GRANT CREATE ON SCHEMA "
                                  "public TO \"{{name}}\";"}}});
  auto issued = Do(logical::Operation::kRead, "creds/ro");
  ASSERT_TRUE(issued) << issued.error().ToString();
  const std::string user(issued->data["username"].as_string());
  const std::string pass(issued->data["password"].as_string());
  std::string out;
  // The user creates a table of its own; revocation must still drop the role.
  ASSERT_EQ(db_->SqlAs(user, pass, "CREATE TABLE owned_by_dynamic_user(id int)", &out), 0) << out;
  auto first = Lease(logical::Operation::kRevoke, *issued);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_NE(db_->SqlAs(user, pass, "SELECT 1"), 0);
  db_->Sql("SELECT count(*) FROM pg_roles WHERE rolname = '" + user + "'", &out);
  EXPECT_EQ(std::atoi(out.c_str()), 0) << out;
  db_->Sql("SELECT count(*) FROM pg_tables WHERE tablename = 'owned_by_dynamic_user'", &out);
  EXPECT_EQ(std::atoi(out.c_str()), 1) << "owned table was reassigned, not lost: " << out;
  db_->Sql("DROP TABLE owned_by_dynamic_user");
  // A retried revoke of a user that is already gone succeeds.
  auto again = Lease(logical::Operation::kRevoke, *issued);
  EXPECT_TRUE(again) << again.error().ToString();
}

TEST_F(Postgres, ListDeleteAndReset) {
  Write("roles/ro-extra",
        {{"db_name", "pg"}, {"creation_statements", "CREATE ROLE \"{{name}}\";"}});
  auto list = Do(logical::Operation::kList, "roles/");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data["keys"].as_array().size(), 2u);
  auto role = Do(logical::Operation::kRead, "roles/ro");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->data["default_ttl"].as_int64(), 3600);
  EXPECT_EQ(role->data["db_name"].as_string(), "pg");
  ASSERT_TRUE(Do(logical::Operation::kDelete, "roles/ro-extra"));
  EXPECT_TRUE(Do(logical::Operation::kRead, "roles/ro-extra")->data.empty());
  Write("reset/pg", {});
  EXPECT_TRUE(Do(logical::Operation::kRead, "creds/ro"));
  auto reset_unknown = Do(logical::Operation::kUpdate, "reset/nope");
  EXPECT_FALSE(reset_unknown);
  ASSERT_TRUE(Do(logical::Operation::kDelete, "config/pg"));
  auto gone = Do(logical::Operation::kRead, "creds/ro");
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message().find("pg"), std::string::npos) << gone.error().message();
}

TEST_F(Postgres, PeriodicRotatesDueStaticRoles) {
  db_->Sql("DROP ROLE IF EXISTS app_cron; CREATE ROLE app_cron WITH LOGIN PASSWORD 'initial-pw'");
  Write("static-roles/static-cron",
        {{"db_name", "pg"}, {"username", "app_cron"}, {"rotation_schedule", "*/5 * * * *"}});
  auto c1 = Do(logical::Operation::kRead, "static-creds/static-cron");
  ASSERT_TRUE(c1);
  EXPECT_LE(c1->data["ttl"].as_int64(), 300);
  EXPECT_EQ(c1->data["rotation_schedule"].as_string(), "*/5 * * * *");
  const std::string p1(c1->data["password"].as_string());
  // Not due yet: the periodic hook leaves it alone.
  backend_->Periodic(storage_);
  EXPECT_EQ(Do(logical::Operation::kRead, "static-creds/static-cron")->data["password"].as_string(),
            p1);
  // Make it due, as if time had passed.
  auto stored = logical::GetJson(storage_, "static-role/static-cron");
  ASSERT_TRUE(stored && *stored);
  json::object o = (*stored)->as_object();
  o["next_rotation"] = 1;
  ASSERT_TRUE(logical::PutJson(storage_, "static-role/static-cron", o));
  backend_->Periodic(storage_);
  const std::string p2(
      Do(logical::Operation::kRead, "static-creds/static-cron")->data["password"].as_string());
  EXPECT_NE(p1, p2);
  EXPECT_NE(db_->SqlAs("app_cron", p1, "SELECT 1"), 0);
  EXPECT_EQ(db_->SqlAs("app_cron", p2, "SELECT 1"), 0);
  // A static role whose user does not exist: the database's error, nothing stored.
  auto missing = Do(logical::Operation::kUpdate, "static-roles/static-missing",
                    {{"db_name", "pg"}, {"username", "no_such_user"}, {"rotation_period", "1h"}});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("does not exist"), std::string::npos)
      << missing.error().message();
  EXPECT_FALSE(storage_.Get("static-role/static-missing")->has_value());
}

TEST(PostgresDown, ClearErrorWhileDownAndRecovery) {
  auto db = arca::testing::StartPostgres();
  ASSERT_TRUE(db->ok()) << db->error();
  FakeSystem system;
  logical::InmemStorage storage;
  logical::BackendConfig config;
  config.storage = &storage;
  config.system = &system;
  auto backend = std::move(*NewDatabaseBackend(config));
  auto call = [&](logical::Operation op, const std::string& path, json::object body) {
    logical::Request req;
    req.operation = op;
    req.path = path;
    req.data = std::move(body);
    req.storage = &storage;
    return backend->HandleRequest(req);
  };
  ASSERT_TRUE(call(logical::Operation::kUpdate, "config/pg",
                   {{"plugin_name", "postgresql-database-plugin"},
                    {"connection_url", PgUrl(*db)},
                    {"username", db->admin_user()},
                    {"password", db->admin_password()},
                    {"allowed_roles", "*"}}));
  ASSERT_TRUE(call(
      logical::Operation::kUpdate, "roles/r",
      {{"db_name", "pg"},
       {"creation_statements", "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';"}}));
  ASSERT_TRUE(call(logical::Operation::kRead, "creds/r", {}));
  db->Stop();
  auto down = call(logical::Operation::kRead, "creds/r", {});
  ASSERT_FALSE(down);
  EXPECT_NE(down.error().message().find("database \"pg\""), std::string::npos)
      << down.error().message();
  EXPECT_EQ(down.error().message().find(db->admin_password()), std::string::npos);
  // Other paths keep answering.
  EXPECT_TRUE(call(logical::Operation::kRead, "roles/r", {}));
  ASSERT_TRUE(db->Start());
  auto back = call(logical::Operation::kRead, "creds/r", {});
  EXPECT_TRUE(back) << back.error().ToString();
}

class Maria : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    DatabaseServer& db = arca::testing::SharedMariaDb();
    ASSERT_TRUE(db.ok()) << db.error();
    db_ = &db;
    db.Sql(
        "CREATE DATABASE IF NOT EXISTS app; CREATE TABLE IF NOT EXISTS app.items(id int); INSERT "
        "INTO app.items VALUES (1);");
  }
  DatabaseServer* db_ = nullptr;
};

TEST_F(Maria, CredentialsAndRevocation) {
  Write("config/my", {{"plugin_name", "mysql-database-plugin"},
                      {"connection_url", MyUrl(*db_)},
                      {"username", db_->admin_user()},
                      {"password", db_->admin_password()},
                      {"allowed_roles", "*"}});
  Write("roles/reader", {{"db_name", "my"},
                         {"creation_statements",
                          json::array{"CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';",
                                      "GRANT SELECT ON app.* TO '{{name}}'@'%';"}}});
  auto issued = Do(logical::Operation::kRead, "creds/reader");
  ASSERT_TRUE(issued) << issued.error().ToString();
  const std::string user(issued->data["username"].as_string());
  const std::string pass(issued->data["password"].as_string());
  EXPECT_LE(user.size(), 32u);
  std::string out;
  EXPECT_EQ(db_->SqlAs(user, pass, "SELECT count(*) FROM app.items", &out), 0) << out;
  EXPECT_NE(db_->SqlAs(user, pass, "INSERT INTO app.items VALUES (2)", &out), 0);
  ASSERT_TRUE(Lease(logical::Operation::kRevoke, *issued));
  EXPECT_NE(db_->SqlAs(user, pass, "SELECT 1"), 0);
  // Legacy: 16-character names.
  Write("config/legacy", {{"plugin_name", "mysql-legacy-database-plugin"},
                          {"connection_url", MyUrl(*db_)},
                          {"username", db_->admin_user()},
                          {"password", db_->admin_password()},
                          {"allowed_roles", "*"}});
  Write("roles/leg",
        {{"db_name", "legacy"},
         {"creation_statements", "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';"}});
  auto legacy = Do(logical::Operation::kRead, "creds/leg");
  ASSERT_TRUE(legacy) << legacy.error().ToString();
  EXPECT_LE(legacy->data["username"].as_string().size(), 16u);
  // A malformed statement: MariaDB's error text.
  Write("roles/broken", {{"db_name", "my"}, {"creation_statements", "CREATE USR '{{name}}'@'%';"}});
  auto broken = Do(logical::Operation::kRead, "creds/broken");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("SQL syntax"), std::string::npos)
      << broken.error().message();
}

}  // namespace
}  // namespace arca::engines::database
