// storage "postgresql" against a real PostgreSQL 15: config parsing and its errors (no password
// in any message), Vault's table layout (tables created by Vault's documented SQL, rows as Vault
// writes them), skip_create_table, a server restart, snapshots (VisitAll, ReplaceAll), and
// group commit.
#include "storage/postgresql/pg_backend.h"

#include <gtest/gtest.h>

#include <thread>

#include "storage/postgresql/pg_conn.h"
#include "storage/postgresql/pg_test_util.h"

namespace arca::storage::postgresql {
namespace {

using namespace testing;  // NOLINT
using std::chrono::milliseconds;

#define REQUIRE_PG() ASSERT_TRUE(Pg().ok()) << Pg().error()

std::unique_ptr<Backend> MustOpen(const BackendConfig& config) {
  auto b = NewPostgresqlBackend(config);
  EXPECT_TRUE(b) << b.error().ToString();
  return b ? std::move(*b) : nullptr;
}

std::string Sql(const std::string& sql) {
  std::string out;
  EXPECT_EQ(Pg().Sql(sql, &out), 0) << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST(PgConfig, DefaultsAndKeys) {
  auto o = ParsePgConfig({{"connection_url", "postgres://u@h/db"}}, nullptr);
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->table, "vault_kv_store");
  EXPECT_EQ(o->ha_table, "vault_ha_locks");
  EXPECT_EQ(o->max_parallel, 128);
  EXPECT_FALSE(o->ha_enabled);
  EXPECT_FALSE(o->skip_create_table);
  EXPECT_EQ(o->lock_timeout, milliseconds(15000));
  EXPECT_EQ(o->lock_renew_interval, milliseconds(5000));
  EXPECT_EQ(o->lock_retry_interval, milliseconds(1000));

  o = ParsePgConfig({{"connection_url", "x"},
                     {"table", "t"},
                     {"ha_table", "h"},
                     {"max_parallel", "4"},
                     {"max_idle_connections", "2"},
                     {"ha_enabled", "true"},
                     {"skip_create_table", "true"},
                     {"lock_timeout", "3s"},
                     {"lock_retry_interval", "100ms"},
                     {"redirect_addr", "https://a:8200"}},
                    nullptr);
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->table, "t");
  EXPECT_EQ(o->ha_table, "h");
  EXPECT_EQ(o->max_parallel, 4);
  EXPECT_EQ(o->max_idle_connections, 2);
  EXPECT_TRUE(o->ha_enabled);
  EXPECT_TRUE(o->skip_create_table);
  EXPECT_EQ(o->lock_timeout, milliseconds(3000));
  EXPECT_EQ(o->lock_renew_interval, milliseconds(1000));
  EXPECT_EQ(o->lock_retry_interval, milliseconds(100));
}

TEST(PgConfig, EnvironmentOverridesTheUrl) {
  auto env = [](const char* name) -> const char* {
    if (std::string_view(name) == "VAULT_PG_CONNECTION_URL") return "from-vault-env";
    return nullptr;
  };
  auto o = ParsePgConfig({{"connection_url", "from-config"}}, env);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->connection_url, "from-vault-env");
  auto both = [](const char* name) -> const char* {
    if (std::string_view(name) == "VAULT_PG_CONNECTION_URL") return "from-vault-env";
    if (std::string_view(name) == "ARCA_PG_CONNECTION_URL") return "from-arca-env";
    return nullptr;
  };
  o = ParsePgConfig({}, both);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->connection_url, "from-arca-env");
}

TEST(PgConfig, BadConfigIsAClearError) {
  struct Case {
    BackendConfig config;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{}, "missing connection_url"},
      {{{"connection_url", "x"}, {"tabel", "t"}}, "unknown key 'tabel'"},
      {{{"connection_url", "x"}, {"max_parallel", "0"}}, "'max_parallel'"},
      {{{"connection_url", "x"}, {"max_parallel", "many"}}, "'max_parallel'"},
      {{{"connection_url", "x"}, {"max_idle_connections", "-1"}}, "'max_idle_connections'"},
      {{{"connection_url", "x"}, {"ha_enabled", "yes"}}, "'ha_enabled'"},
      {{{"connection_url", "x"}, {"skip_create_table", "maybe"}}, "'skip_create_table'"},
      {{{"connection_url", "x"}, {"lock_timeout", "100ms"}}, "'lock_timeout' must be at least"},
      {{{"connection_url", "x"}, {"lock_timeout", "3s"}, {"lock_renew_interval", "2s"}},
       "'lock_renew_interval'"},
      {{{"connection_url", "x"}, {"table", "same"}, {"ha_table", "same"}}, "must differ"},
  };
  for (const Case& c : cases) {
    auto o = ParsePgConfig(c.config, nullptr);
    ASSERT_FALSE(o) << c.want;
    EXPECT_EQ(o.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_NE(o.error().message().find(c.want), std::string::npos) << o.error().message();
  }
}

TEST(PgConfig, RedactsPasswords) {
  EXPECT_EQ(RedactConnInfo("postgres://user:s3cr3t@db:5432/x"), "postgres://user:<redacted>@db:5432/x");
  EXPECT_EQ(RedactConnInfo("host=db password=s3cr3t user=u"), "host=db password=<redacted> user=u");
  EXPECT_EQ(RedactConnInfo("host=db password='s 3' user=u"), "host=db password=<redacted> user=u");
  EXPECT_EQ(RedactConnInfo("failed for s3cr3t", "s3cr3t"), "failed for <redacted>");
  EXPECT_EQ(PasswordOf("postgresql://u:p%40ss@h/db"), "p@ss");
  EXPECT_EQ(PasswordOf("host=h password=kw"), "kw");
}

TEST(PgBackend, UnreachableOrRefusedIsAnErrorAtStartWithoutThePassword) {
  REQUIRE_PG();
  const int port = arca::testing::FreeTcpPort();
  auto b = NewPostgresqlBackend(BackendConfig{
      {"connection_url", "postgresql://u:SuperSecret1@127.0.0.1:" + std::to_string(port) + "/x"}});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(b.error().message().find("cannot connect"), std::string::npos) << b.error().message();
  EXPECT_EQ(b.error().message().find("SuperSecret1"), std::string::npos) << b.error().message();

  b = NewPostgresqlBackend(BackendConfig{
      {"connection_url", "postgresql://" + Pg().admin_user() + ":WrongPassword9@127.0.0.1:" +
                             std::to_string(Pg().port()) + "/postgres"}});
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message().find("password authentication failed"), std::string::npos)
      << b.error().message();
  EXPECT_EQ(b.error().message().find("WrongPassword9"), std::string::npos) << b.error().message();
}

TEST(PgBackend, CreatesVaultsTablesAndWritesRowsAsVaultDoes) {
  REQUIRE_PG();
  const std::string table = FreshTable("layout");
  auto b = MustOpen(PgConfig(table));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->Type(), "postgresql");
  // Columns, types and collations of the created table.
  EXPECT_EQ(Sql("SELECT string_agg(column_name || ':' || data_type || ':' || "
                "coalesce(collation_name, '-'), ',' ORDER BY ordinal_position) FROM "
                "information_schema.columns WHERE table_name = '" + table + "'"),
            "parent_path:text:C,path:text:C,key:text:C,value:bytea:-");
  ASSERT_TRUE(b->Put("foo", "1"));
  ASSERT_TRUE(b->Put("a/c", "2"));
  ASSERT_TRUE(b->Put("a/b/c", "3"));
  EXPECT_EQ(Sql("SELECT string_agg(parent_path || '|' || path || '|' || key || '|' || "
                "encode(value, 'escape'), ',' ORDER BY path, key) FROM " + table),
            "|/|foo|1,/|/a/|c|2,/a/|/a/b/|c|3");
}

TEST(PgBackend, WorksOnTablesMadeByVaultsDocumentedSql) {
  REQUIRE_PG();
  const std::string table = FreshTable("vaultdoc");
  // Vault's documented CREATE TABLE (constraint and index names made unique per test).
  Sql("CREATE TABLE " + table +
      " (parent_path TEXT COLLATE \"C\" NOT NULL, path TEXT COLLATE \"C\", key TEXT COLLATE \"C\", "
      "value BYTEA, CONSTRAINT " + table + "_pkey PRIMARY KEY (path, key)); CREATE INDEX " + table +
      "_idx ON " + table + " (parent_path);");
  // A row as Vault writes it.
  Sql("INSERT INTO " + table + " VALUES ('/sys/', '/sys/token/', 'id', '\\x6869')");
  BackendConfig config = PgConfig(table);
  config["skip_create_table"] = "true";
  auto b = MustOpen(config);
  ASSERT_TRUE(b);
  auto got = b->Get("sys/token/id");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "hi");
  auto listed = b->List("sys/");
  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed, std::vector<std::string>{"token/"});
}

TEST(PgBackend, SkipCreateTableRequiresTheTables) {
  REQUIRE_PG();
  const std::string table = FreshTable("missing");
  BackendConfig config = PgConfig(table);
  config["skip_create_table"] = "true";
  auto b = NewPostgresqlBackend(config);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_NE(b.error().message().find("table \"" + table + "\" does not exist"), std::string::npos)
      << b.error().message();
  // Nothing was created.
  EXPECT_EQ(Sql("SELECT count(*) FROM information_schema.tables WHERE table_name = '" + table + "'"),
            "0");
}

TEST(PgBackend, ServerRestartErrorsWhileDownAndWorksAfter) {
  REQUIRE_PG();
  auto b = MustOpen(PgConfig(FreshTable("restart")));
  ASSERT_TRUE(b);
  // Several pooled connections, all broken by the restart.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) EXPECT_TRUE(b->Put("k" + std::to_string(t), "v"));
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(b->Put("before", "1"));
  Pg().Stop();
  auto down = b->Get("before");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind(), ErrorKind::kUnavailable) << down.error().ToString();
  auto put = b->Put("during", "x");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind(), ErrorKind::kUnavailable) << put.error().ToString();
  EXPECT_EQ(put.error().message().find(Pg().admin_password()), std::string::npos);
  ASSERT_TRUE(Pg().Start());
  // The first calls after the restart succeed: broken connections are replaced.
  auto got = b->Get("before");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "1");
  for (int t = 0; t < 4; ++t) {
    auto s = b->Put("after" + std::to_string(t), "2");
    EXPECT_TRUE(s) << s.error().ToString();
  }
  auto listed = b->List("");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 9u);  // before, k0..k3, after0..after3; never "during"
}

TEST(PgBackend, VisitAllIsOrderedAndConsistent) {
  REQUIRE_PG();
  auto b = MustOpen(PgConfig(FreshTable("visit")));
  ASSERT_TRUE(b);
  Snapshottable* snap = b->AsSnapshottable();
  ASSERT_NE(snap, nullptr);
  // Keys whose byte order differs from (path, key) order, and binary ones; > one FETCH page.
  std::vector<std::string> keys = {"a/b", "a0", "a", "a/", "b/c/d", std::string("x\0y", 3),
                                   "x\xff", "x/\x01"};
  for (int i = 0; i < 2100; ++i) keys.push_back("n/" + std::to_string(i));
  for (const std::string& k : keys) ASSERT_TRUE(b->Put(k, "v" + k));
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> seen;
  bool wrote = false;
  Status s = snap->VisitAll([&](std::string_view key, std::string_view value) -> Status {
    EXPECT_EQ(value, "v" + std::string(key));
    if (!wrote) {  // writes during the scan are not part of it
      wrote = true;
      EXPECT_TRUE(b->Put("a/b", "changed"));
      EXPECT_TRUE(b->Put("zzz", "new"));
      EXPECT_TRUE(b->Delete("n/2000"));
    }
    seen.emplace_back(key);
    return OkStatus();
  });
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(seen, keys);
  // A visitor's error stops the scan and is returned.
  int calls = 0;
  s = snap->VisitAll([&](std::string_view, std::string_view) -> Status {
    return ++calls == 3 ? Status(InvalidRequest("stop here")) : OkStatus();
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(), "stop here");
  EXPECT_EQ(calls, 3);
  // The connection went back clean: normal work continues.
  EXPECT_TRUE(b->Put("after", "1"));
}

TEST(PgBackend, ReplaceAllIsOneTransaction) {
  REQUIRE_PG();
  auto b = MustOpen(PgConfig(FreshTable("replace")));
  ASSERT_TRUE(b);
  Snapshottable* snap = b->AsSnapshottable();
  ASSERT_TRUE(b->Put("old/1", "o"));
  ASSERT_TRUE(b->Put("keep", "o"));
  // A source that fails half way changes nothing.
  int n = 0;
  Status s = snap->ReplaceAll([&](std::string* key, std::string* value) -> Result<bool> {
    if (n == 1500) return InvalidRequest("source broke");
    *key = "new/" + std::to_string(n);
    *value = "v" + std::to_string(n++);
    return true;
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(), "source broke");
  EXPECT_EQ(b->Get("old/1").value(), "o");
  EXPECT_FALSE(b->Get("new/0").value().has_value());
  // A complete source replaces everything.
  n = 0;
  s = snap->ReplaceAll([&](std::string* key, std::string* value) -> Result<bool> {
    if (n == 2500) return false;
    *key = "new/" + std::to_string(n);
    *value = "v" + std::to_string(n++);
    return true;
  });
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_FALSE(b->Get("old/1").value().has_value());
  EXPECT_FALSE(b->Get("keep").value().has_value());
  EXPECT_EQ(b->Get("new/2499").value(), "v2499");
  auto listed = b->List("new/");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 2500u);
  EXPECT_EQ(*b->List(""), std::vector<std::string>{"new/"});
}

TEST(PgBackend, ConcurrentWritesShareTransactionsAndAllLand) {
  REQUIRE_PG();
  const std::string table = FreshTable("group");
  auto b = MustOpen(PgConfig(table));
  ASSERT_TRUE(b);
  auto xid = [&] { return std::stoll(Sql("SELECT txid_current()")); };
  const int64_t before = xid();
  constexpr int kThreads = 32, kEach = 20;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string k = "gc/" + std::to_string(t) + "/" + std::to_string(i);
        if (!b->Put(k, "v" + k)) ++failed;
        if (!b->Put("gc/shared", "s")) ++failed;
      }
    });
  }
  for (auto& th : threads) th.join();
  const int64_t after = xid();
  EXPECT_EQ(failed.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      const std::string k = "gc/" + std::to_string(t) + "/" + std::to_string(i);
      EXPECT_EQ(b->Get(k).value(), "v" + k) << k;
    }
  }
  EXPECT_EQ(b->Get("gc/shared").value(), "s");
  // One transaction id per writing transaction: batching made fewer than one per write.
  EXPECT_LT(after - before, 2 * kThreads * kEach) << "no write shared a transaction";
}

}  // namespace
}  // namespace arca::storage::postgresql
