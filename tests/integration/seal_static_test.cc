// Auto-unseal with the `static` seal, end to end with the real binary and file (LMDB) storage:
// init with recovery keys, kill -9 and restart unsealed by itself, a wrong seal key leaves the
// node sealed with a clear log line, seal migration Shamir -> static -> Shamir keeps every
// secret, and bad input (recovery parameters on Shamir, migrate without a migration, wrong
// recovery keys) is refused with 400 and changes nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

const std::string kKeyA(64, 'a');  // 32 bytes, hex
const std::string kKeyB(64, 'b');

// A config on `dir`'s data directory with the given seal stanzas.
std::string WriteConfig(const TempDir& dir, const std::string& seal_stanzas,
                        const std::string& name = "arca.hcl") {
  std::string path = dir.File(name);
  std::ofstream f(path);
  f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
       "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
       "disable_mlock = true\n"
       "log_level = \"info\"\n"
    << seal_stanzas;
  return path;
}

std::string StaticStanza(const std::string& id, const std::string& key, bool disabled = false,
                         const std::string& extra = "") {
  return "seal \"static\" {\n  current_key_id = \"" + id + "\"\n  current_key = \"" + key +
         "\"\n" + extra + (disabled ? "  disabled = \"true\"\n" : "") + "}\n";
}

json::object Obj(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  return o ? *o : json::object();
}

json::object SealStatus(int port) { return Obj(RawHttp(port, "GET", "/v1/sys/seal-status")); }

// Polls sys/seal-status until `sealed` is `want` (deadline 20 s).
bool WaitSealed(int port, bool want) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto st = SealStatus(port);
    if (st.contains("sealed") && BoolOr(st, "sealed") == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Polls the server's log until it contains `text` (deadline 20 s).
bool WaitLog(const ServerProcess& s, const std::string& text) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (s.Log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::vector<std::string> Matches(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

HttpResult Unseal(int port, const std::string& key, bool migrate = false) {
  json::object b;
  b["key"] = key;
  if (migrate) b["migrate"] = true;
  return RawHttp(port, "POST", "/v1/sys/unseal", json::serialize(b));
}

HttpResult Put(int port, const std::string& token, const std::string& path, const std::string& body) {
  return RawHttp(port, "POST", "/v1/" + path, body, {{"X-Vault-Token", token}});
}

std::string ReadSecret(int port, const std::string& token, const std::string& name) {
  auto r = RawHttp(port, "GET", "/v1/secret/data/" + name, "", {{"X-Vault-Token", token}});
  auto o = Obj(r);
  return StringOr(ObjectOr(ObjectOr(o, "data"), "data"), "value", "<" + std::to_string(r.status) + ">");
}

std::unique_ptr<ServerProcess> Start(const std::string& cfg,
                                     const std::map<std::string, std::string>& env = {}) {
  return std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                         std::chrono::seconds(20), env);
}

TEST(StaticSeal, InitWithRecoveryKeysKillRestartUnsealsItself) {
  TempDir dir;
  std::string cfg = WriteConfig(dir, StaticStanza("k1", kKeyA));
  auto server = Start(cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  int port = server->port();
  auto st = SealStatus(port);
  EXPECT_EQ(StringOr(st, "type"), "static");
  EXPECT_TRUE(BoolOr(st, "recovery_seal"));
  EXPECT_FALSE(BoolOr(st, "initialized"));

  // Shamir's parameters are refused by name; nothing is initialized.
  auto wrong = RawHttp(port, "POST", "/v1/sys/init", R"({"secret_shares":5,"secret_threshold":3})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("parameters secret_shares,secret_threshold not applicable to seal "
                            "type static"), std::string::npos) << wrong.body;
  auto bad_t = RawHttp(port, "POST", "/v1/sys/init", R"({"recovery_shares":2,"recovery_threshold":3})");
  EXPECT_EQ(bad_t.status, 400);
  EXPECT_NE(bad_t.body.find("invalid recovery configuration: threshold cannot be larger than shares"),
            std::string::npos) << bad_t.body;
  EXPECT_FALSE(BoolOr(Obj(RawHttp(port, "GET", "/v1/sys/init")), "initialized"));

  std::map<std::string, std::string> env{{"VAULT_ADDR", server->url()}};
  auto init = RunCli({"operator", "init", "-recovery-shares=5", "-recovery-threshold=3"}, env);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  auto recovery = Matches(init.out, "Recovery Key [0-9]+: (\\S+)");
  ASSERT_EQ(recovery.size(), 5u) << init.out;
  EXPECT_EQ(init.out.find("Unseal Key"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("Recovery key initialized with 5 key shares and a key threshold of 3"),
            std::string::npos) << init.out;
  auto roots = Matches(init.out, "Initial Root Token: (\\S+)");
  ASSERT_EQ(roots.size(), 1u);
  std::string root = roots[0];
  env["VAULT_TOKEN"] = root;

  // Unsealed by the seal right after init; t/n are the recovery config's.
  ASSERT_TRUE(WaitSealed(port, false)) << server->LogTail();
  st = SealStatus(port);
  EXPECT_EQ(IntOr(st, "t"), 3);
  EXPECT_EQ(IntOr(st, "n"), 5);
  EXPECT_EQ(StringOr(st, "recovery_seal_type"), "shamir");
  EXPECT_FALSE(BoolOr(st, "migration"));
  auto status = RunCli({"status"}, env);
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("Recovery Seal Type"), std::string::npos) << status.out;
  EXPECT_TRUE(std::regex_search(status.out, std::regex("Total Recovery Shares\\s+5"))) << status.out;
  EXPECT_TRUE(std::regex_search(status.out, std::regex("Seal Type\\s+static"))) << status.out;

  auto backend = Obj(RawHttp(port, "GET", "/v1/sys/seal-backend-status"));
  EXPECT_TRUE(BoolOr(backend, "healthy")) << json::serialize(backend);
  ASSERT_TRUE(backend.contains("backends"));
  EXPECT_EQ(StringOr(backend.at("backends").as_array().at(0).as_object(), "name"), "static");
  EXPECT_FALSE(backend.contains("unhealthy_since"));
  // Read only: another method is a 405.
  EXPECT_EQ(RawHttp(port, "POST", "/v1/sys/seal-backend-status", "{}").status, 405);

  ASSERT_EQ(Put(port, root, "sys/mounts/secret", R"({"type":"kv","options":{"version":"2"}})").status, 204);
  ASSERT_EQ(Put(port, root, "secret/data/db", R"({"data":{"value":"s3cret"}})").status, 200);

  // kill -9, restart: unsealed by itself, the secret is there.
  server->Stop(SIGKILL);
  server = Start(cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  port = server->port();
  ASSERT_TRUE(WaitSealed(port, false)) << server->LogTail();
  EXPECT_EQ(ReadSecret(port, root, "db"), "s3cret");

  // After sys/seal it stays sealed (as Vault); recovery keys unseal it. A wrong set is a 400
  // and changes nothing.
  ASSERT_EQ(Put(port, root, "sys/seal", "").status, 204);
  st = SealStatus(port);
  EXPECT_TRUE(BoolOr(st, "sealed"));
  auto mig = Unseal(port, recovery[0], true);
  EXPECT_EQ(mig.status, 400);
  EXPECT_NE(mig.body.find("can't perform a seal migration, no migration seal found"),
            std::string::npos) << mig.body;
  EXPECT_EQ(IntOr(SealStatus(port), "progress"), 0);
  // Shares of another recovery key set: well-formed, wrong.
  TempDir other;
  {
    auto s2 = Start(WriteConfig(other, StaticStanza("k1", kKeyA)));
    ASSERT_TRUE(s2->running()) << s2->Log();
    auto o = Obj(RawHttp(s2->port(), "POST", "/v1/sys/init",
                         R"({"recovery_shares":5,"recovery_threshold":3})"));
    auto other_keys = StringsOf(o, "recovery_keys_base64");
    ASSERT_EQ(other_keys.size(), 5u);
    EXPECT_EQ(Unseal(port, other_keys[0]).status, 200);
    EXPECT_EQ(Unseal(port, other_keys[1]).status, 200);
    auto w = Unseal(port, other_keys[2]);
    EXPECT_EQ(w.status, 400) << w.body;
    EXPECT_NE(w.body.find("failed to verify recovery key"), std::string::npos) << w.body;
  }
  st = SealStatus(port);
  EXPECT_TRUE(BoolOr(st, "sealed"));
  EXPECT_EQ(IntOr(st, "progress"), 0);
  for (int i : {4, 1}) EXPECT_EQ(Unseal(port, recovery[i]).status, 200);
  EXPECT_TRUE(BoolOr(SealStatus(port), "sealed"));
  auto last = Unseal(port, recovery[2]);
  EXPECT_EQ(last.status, 200) << last.body;
  EXPECT_FALSE(BoolOr(Obj(last), "sealed")) << last.body;
  EXPECT_EQ(ReadSecret(port, root, "db"), "s3cret");
}

TEST(StaticSeal, WrongKeyStaysSealedWithAClearErrorPreviousKeyOpens) {
  TempDir dir;
  std::string cfg = WriteConfig(dir, StaticStanza("k1", kKeyA));
  auto server = Start(cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  auto init = RawHttp(server->port(), "POST", "/v1/sys/init", R"({"recovery_shares":1,"recovery_threshold":1})");
  ASSERT_EQ(init.status, 200) << init.body;
  auto io = Obj(init);
  EXPECT_TRUE(StringsOf(io, "keys").empty());
  ASSERT_EQ(StringsOf(io, "recovery_keys").size(), 1u);
  std::string root = StringOr(io, "root_token");
  ASSERT_TRUE(WaitSealed(server->port(), false));
  ASSERT_EQ(Put(server->port(), root, "sys/mounts/secret", R"({"type":"kv","options":{"version":"2"}})").status, 204);
  ASSERT_EQ(Put(server->port(), root, "secret/data/a", R"({"data":{"value":"1"}})").status, 200);
  server.reset();

  // The same key id with another key: sealed, and the log says why (no key material).
  std::string wrong_cfg = WriteConfig(dir, StaticStanza("k1", kKeyB), "wrong.hcl");
  server = Start(wrong_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  ASSERT_TRUE(WaitLog(*server, "cannot unseal with the static seal")) << server->LogTail();
  EXPECT_NE(server->Log().find("cannot decrypt with key id \"k1\""), std::string::npos);
  EXPECT_EQ(server->Log().find(kKeyB), std::string::npos);
  EXPECT_EQ(server->Log().find(kKeyA), std::string::npos);
  auto st = SealStatus(server->port());
  EXPECT_TRUE(BoolOr(st, "initialized"));
  EXPECT_TRUE(BoolOr(st, "sealed"));
  auto read = RawHttp(server->port(), "GET", "/v1/secret/data/a", "", {{"X-Vault-Token", root}});
  EXPECT_EQ(read.status, 503);
  server.reset();

  // Rotation: a new current key with the old one as previous_key unseals.
  std::string rotated = WriteConfig(
      dir, StaticStanza("k2", kKeyB, false,
                        "  previous_key_id = \"k1\"\n  previous_key = \"env://OLD_SEAL_KEY\"\n"),
      "rotated.hcl");
  server = Start(rotated, {{"OLD_SEAL_KEY", kKeyA}});
  ASSERT_TRUE(server->running()) << server->Log();
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  EXPECT_EQ(ReadSecret(server->port(), root, "a"), "1");
}

TEST(StaticSeal, MigrationShamirToStaticToShamirKeepsEverySecret) {
  TempDir dir;
  std::string shamir_cfg = WriteConfig(dir, "", "shamir.hcl");
  std::string static_cfg = WriteConfig(dir, StaticStanza("k1", kKeyA), "static.hcl");
  std::string away_cfg = WriteConfig(dir, StaticStanza("k1", kKeyA, true), "away.hcl");

  auto server = Start(shamir_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  int port = server->port();
  // Recovery parameters on a Shamir seal: 400, nothing changed.
  auto bad = RawHttp(port, "POST", "/v1/sys/init",
                     R"({"secret_shares":5,"secret_threshold":3,"recovery_shares":5})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("parameters recovery_shares not applicable to seal type shamir"),
            std::string::npos) << bad.body;
  EXPECT_FALSE(BoolOr(Obj(RawHttp(port, "GET", "/v1/sys/init")), "initialized"));
  auto init = Obj(RawHttp(port, "POST", "/v1/sys/init", R"({"secret_shares":5,"secret_threshold":3})"));
  auto keys = StringsOf(init, "keys");
  ASSERT_EQ(keys.size(), 5u);
  std::string root = StringOr(init, "root_token");
  for (int i : {0, 1, 2}) ASSERT_EQ(Unseal(port, keys[i]).status, 200);
  ASSERT_FALSE(BoolOr(SealStatus(port), "sealed"));
  ASSERT_EQ(Put(port, root, "sys/mounts/secret", R"({"type":"kv","options":{"version":"2"}})").status, 204);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Put(port, root, "secret/data/s" + std::to_string(i),
                  R"({"data":{"value":"v)" + std::to_string(i) + R"("}})").status, 200);
  }
  server.reset();

  // Shamir -> static: sealed, migration pending, the unseal keys are asked for.
  server = Start(static_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  port = server->port();
  auto st = SealStatus(port);
  EXPECT_TRUE(BoolOr(st, "sealed"));
  EXPECT_TRUE(BoolOr(st, "migration"));
  EXPECT_EQ(StringOr(st, "type"), "static");
  EXPECT_EQ(IntOr(st, "t"), 3);
  EXPECT_EQ(IntOr(st, "n"), 5);
  auto no_flag = Unseal(port, keys[0]);
  EXPECT_EQ(no_flag.status, 400);
  EXPECT_NE(no_flag.body.find("migrate option not provided and seal migration is pending"),
            std::string::npos) << no_flag.body;
  EXPECT_EQ(IntOr(SealStatus(port), "progress"), 0);
  std::map<std::string, std::string> env{{"VAULT_ADDR", server->url()}, {"VAULT_TOKEN", root}};
  for (int i : {4, 3, 1}) {
    auto u = RunCli({"operator", "unseal", "-migrate", keys[i]}, env);
    ASSERT_EQ(u.exit_code, 0) << u.out << u.err;
  }
  st = SealStatus(port);
  EXPECT_FALSE(BoolOr(st, "sealed"));
  EXPECT_FALSE(BoolOr(st, "migration"));
  EXPECT_TRUE(BoolOr(st, "recovery_seal"));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(ReadSecret(port, root, "s" + std::to_string(i)), "v" + std::to_string(i));
  server->Stop(SIGKILL);

  // The static seal now unseals by itself; the old unseal keys are the recovery keys.
  server = Start(static_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  port = server->port();
  ASSERT_TRUE(WaitSealed(port, false)) << server->LogTail();
  EXPECT_EQ(ReadSecret(port, root, "s3"), "v3");
  ASSERT_EQ(Put(port, root, "sys/seal", "").status, 204);
  for (int i : {0, 2, 4}) ASSERT_EQ(Unseal(port, keys[i]).status, 200);
  ASSERT_FALSE(BoolOr(SealStatus(port), "sealed"));
  ASSERT_EQ(Put(port, root, "secret/data/during-auto", R"({"data":{"value":"auto"}})").status, 200);
  server.reset();

  // static -> Shamir: the stanza is disabled; the recovery keys become the unseal keys.
  server = Start(away_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  port = server->port();
  st = SealStatus(port);
  EXPECT_TRUE(BoolOr(st, "sealed"));
  EXPECT_TRUE(BoolOr(st, "migration"));
  EXPECT_EQ(StringOr(st, "type"), "shamir");
  EXPECT_FALSE(BoolOr(st, "recovery_seal"));
  EXPECT_EQ(IntOr(st, "t"), 3);
  for (int i : {1, 2, 3}) ASSERT_EQ(Unseal(port, keys[i], true).status, 200);
  st = SealStatus(port);
  EXPECT_FALSE(BoolOr(st, "sealed"));
  EXPECT_FALSE(BoolOr(st, "migration"));
  server.reset();

  // Plain Shamir again: the same keys unseal, every secret is there.
  server = Start(shamir_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  port = server->port();
  st = SealStatus(port);
  EXPECT_TRUE(BoolOr(st, "sealed"));
  EXPECT_FALSE(BoolOr(st, "migration"));
  EXPECT_EQ(StringOr(st, "type"), "shamir");
  for (int i : {0, 3, 4}) ASSERT_EQ(Unseal(port, keys[i]).status, 200);
  ASSERT_FALSE(BoolOr(SealStatus(port), "sealed"));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(ReadSecret(port, root, "s" + std::to_string(i)), "v" + std::to_string(i));
  EXPECT_EQ(ReadSecret(port, root, "during-auto"), "auto");
}

TEST(StaticSeal, StoredAutoSealWithoutSealStanzaRefusesToStart) {
  TempDir dir;
  {
    ServerProcess s({"-config=" + WriteConfig(dir, StaticStanza("k1", kKeyA))});
    ASSERT_TRUE(s.running()) << s.Log();
    ASSERT_EQ(RawHttp(s.port(), "POST", "/v1/sys/init", "{}").status, 200);
  }
  ServerProcess refused({"-config=" + WriteConfig(dir, "", "none.hcl")});
  EXPECT_FALSE(refused.running());
  EXPECT_NE(refused.Log().find("cannot seal migrate from \"static\" to Shamir, no disabled seal "
                               "in configuration"), std::string::npos) << refused.Log();
}

}  // namespace
}  // namespace arca::testing
