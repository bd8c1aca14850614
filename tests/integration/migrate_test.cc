// `arca operator migrate` with the real binary: file -> postgresql -> etcd -> file keeps every
// entry byte for byte (full dumps compared) and a server on the result unseals with the
// original key and serves the data; refusals (non-empty destination, a server holding the
// source's HA lock on etcd or PostgreSQL, a migration marker, bad configurations) exit non-zero
// and write nothing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "integration/harness.h"
#include "server/builtins.h"
#include "services/etcd.h"
#include "storage/backend.h"
#include "storage/migrate.h"
#include "storage/postgresql/pg_test_util.h"

namespace arca::testing {
namespace {

using Dump = std::map<std::string, std::string>;

std::unique_ptr<storage::Backend> Open(const std::string& type,
                                       const storage::BackendConfig& cfg) {
  auto b = server::StorageBackends().at(type)(cfg);
  EXPECT_TRUE(b.has_value()) << (b ? "" : b.error().message());
  return b ? std::move(*b) : nullptr;
}

// Every entry of the storage, read in-process through its backend (List and Get).
Dump DumpStorage(const std::string& type, const storage::BackendConfig& cfg) {
  Dump out;
  auto b = Open(type, cfg);
  if (!b) return out;
  std::vector<std::string> stack = {""};
  while (!stack.empty()) {
    std::string prefix = stack.back();
    stack.pop_back();
    auto children = b->List(prefix);
    EXPECT_TRUE(children.has_value()) << (children ? "" : children.error().message());
    if (!children) return out;
    for (const auto& c : *children) {
      if (c.ends_with('/')) {
        stack.push_back(prefix + c);
        continue;
      }
      auto v = b->Get(prefix + c);
      EXPECT_TRUE(v.has_value() && v->has_value()) << prefix + c;
      if (v && *v) out[prefix + c] = **v;
    }
  }
  return out;
}

// First differing key of two dumps, for failure messages.
std::string Diff(const Dump& a, const Dump& b) {
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) return "missing on the right: " + k;
    if (it->second != v) return "value differs: " + k;
  }
  for (const auto& [k, v] : b) {
    if (!a.contains(k)) return "extra on the right: " + k;
  }
  return "";
}

std::string Capture(const std::string& text, const std::string& pattern) {
  std::smatch m;
  std::regex re(pattern);
  return std::regex_search(text, m, re) ? std::string(m[1]) : "";
}

std::string WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  return path;
}

std::string ServerConfig(const TempDir& dir, const std::string& name, const std::string& storage) {
  return WriteFile(dir.File(name),
                   storage +
                       "\nlistener \"tcp\" {\n  address     = \"127.0.0.1:0\"\n"
                       "  cluster_address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
                       "disable_mlock = true\nlog_level = \"warn\"\n");
}

std::string FileStanza(const std::string& kind, const std::string& path) {
  return kind + " \"file\" {\n  path = \"" + path + "\"\n}\n";
}

std::string PgStanza(const std::string& kind, const std::string& table,
                     const std::string& extra = "") {
  return kind + " \"postgresql\" {\n  connection_url = \"" +
         storage::postgresql::testing::PgUrl() + "\"\n  table = \"" + table + "\"\n" + extra +
         "}\n";
}

storage::BackendConfig PgDumpConfig(const std::string& table) {
  return {{"connection_url", storage::postgresql::testing::PgUrl()}, {"table", table}};
}

std::string EtcdStanza(const std::string& kind, const std::string& address,
                       const std::string& path, const std::string& extra = "") {
  return kind + " \"etcd\" {\n  address = \"" + address + "\"\n  path = \"" + path + "\"\n" +
         extra + "}\n";
}

CliResult Migrate(const std::string& config, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"operator", "migrate", "-config=" + config};
  for (auto& a : extra) args.push_back(std::move(a));
  return RunCli(args);
}

struct Initialized {
  std::string key;
  std::string root;
};

// Initialises (one key share) and unseals the server.
Initialized InitAndUnseal(const ServerProcess& server) {
  Initialized out;
  std::map<std::string, std::string> env{{"ARCA_ADDR", server.url()}};
  auto init = RunCli({"operator", "init", "-key-shares=1", "-key-threshold=1"}, env);
  EXPECT_EQ(init.exit_code, 0) << init.out << init.err;
  out.key = Capture(init.out, "Unseal Key 1: (\\S+)");
  out.root = Capture(init.out, "Initial Root Token: (\\S+)");
  EXPECT_FALSE(out.key.empty()) << init.out;
  auto unseal = RunCli({"operator", "unseal", out.key}, env);
  EXPECT_EQ(unseal.exit_code, 0) << unseal.out << unseal.err;
  return out;
}

// Polls sys/health until it answers `status` (200 active, 429 standby) or 30 s pass.
bool WaitHealth(const ServerProcess& server, int status) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (RawHttp(server.port(), "GET", "/v1/sys/health").status == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string UniqueEtcdPath(const std::string& name) {
  return "/" + name + "-" + RandomToken().substr(5, 12) + "/";
}

TEST(OperatorMigrate, FileToPostgresqlToEtcdToFileKeepsEveryEntryAndTheServerServesIt) {
  EtcdCluster& etcd = SharedEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  ASSERT_TRUE(SharedPostgres().ok()) << SharedPostgres().error();
  const std::string table = storage::postgresql::testing::FreshTable("migrate_chain");
  TempDir dir;
  const std::string src = dir.File("src"), dst = dir.File("dst");
  const std::string etcd_path = UniqueEtcdPath("migrate");

  // A real server's storage: initialised, a KV v2 mount with secrets, a policy, a token.
  Initialized keys;
  std::string child_token;
  {
    ServerProcess server({"-config=" + ServerConfig(dir, "src.hcl", FileStanza("storage", src))});
    ASSERT_TRUE(server.running()) << server.Log();
    keys = InitAndUnseal(server);
    ASSERT_FALSE(keys.root.empty());
    const std::map<std::string, std::string> auth{{"X-Vault-Token", keys.root}};
    ASSERT_EQ(RawHttp(server.port(), "POST", "/v1/sys/mounts/kv",
                      R"({"type":"kv","options":{"version":"2"}})", auth)
                  .status,
              204);
    for (int i = 0; i < 40; ++i) {
      auto w = RawHttp(server.port(), "POST", "/v1/kv/data/app/item" + std::to_string(i),
                       R"({"data":{"value":"secret-)" + std::to_string(i) + R"("}})", auth);
      ASSERT_EQ(w.status, 200) << w.body;
    }
    ASSERT_EQ(RawHttp(server.port(), "POST", "/v1/sys/policies/acl/reader",
                      R"({"policy":"path \"kv/*\" { capabilities = [\"read\"] }"})", auth)
                  .status,
              204);
    auto t = RawHttp(server.port(), "POST", "/v1/auth/token/create",
                     R"({"policies":["reader"],"ttl":"24h"})", auth);
    ASSERT_EQ(t.status, 200) << t.body;
    child_token = Capture(t.body, "\"client_token\":\"([^\"]+)\"");
    ASSERT_FALSE(child_token.empty()) << t.body;
    int status = server.Stop(SIGTERM);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server.Log();
  }
  const Dump original = DumpStorage("file", {{"path", src}});
  ASSERT_GT(original.size(), 40u);
  ASSERT_TRUE(original.contains("core/keyring"));

  // file -> postgresql.
  auto to_pg = Migrate(WriteFile(dir.File("m0.hcl"), FileStanza("storage_source", src) +
                                                         PgStanza("storage_destination", table)));
  ASSERT_EQ(to_pg.exit_code, 0) << to_pg.out << to_pg.err;
  EXPECT_NE(to_pg.out.find("Success! All of the keys have been migrated."), std::string::npos)
      << to_pg.out;
  EXPECT_NE(to_pg.err.find("copied key: path=core/keyring"), std::string::npos) << to_pg.err;
  const Dump in_pg = DumpStorage("postgresql", PgDumpConfig(table));
  EXPECT_EQ(in_pg.size(), original.size());
  EXPECT_TRUE(in_pg == original) << Diff(original, in_pg);
  // The source is as it was: the marker is gone again.
  EXPECT_TRUE(DumpStorage("file", {{"path", src}}) == original);

  // postgresql -> etcd.
  auto to_etcd = Migrate(WriteFile(dir.File("m1.hcl"),
                                   PgStanza("storage_source", table) +
                                       EtcdStanza("storage_destination", etcd.ClientUrl(0),
                                                  etcd_path)));
  ASSERT_EQ(to_etcd.exit_code, 0) << to_etcd.out << to_etcd.err;
  const Dump in_etcd = DumpStorage("etcd", {{"address", etcd.ClientUrl(0)}, {"path", etcd_path}});
  EXPECT_EQ(in_etcd.size(), original.size());
  EXPECT_TRUE(in_etcd == original) << Diff(original, in_etcd);
  EXPECT_TRUE(DumpStorage("postgresql", PgDumpConfig(table)) == original);

  // etcd -> file, with one worker (Vault's order, one key at a time).
  auto to_file = Migrate(WriteFile(dir.File("m2.hcl"),
                                   EtcdStanza("storage_source", etcd.ClientUrl(0), etcd_path) +
                                       FileStanza("storage_destination", dst)),
                         {"-max-parallel=1"});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.out << to_file.err;
  const Dump back = DumpStorage("file", {{"path", dst}});
  EXPECT_TRUE(back == original) << Diff(original, back);
  // One worker logs the keys in ascending order.
  std::vector<std::string> logged;
  std::regex line("copied key: path=(\\S+)");
  for (std::sregex_iterator it(to_file.err.begin(), to_file.err.end(), line), end; it != end;
       ++it) {
    logged.push_back((*it)[1]);
  }
  std::vector<std::string> sorted;
  for (const auto& [k, v] : original) sorted.push_back(k);
  EXPECT_EQ(logged, sorted);

  // A server on the migrated storage unseals with the original key and serves everything.
  ServerProcess server({"-config=" + ServerConfig(dir, "dst.hcl", FileStanza("storage", dst))});
  ASSERT_TRUE(server.running()) << server.Log();
  std::map<std::string, std::string> env{{"ARCA_ADDR", server.url()}};
  auto unseal = RunCli({"operator", "unseal", keys.key}, env);
  ASSERT_EQ(unseal.exit_code, 0) << unseal.out << unseal.err;
  for (int i = 0; i < 40; ++i) {
    auto r = RawHttp(server.port(), "GET", "/v1/kv/data/app/item" + std::to_string(i), "",
                     {{"X-Vault-Token", child_token}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"value\":\"secret-" + std::to_string(i) + "\""), std::string::npos)
        << r.body;
  }
  // The policy still applies to the migrated token.
  EXPECT_EQ(RawHttp(server.port(), "POST", "/v1/kv/data/app/new", R"({"data":{"a":"b"}})",
                    {{"X-Vault-Token", child_token}})
                .status,
            403);
}

TEST(OperatorMigrate, ResumesFromStartIntoAPartlyCopiedDestination) {
  TempDir dir;
  const std::string src = dir.File("src"), dst = dir.File("dst");
  {
    auto s = Open("file", {{"path", src}});
    ASSERT_TRUE(s);
    for (const char* k : {"core/a", "core/b", "logical/x/1", "logical/x/2", "sys/t"}) {
      ASSERT_TRUE(s->Put(k, std::string("v\0", 2) + k).has_value());
    }
    // A first run stopped after core/: the destination holds what it copied.
    auto d = Open("file", {{"path", dst}});
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->Put("core/a", std::string("v\0", 2) + "core/a").has_value());
    ASSERT_TRUE(d->Put("core/b", std::string("v\0", 2) + "core/b").has_value());
  }
  const std::string cfg = WriteFile(
      dir.File("m.hcl"), FileStanza("storage_source", src) + FileStanza("storage_destination", dst));
  // Without -start (or with one before what the destination holds) it is refused.
  auto refused = Migrate(cfg);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("Error migrating: the destination storage is not empty (it holds "
                             "\"core/a\")"),
            std::string::npos)
      << refused.err;
  auto early = Migrate(cfg, {"-start=core/b"});
  EXPECT_EQ(early.exit_code, 2);
  EXPECT_NE(early.err.find("holds \"core/b\", at or after -start"), std::string::npos)
      << early.err;
  auto resumed = Migrate(cfg, {"-start=logical/"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(resumed.err.find("path=core/"), std::string::npos) << resumed.err;
  const Dump want = DumpStorage("file", {{"path", src}});
  EXPECT_EQ(want.size(), 5u);
  EXPECT_TRUE(DumpStorage("file", {{"path", dst}}) == want);
}

TEST(OperatorMigrate, RefusesANonEmptyDestinationAndWritesNothing) {
  EtcdCluster& etcd = SharedEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  TempDir dir;
  const std::string src = dir.File("src");
  const std::string etcd_path = UniqueEtcdPath("occupied");
  {
    auto s = Open("file", {{"path", src}});
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->Put("core/keyring", "source-keyring").has_value());
    ASSERT_TRUE(s->Put("logical/m/x", "source-x").has_value());
    auto d = Open("etcd", {{"address", etcd.ClientUrl(0)}, {"path", etcd_path}});
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->Put("logical/other", "someone else's").has_value());
  }
  const Dump src_before = DumpStorage("file", {{"path", src}});
  const Dump dst_before =
      DumpStorage("etcd", {{"address", etcd.ClientUrl(0)}, {"path", etcd_path}});
  auto r = Migrate(WriteFile(dir.File("m.hcl"), FileStanza("storage_source", src) +
                                                    EtcdStanza("storage_destination",
                                                               etcd.ClientUrl(0), etcd_path)));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Error migrating: the destination storage is not empty (it holds "
                       "\"logical/other\"): migrate into an empty storage"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("Success!"), std::string::npos);
  EXPECT_TRUE(DumpStorage("etcd", {{"address", etcd.ClientUrl(0)}, {"path", etcd_path}}) ==
              dst_before);
  EXPECT_TRUE(DumpStorage("file", {{"path", src}}) == src_before);  // no marker left behind
}

// A server with HA on `server_stanza` holds the lock: a migration from `source_stanza` (the
// same storage, ha_enabled unset) is refused and writes nothing; once the server stopped, it
// runs and copies everything but the lock.
void HaLockRefusal(const TempDir& dir, const std::string& server_stanza,
                   const std::string& source_stanza, const std::string& type,
                   const storage::BackendConfig& dump_cfg) {
  const std::string dst = dir.File("dst");
  auto server = std::make_unique<ServerProcess>(
      std::vector<std::string>{"-config=" + ServerConfig(dir, "ha.hcl", server_stanza)});
  ASSERT_TRUE(server->running()) << server->Log();
  InitAndUnseal(*server);
  ASSERT_TRUE(WaitHealth(*server, 200)) << server->LogTail();

  // The migrator's stanza leaves ha_enabled unset: the lock is found all the same.
  const std::string cfg =
      WriteFile(dir.File("m.hcl"), source_stanza + FileStanza("storage_destination", dst));
  auto r = Migrate(cfg);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Error migrating: a server holds the HA lock of the source storage"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(DumpStorage("file", {{"path", dst}}).empty());
  auto marker = Open(type, dump_cfg)->Get(storage::kMigrationKey);
  ASSERT_TRUE(marker.has_value());
  EXPECT_FALSE(marker->has_value());
  // The server is unaffected.
  EXPECT_EQ(RawHttp(server->port(), "GET", "/v1/sys/health").status, 200);

  // Once the server is gone, the same migration runs; the lock is not copied.
  int status = server->Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server->Log();
  server.reset();
  auto ok = Migrate(cfg);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const Dump source = DumpStorage(type, dump_cfg);
  const Dump copied = DumpStorage("file", {{"path", dst}});
  EXPECT_GT(copied.size(), 5u);
  EXPECT_TRUE(copied == source) << Diff(source, copied);
  for (const auto& [k, v] : copied) EXPECT_FALSE(k.starts_with("core/lock")) << k;
}

TEST(OperatorMigrate, RefusesWhileAServerHoldsTheSourceHaLockOnEtcd) {
  EtcdCluster& etcd = SharedEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  TempDir dir;
  const std::string etcd_path = UniqueEtcdPath("ha-held");
  HaLockRefusal(dir,
                EtcdStanza("storage", etcd.ClientUrl(0), etcd_path, "  ha_enabled = \"true\"\n"),
                EtcdStanza("storage_source", etcd.ClientUrl(0), etcd_path), "etcd",
                {{"address", etcd.ClientUrl(0)}, {"path", etcd_path}});
}

TEST(OperatorMigrate, RefusesWhileAServerHoldsTheSourceHaLockOnPostgresql) {
  ASSERT_TRUE(SharedPostgres().ok()) << SharedPostgres().error();
  TempDir dir;
  const std::string table = storage::postgresql::testing::FreshTable("migrate_ha");
  const std::string ha_table = table + "_locks";
  HaLockRefusal(dir,
                PgStanza("storage", table,
                         "  ha_enabled = \"true\"\n  ha_table = \"" + ha_table + "\"\n"),
                PgStanza("storage_source", table, "  ha_table = \"" + ha_table + "\"\n"),
                "postgresql", PgDumpConfig(table));
}

TEST(OperatorMigrate, MarkerStopsServerAndMigrationUntilReset) {
  TempDir dir;
  const std::string src = dir.File("src"), dst = dir.File("dst");
  {
    auto s = Open("file", {{"path", src}});
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->Put("core/keyring", "k").has_value());
    ASSERT_TRUE(storage::SetMigrationMarker(*s, "2026-12-07T05:00:00Z").has_value());
  }
  const std::string server_cfg = ServerConfig(dir, "s.hcl", FileStanza("storage", src));
  {
    ServerProcess server({"-config=" + server_cfg}, std::chrono::seconds(15));
    EXPECT_FALSE(server.running());
    EXPECT_NE(server.Log().find("Storage migration in progress (started: 2026-12-07T05:00:00Z). "
                                "Server startup is prevented until the migration completes."),
              std::string::npos)
        << server.Log();
  }
  const std::string cfg = WriteFile(
      dir.File("m.hcl"), FileStanza("storage_source", src) + FileStanza("storage_destination", dst));
  auto refused = Migrate(cfg);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find(
                "Error migrating: storage migration in progress (started: 2026-12-07T05:00:00Z)"),
            std::string::npos)
      << refused.err;
  EXPECT_TRUE(DumpStorage("file", {{"path", dst}}).empty());

  auto reset = Migrate(cfg, {"-reset"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_NE(reset.out.find("Success! Migration lock reset (if it was set)."), std::string::npos);
  EXPECT_TRUE(DumpStorage("file", {{"path", dst}}).empty());  // -reset copies nothing
  EXPECT_EQ(DumpStorage("file", {{"path", src}}), (Dump{{"core/keyring", "k"}}));
  ServerProcess server({"-config=" + server_cfg});
  EXPECT_TRUE(server.running()) << server.Log();
}

TEST(OperatorMigrate, BadConfigurationsAndFlags) {
  TempDir dir;
  const std::string src = dir.File("src"), dst = dir.File("dst");
  struct Case {
    std::vector<std::string> args;
    std::string config;  // written to a file passed as -config unless empty
    int code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "", 1, "Must specify exactly one config path using -config"},
      {{"-config=" + dir.File("absent.hcl")}, "", 1,
       "Error loading configuration from " + dir.File("absent.hcl")},
      {{}, FileStanza("storage_source", src), 1,
       "exactly one \"storage_destination\" block is required"},
      {{}, FileStanza("storage_destination", dst), 1,
       "exactly one \"storage_source\" block is required"},
      {{}, FileStanza("storage_source", src) + FileStanza("storage_destination", dst) +
              "storag_x = 1\n",
       1, "storag_x"},
      {{}, "storage_source \"tape\" {}\n" + FileStanza("storage_destination", dst), 1,
       "type \"tape\" is not supported"},
      {{}, "storage_source \"file\" {\n", 1, "Error loading configuration"},
      {{"-max-parallel=0"},
       FileStanza("storage_source", src) + FileStanza("storage_destination", dst), 1,
       "Argument to flag -max-parallel must be between 1 and 2147483647"},
      {{"-log-level=loud"},
       FileStanza("storage_source", src) + FileStanza("storage_destination", dst), 1,
       "loud is an unknown log level"},
      {{"-bogus"}, FileStanza("storage_source", src) + FileStanza("storage_destination", dst),
       1, "flag provided but not defined: -bogus"},
      // A storage the backend refuses: exit 2 as Vault's (mounting the storage failed).
      {{}, "storage_source \"etcd\" {\n  adress = \"x\"\n}\n" +
              FileStanza("storage_destination", dst),
       2, "error mounting 'storage_source': storage etcd: unknown key 'adress'"},
  };
  int n = 0;
  for (const Case& c : cases) {
    std::vector<std::string> args = {"operator", "migrate"};
    if (!c.config.empty()) {
      args.push_back("-config=" + WriteFile(dir.File("c" + std::to_string(n++) + ".hcl"),
                                            c.config));
    }
    for (const auto& a : c.args) args.push_back(a);
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, c.code) << c.config << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.config << "\n" << r.err;
  }
  // Nothing was created or written by any of them.
  EXPECT_FALSE(std::filesystem::exists(dst));
  EXPECT_FALSE(std::filesystem::exists(src));
}

}  // namespace
}  // namespace arca::testing
