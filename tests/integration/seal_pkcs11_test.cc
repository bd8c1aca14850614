// End to end with the real binary and a real SoftHSM2 token: `seal "pkcs11"` with recovery
// keys, kill -9, a restart that unseals by itself, and a wrong PIN or a missing key that leave
// the server sealed with a clear error in its log.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "common/json.h"
#include "integration/harness.h"
#include "services/softhsm.h"

namespace arca::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kPin[] = "e2e-pin-1234";

json::object Body(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  return o ? *o : json::object();
}

std::string WriteConfig(const TempDir& dir, const std::string& seal_body,
                        const std::string& name = "arca.hcl") {
  std::string path = dir.File(name);
  std::ofstream f(path);
  f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
    << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
    << "seal \"pkcs11\" {\n" << seal_body << "}\n"
    << "disable_mlock = true\nlog_level = \"info\"\n";
  return path;
}

// Polls sys/seal-status until `sealed` is `want` (deadline 30 s).
bool WaitSealed(int port, bool want, json::object* last = nullptr) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    auto r = RawHttp(port, "GET", "/v1/sys/seal-status");
    if (r.status == 200) {
      auto b = Body(r);
      if (last) *last = b;
      if (BoolOr(b, "sealed", !want) == want) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll interval
  }
  return false;
}

// Polls the server's log for `text` (deadline 30 s).
bool WaitLog(const ServerProcess& s, const std::string& text) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    if (s.Log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll interval
  }
  return false;
}

TEST(SealPkcs11, InitKillRestartUnsealsByItselfAndBadPinOrKeyStaySealed) {
  SoftHsm hsm;
  ASSERT_TRUE(hsm.ok()) << hsm.error();
  ASSERT_TRUE(hsm.InitToken("arca-e2e", kPin)) << hsm.error();
  TempDir dir;
  const std::string lib = std::string("  lib = \"") + SoftHsm::kLib + "\"\n";
  const std::string good = lib + "  token_label = \"arca-e2e\"\n  key_label = \"arca-root\"\n";
  // The PIN from the environment (ARCA_HSM_PIN), the key created at the first start.
  std::string cfg = WriteConfig(dir, good + "  generate_key = \"true\"\n");
  auto env = hsm.env();
  env["ARCA_HSM_PIN"] = kPin;

  auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                                std::chrono::seconds(30), env);
  ASSERT_TRUE(server->running()) << server->Log();
  auto st = Body(RawHttp(server->port(), "GET", "/v1/sys/seal-status"));
  EXPECT_EQ(StringOr(st, "type"), "pkcs11");
  EXPECT_FALSE(BoolOr(st, "initialized", true));

  // Unseal-key parameters do not apply to an auto seal.
  auto wrong = RawHttp(server->port(), "PUT", "/v1/sys/init", R"({"secret_shares":3,"secret_threshold":2})");
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  auto init = RawHttp(server->port(), "PUT", "/v1/sys/init",
                      R"({"recovery_shares":3,"recovery_threshold":2})");
  ASSERT_EQ(init.status, 200) << init.body << server->LogTail();
  auto ib = Body(init);
  EXPECT_EQ(StringsOf(ib, "recovery_keys_base64").size(), 3u) << init.body;
  EXPECT_TRUE(StringsOf(ib, "keys").empty()) << init.body;
  std::string root = StringOr(ib, "root_token");
  ASSERT_FALSE(root.empty());
  json::object status;
  ASSERT_TRUE(WaitSealed(server->port(), false, &status)) << server->LogTail();
  EXPECT_TRUE(BoolOr(status, "recovery_seal"));

  std::map<std::string, std::string> h = {{"X-Vault-Token", root}};
  ASSERT_EQ(RawHttp(server->port(), "POST", "/v1/sys/mounts/kv", R"({"type":"kv"})", h).status, 204);
  ASSERT_EQ(RawHttp(server->port(), "POST", "/v1/kv/hsm", R"({"value":"kept by the HSM"})", h).status, 204);

  // kill -9 and restart: unsealed by itself, the secret is there.
  server->Stop(SIGKILL);
  cfg = WriteConfig(dir, good);  // the key exists now: no generate_key
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                           std::chrono::seconds(30), env);
  ASSERT_TRUE(server->running()) << server->Log();
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  auto read = RawHttp(server->port(), "GET", "/v1/kv/hsm", "", h);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(StringOr(ObjectOr(Body(read), "data"), "value"), "kept by the HSM");
  auto health = Body(RawHttp(server->port(), "GET", "/v1/sys/seal-backend-status"));
  EXPECT_TRUE(BoolOr(health, "healthy")) << ToJson(health);
  auto backends = health.contains("backends") && health["backends"].is_array()
                      ? health["backends"].as_array() : json::array();
  ASSERT_EQ(backends.size(), 1u) << ToJson(health);
  EXPECT_EQ(StringOr(backends[0].as_object(), "name"), "pkcs11");
  server->Stop(SIGKILL);

  // A wrong PIN: it serves, sealed, and says why.
  auto bad_env = env;
  bad_env["ARCA_HSM_PIN"] = "0000-wrong";
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                           std::chrono::seconds(30), bad_env);
  ASSERT_TRUE(server->running()) << server->Log();
  EXPECT_TRUE(WaitLog(*server, "CKR_PIN_INCORRECT")) << server->LogTail();
  auto s1 = Body(RawHttp(server->port(), "GET", "/v1/sys/seal-status"));
  EXPECT_TRUE(BoolOr(s1, "sealed"));
  EXPECT_TRUE(BoolOr(s1, "initialized"));
  EXPECT_EQ(RawHttp(server->port(), "GET", "/v1/kv/hsm", "", h).status, 503);
  server->Stop(SIGKILL);

  // A key that is not on the token (and generate_key off): sealed, the log names the key.
  std::string missing = WriteConfig(
      dir, lib + "  token_label = \"arca-e2e\"\n  key_label = \"not-there\"\n", "missing.hcl");
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + missing},
                                           std::chrono::seconds(30), env);
  ASSERT_TRUE(server->running()) << server->Log();
  EXPECT_TRUE(WaitLog(*server, "no secret key with label not-there")) << server->LogTail();
  EXPECT_TRUE(BoolOr(Body(RawHttp(server->port(), "GET", "/v1/sys/seal-status")), "sealed"));
  server->Stop(SIGKILL);

  // The right configuration again: unsealed by itself (nothing was changed by the failures).
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                           std::chrono::seconds(30), env);
  ASSERT_TRUE(server->running()) << server->Log();
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  EXPECT_EQ(RawHttp(server->port(), "GET", "/v1/kv/hsm", "", h).status, 200);
}

// Seal migration as Vault documents it, with the HSM: Shamir -> pkcs11 (the unseal keys become
// recovery keys) -> Shamir (a stanza marked disabled; the recovery keys become unseal keys again),
// every secret kept, and the pkcs11 node unsealing by itself after kill -9 in between.
TEST(SealPkcs11, MigrationShamirToPkcs11AndBack) {
  SoftHsm hsm;
  ASSERT_TRUE(hsm.ok()) << hsm.error();
  ASSERT_TRUE(hsm.InitToken("arca-migrate", kPin)) << hsm.error();
  TempDir dir;
  const std::string stanza = std::string("  lib = \"") + SoftHsm::kLib + "\"\n" +
                             "  token_label = \"arca-migrate\"\n  pin = \"" + kPin + "\"\n" +
                             "  key_label = \"migrate-key\"\n  generate_key = \"true\"\n";
  std::string shamir_cfg = dir.File("shamir.hcl");
  {
    std::ofstream f(shamir_cfg);
    f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
      << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
      << "disable_mlock = true\nlog_level = \"info\"\n";
  }
  std::string hsm_cfg = WriteConfig(dir, stanza, "hsm.hcl");
  std::string back_cfg = WriteConfig(dir, stanza + "  disabled = \"true\"\n", "back.hcl");
  auto env = hsm.env();
  auto start = [&](const std::string& cfg) {
    return std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg},
                                           std::chrono::seconds(30), env);
  };
  auto unseal = [](int port, const std::string& key, bool migrate) {
    json::object b;
    b["key"] = key;
    if (migrate) b["migrate"] = true;
    return RawHttp(port, "PUT", "/v1/sys/unseal", ToJson(b));
  };

  // Shamir 3/2 with secrets.
  auto server = start(shamir_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  auto init = RawHttp(server->port(), "PUT", "/v1/sys/init", R"({"secret_shares":3,"secret_threshold":2})");
  ASSERT_EQ(init.status, 200) << init.body;
  auto keys = StringsOf(Body(init), "keys_base64");
  ASSERT_EQ(keys.size(), 3u);
  std::string root = StringOr(Body(init), "root_token");
  std::map<std::string, std::string> h = {{"X-Vault-Token", root}};
  ASSERT_EQ(unseal(server->port(), keys[0], false).status, 200);
  ASSERT_EQ(unseal(server->port(), keys[1], false).status, 200);
  ASSERT_TRUE(WaitSealed(server->port(), false));
  ASSERT_EQ(RawHttp(server->port(), "POST", "/v1/sys/mounts/kv", R"({"type":"kv"})", h).status, 204);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(RawHttp(server->port(), "POST", "/v1/kv/s" + std::to_string(i),
                      R"({"value":"v)" + std::to_string(i) + R"("})", h).status, 204);
  }
  auto check_secrets = [&](int port) {
    for (int i = 0; i < 5; ++i) {
      auto r = RawHttp(port, "GET", "/v1/kv/s" + std::to_string(i), "", h);
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(StringOr(ObjectOr(Body(r), "data"), "value"), "v" + std::to_string(i));
    }
  };
  server.reset();

  // Shamir -> pkcs11: sealed, migration pending; a key without migrate=true is refused.
  server = start(hsm_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  auto st = Body(RawHttp(server->port(), "GET", "/v1/sys/seal-status"));
  EXPECT_TRUE(BoolOr(st, "sealed"));
  EXPECT_TRUE(BoolOr(st, "migration")) << ToJson(st);
  EXPECT_EQ(unseal(server->port(), keys[2], false).status, 400);
  ASSERT_EQ(unseal(server->port(), keys[2], true).status, 200);
  auto done = unseal(server->port(), keys[0], true);
  ASSERT_EQ(done.status, 200) << done.body << server->LogTail();
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  st = Body(RawHttp(server->port(), "GET", "/v1/sys/seal-status"));
  EXPECT_EQ(StringOr(st, "type"), "pkcs11");
  EXPECT_TRUE(BoolOr(st, "recovery_seal"));
  check_secrets(server->port());

  // kill -9: the HSM unseals it by itself.
  server->Stop(SIGKILL);
  server = start(hsm_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  check_secrets(server->port());
  server.reset();

  // pkcs11 -> Shamir: the stanza marked disabled; the recovery keys (the old unseal keys).
  server = start(back_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  EXPECT_TRUE(BoolOr(Body(RawHttp(server->port(), "GET", "/v1/sys/seal-status")), "migration"));
  ASSERT_EQ(unseal(server->port(), keys[1], true).status, 200);
  auto back = unseal(server->port(), keys[2], true);
  ASSERT_EQ(back.status, 200) << back.body << server->LogTail();
  ASSERT_TRUE(WaitSealed(server->port(), false)) << server->LogTail();
  EXPECT_EQ(StringOr(Body(RawHttp(server->port(), "GET", "/v1/sys/seal-status")), "type"), "shamir");
  check_secrets(server->port());
  server.reset();

  // Plain Shamir again: sealed at start, the same keys unseal it.
  server = start(shamir_cfg);
  ASSERT_TRUE(server->running()) << server->Log();
  EXPECT_TRUE(BoolOr(Body(RawHttp(server->port(), "GET", "/v1/sys/seal-status")), "sealed"));
  ASSERT_EQ(unseal(server->port(), keys[0], false).status, 200);
  ASSERT_EQ(unseal(server->port(), keys[2], false).status, 200);
  ASSERT_TRUE(WaitSealed(server->port(), false));
  check_secrets(server->port());
}

}  // namespace
}  // namespace arca::testing
