// End to end with `seal "awskms"`: the real server against tests/services/kms_standin.py, a
// STAND-IN for AWS KMS on loopback (no real KMS is reachable here) that verifies the SigV4
// signature of every request. Init with recovery keys, write a secret, kill -9, restart: the
// server unseals by itself; sys/seal-backend-status follows KMS's health. KMS down at start:
// sealed until it returns. A wrong secret key: sealed, with KMS's error in the log. Migration
// Shamir -> awskms -> static keeps the data. A bad stanza stops the server at start.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/json.h"
#include "integration/harness.h"
#include "services/kms_standin.h"

namespace arca::testing {
namespace {

constexpr const char* kKeyId = "3b1f0c2d-8e7a-4b6c-9d5e-1f2a3b4c5d6e";
constexpr const char* kAccess = "AKIDARCAINTEGRATION";
constexpr const char* kSecret = "integration/secret+key/0123456789abcdefghij";

KmsStandinOptions StandinOptions() {
  KmsStandinOptions o;
  o.keys = {kKeyId};
  o.aliases = {{"alias/arca-unseal", kKeyId}};
  o.credentials = {{kAccess, kSecret, ""}};
  return o;
}

std::string WriteConfig(const TempDir& dir, const KmsStandin& kms) {
  std::string path = dir.File("arca.hcl");
  std::ofstream f(path);
  f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
    << "listener \"tcp\" {\n  address     = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
    << "seal \"awskms\" {\n"
    << "  region     = \"us-east-1\"\n"
    << "  kms_key_id = \"alias/arca-unseal\"\n"
    << "  endpoint   = \"" << kms.endpoint() << "\"\n"
    << "}\n"
    << "disable_mlock = true\n"
    << "log_level = \"info\"\n";
  return path;
}

// Credentials reach the server through the environment (AWS_ACCESS_KEY_ID, ...).
std::map<std::string, std::string> AwsEnv(const std::string& secret = kSecret) {
  return {{"AWS_ACCESS_KEY_ID", kAccess}, {"AWS_SECRET_ACCESS_KEY", secret}};
}

json::object SealStatus(int port) {
  auto r = RawHttp(port, "GET", "/v1/sys/seal-status");
  auto o = ParseJsonObject(r.body);
  return o ? *o : json::object();
}

// Polls sys/seal-status until `sealed` is `want` (a deadline, no fixed sleep).
bool WaitSealed(int port, bool want, std::chrono::seconds limit = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    json::object st = SealStatus(port);
    if (st.contains("sealed") && st.at("sealed").is_bool() && st.at("sealed").as_bool() == want &&
        BoolOr(st, "initialized")) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Polls the server's log for `text`.
bool WaitLog(const ServerProcess& server, const std::string& text,
             std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (server.Log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(SealAwsKms, InitWithRecoveryKeysKillRestartUnsealsByItself) {
  KmsStandin kms(StandinOptions());
  ASSERT_TRUE(kms.ok()) << kms.error();
  TempDir dir;
  std::string cfg = WriteConfig(dir, kms);
  auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                                std::chrono::seconds(20), AwsEnv());
  ASSERT_TRUE(server->running()) << server->Log();

  json::object st = SealStatus(server->port());
  EXPECT_EQ(StringOr(st, "type"), "awskms") << json::serialize(st);
  EXPECT_FALSE(BoolOr(st, "initialized", true));

  auto init = RawHttp(server->port(), "PUT", "/v1/sys/init",
                      R"({"recovery_shares":5,"recovery_threshold":3})");
  ASSERT_EQ(init.status, 200) << init.body << server->LogTail();
  auto init_obj = ParseJsonObject(init.body);
  ASSERT_TRUE(init_obj) << init.body;
  EXPECT_EQ(StringsOf(*init_obj, "recovery_keys").size(), 5u) << init.body;
  EXPECT_EQ(StringsOf(*init_obj, "recovery_keys_base64").size(), 5u) << init.body;
  EXPECT_TRUE(StringsOf(*init_obj, "keys").empty()) << init.body;
  std::string root = StringOr(*init_obj, "root_token");
  ASSERT_FALSE(root.empty()) << init.body;

  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  st = SealStatus(server->port());
  EXPECT_EQ(StringOr(st, "type"), "awskms");
  EXPECT_TRUE(BoolOr(st, "recovery_seal")) << json::serialize(st);

  std::map<std::string, std::string> auth = {{"X-Vault-Token", root}};
  ASSERT_EQ(RawHttp(server->port(), "POST", "/v1/sys/mounts/kv", R"({"type":"kv"})", auth).status,
            204);
  ASSERT_EQ(RawHttp(server->port(), "PUT", "/v1/kv/item", R"({"value":"kept"})", auth).status, 204);
  auto stats_before = kms.Stats();
  EXPECT_GE(stats_before["Encrypt"], 1);
  EXPECT_EQ(stats_before["rejected"], 0);

  // kill -9, restart: the server asks KMS to decrypt and unseals without any key from us.
  server->Stop(SIGKILL);
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                           std::chrono::seconds(20), AwsEnv());
  ASSERT_TRUE(server->running()) << server->Log();
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  auto read = RawHttp(server->port(), "GET", "/v1/kv/item", "", auth);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_NE(read.body.find("\"value\":\"kept\""), std::string::npos) << read.body;
  EXPECT_GT(kms.Stats()["Decrypt"], stats_before["Decrypt"]);
  // One clear line says which key, region and endpoint, and where the credentials came from.
  EXPECT_NE(server->Log().find(std::string("awskms seal: using KMS key ") + kKeyId +
                               " in region us-east-1 at " + kms.endpoint() +
                               " (credentials from the environment)"),
            std::string::npos)
      << server->LogTail();
  // sys/seal-backend-status asks KMS (DescribeKey): healthy, unhealthy while it is down, healthy
  // again when it is back; the data stays readable (the barrier is open).
  auto backend = [&] {
    auto r = RawHttp(server->port(), "GET", "/v1/sys/seal-backend-status");
    EXPECT_EQ(r.status, 200) << r.body;
    auto o = ParseJsonObject(r.body);
    return o ? *o : json::object();
  };
  json::object health = backend();
  EXPECT_TRUE(BoolOr(health, "healthy")) << json::serialize(health);
  ASSERT_TRUE(health.contains("backends") && health.at("backends").is_array() &&
              !health.at("backends").as_array().empty())
      << json::serialize(health);
  EXPECT_EQ(StringOr(health.at("backends").as_array()[0].as_object(), "name"), "awskms");
  kms.Stop();
  health = backend();
  EXPECT_FALSE(BoolOr(health, "healthy", true)) << json::serialize(health);
  EXPECT_FALSE(StringOr(health, "unhealthy_since").empty()) << json::serialize(health);
  EXPECT_EQ(RawHttp(server->port(), "GET", "/v1/kv/item", "", auth).status, 200);
  ASSERT_TRUE(kms.Start()) << kms.error();
  EXPECT_TRUE(BoolOr(backend(), "healthy"));

  // The secret key is not in the server's output.
  EXPECT_EQ(server->Log().find(kSecret), std::string::npos);
}

TEST(SealAwsKms, KmsDownAtStartStaysSealedUntilItReturns) {
  KmsStandin kms(StandinOptions());
  ASSERT_TRUE(kms.ok()) << kms.error();
  TempDir dir;
  std::string cfg = WriteConfig(dir, kms);
  auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                                std::chrono::seconds(20), AwsEnv());
  ASSERT_TRUE(server->running()) << server->Log();
  auto init = RawHttp(server->port(), "PUT", "/v1/sys/init",
                      R"({"recovery_shares":1,"recovery_threshold":1})");
  ASSERT_EQ(init.status, 200) << init.body;
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  server->Stop(SIGKILL);

  kms.Stop();
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                           std::chrono::seconds(20), AwsEnv());
  ASSERT_TRUE(server->running()) << server->Log();
  // Sealed, saying why (the endpoint refuses connections).
  ASSERT_TRUE(WaitLog(*server, "awskms seal: KMS DescribeKey: Post \"" + kms.endpoint() + "\""))
      << server->LogTail();
  EXPECT_NE(server->Log().find("connection refused"), std::string::npos) << server->LogTail();
  EXPECT_TRUE(BoolOr(SealStatus(server->port()), "sealed"));

  ASSERT_TRUE(kms.Start()) << kms.error();
  EXPECT_TRUE(WaitSealed(server->port(), false, std::chrono::seconds(60))) << server->LogTail();
}

TEST(SealAwsKms, WrongSecretKeyLeavesItSealedWithKmsError) {
  KmsStandin kms(StandinOptions());
  ASSERT_TRUE(kms.ok()) << kms.error();
  TempDir dir;
  std::string cfg = WriteConfig(dir, kms);
  auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                                std::chrono::seconds(20), AwsEnv());
  ASSERT_TRUE(server->running()) << server->Log();
  auto init = RawHttp(server->port(), "PUT", "/v1/sys/init",
                      R"({"recovery_shares":1,"recovery_threshold":1})");
  ASSERT_EQ(init.status, 200) << init.body;
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  server->Stop(SIGKILL);

  const std::string wrong = "wrong/secret/key/0000000000000000000000";
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                           std::chrono::seconds(20), AwsEnv(wrong));
  ASSERT_TRUE(server->running()) << server->Log();
  ASSERT_TRUE(WaitLog(*server, "InvalidSignatureException")) << server->LogTail();
  EXPECT_TRUE(BoolOr(SealStatus(server->port()), "sealed"));
  EXPECT_EQ(server->Log().find(wrong), std::string::npos);
  EXPECT_GE(kms.Stats()["rejected"], 1);
}

// A config on `dir`'s data directory with the given seal stanzas (Shamir when empty).
std::string WriteConfigWith(const TempDir& dir, const std::string& name,
                            const std::string& seal_stanzas) {
  std::string path = dir.File(name);
  std::ofstream f(path);
  f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
    << "listener \"tcp\" {\n  address     = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
    << "disable_mlock = true\nlog_level = \"info\"\n"
    << seal_stanzas;
  return path;
}

std::string AwsKmsStanza(const KmsStandin& kms, bool disabled = false) {
  return "seal \"awskms\" {\n  region = \"us-east-1\"\n  kms_key_id = \"" + std::string(kKeyId) +
         "\"\n  endpoint = \"" + kms.endpoint() + "\"\n" +
         (disabled ? "  disabled = \"true\"\n" : "") + "}\n";
}

HttpResult Unseal(int port, const std::string& key, bool migrate) {
  json::object b;
  b["key"] = key;
  if (migrate) b["migrate"] = true;
  return RawHttp(port, "POST", "/v1/sys/unseal", json::serialize(b));
}

// Shamir -> awskms (the unseal keys become recovery keys; restarts unseal through KMS), then
// awskms -> static (auto -> auto: the awskms stanza disabled, KMS opens the old root key).
TEST(SealAwsKms, MigrationShamirToAwsKmsToStaticKeepsSecrets) {
  KmsStandin kms(StandinOptions());
  ASSERT_TRUE(kms.ok()) << kms.error();
  TempDir dir;
  const std::string static_stanza =
      "seal \"static\" {\n  current_key_id = \"s1\"\n  current_key = \"" + std::string(64, 'c') +
      "\"\n}\n";
  std::string shamir_cfg = WriteConfigWith(dir, "shamir.hcl", "");
  std::string kms_cfg = WriteConfigWith(dir, "kms.hcl", AwsKmsStanza(kms));
  std::string to_static_cfg =
      WriteConfigWith(dir, "to-static.hcl", AwsKmsStanza(kms, true) + static_stanza);
  std::string static_cfg = WriteConfigWith(dir, "static.hcl", static_stanza);

  auto start = [&](const std::string& cfg) {
    return std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                           std::chrono::seconds(20), AwsEnv());
  };
  auto server = start(shamir_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  auto init = ParseJsonObject(
      RawHttp(server->port(), "PUT", "/v1/sys/init", R"({"secret_shares":3,"secret_threshold":2})")
          .body);
  ASSERT_TRUE(init);
  auto keys = StringsOf(*init, "keys");
  ASSERT_EQ(keys.size(), 3u);
  std::string root = StringOr(*init, "root_token");
  for (int i : {0, 1}) ASSERT_EQ(Unseal(server->port(), keys[i], false).status, 200);
  std::map<std::string, std::string> auth = {{"X-Vault-Token", root}};
  ASSERT_EQ(RawHttp(server->port(), "POST", "/v1/sys/mounts/kv", R"({"type":"kv"})", auth).status,
            204);
  ASSERT_EQ(RawHttp(server->port(), "PUT", "/v1/kv/a", R"({"v":"1"})", auth).status, 204);
  server.reset();

  // Shamir -> awskms.
  server = start(kms_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  json::object st = SealStatus(server->port());
  EXPECT_TRUE(BoolOr(st, "migration")) << json::serialize(st);
  EXPECT_EQ(StringOr(st, "type"), "awskms");
  for (int i : {2, 0}) ASSERT_EQ(Unseal(server->port(), keys[i], true).status, 200);
  st = SealStatus(server->port());
  EXPECT_FALSE(BoolOr(st, "sealed", true)) << json::serialize(st);
  EXPECT_FALSE(BoolOr(st, "migration", true));
  EXPECT_TRUE(BoolOr(st, "recovery_seal"));
  server->Stop(SIGKILL);
  server = start(kms_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  EXPECT_NE(RawHttp(server->port(), "GET", "/v1/kv/a", "", auth).body.find("\"v\":\"1\""),
            std::string::npos);
  ASSERT_EQ(RawHttp(server->port(), "PUT", "/v1/kv/b", R"({"v":"2"})", auth).status, 204);
  server.reset();

  // awskms -> static: the old seal (KMS) opens the root key, the new one wraps it; the
  // recovery keys (the old unseal keys) authorise it.
  server = start(to_static_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  st = SealStatus(server->port());
  EXPECT_TRUE(BoolOr(st, "migration")) << json::serialize(st);
  EXPECT_EQ(StringOr(st, "type"), "static");
  for (int i : {1, 2}) ASSERT_EQ(Unseal(server->port(), keys[i], true).status, 200);
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  server.reset();

  // The static seal alone (KMS gone) unseals by itself; both secrets are there.
  kms.Stop();
  server = start(static_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  EXPECT_NE(RawHttp(server->port(), "GET", "/v1/kv/a", "", auth).body.find("\"v\":\"1\""),
            std::string::npos);
  EXPECT_NE(RawHttp(server->port(), "GET", "/v1/kv/b", "", auth).body.find("\"v\":\"2\""),
            std::string::npos);
}

TEST(SealAwsKms, BadStanzaRefusesToStartNamingTheOption) {
  TempDir dir;
  struct Case {
    std::string body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"  region = \"us-east-1\"\n", "kms_key_id is required"},
      {"  kms_key_id = \"k\"\n  role_arn = \"arn:aws:iam::1:role/r\"\n",
       "option \"role_arn\" is not supported"},
      {"  kms_key_id = \"k\"\n  access_key = \"AKID\"\n", "access_key and secret_key"},
  };
  for (const Case& c : cases) {
    std::string path = dir.File("bad.hcl");
    {
      std::ofstream f(path);
      f << "storage \"inmem\" {}\n"
        << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
        << "seal \"awskms\" {\n"
        << c.body << "}\n"
        << "disable_mlock = true\n";
    }
    ServerProcess server({"-config=" + path}, std::chrono::seconds(20));
    EXPECT_FALSE(server.running()) << c.message;
    EXPECT_NE(server.Log().find(c.message), std::string::npos) << server.Log();
  }
}

}  // namespace
}  // namespace arca::testing
