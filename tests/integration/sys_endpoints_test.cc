// Issue 17's sys endpoints against the real binary: a mount moved with sys/remount stays moved
// across a restart of a file-storage server; version history and the sanitized configuration
// come from that server; the plugin catalog lists the real builtins; CORS preflight and
// origins are answered by the HTTP layer once sys/config/cors enables them; sys/loggers and
// sys/host-info answer.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

json::object Json(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  return o ? *o : json::object{};
}

// (the listener on port 0: the server reports the port it bound)
std::string WriteFileConfig(const TempDir& dir) {
  std::string path = dir.File("arca.hcl");
  std::ofstream f(path);
  f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
       "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
       "disable_mlock = true\nlog_level = \"warn\"\n";
  return path;
}

void Unseal(int port, const json::array& keys) {
  for (const auto& k : keys) {
    auto u = RawHttp(port, "PUT", "/v1/sys/unseal", json::serialize(json::object{{"key", k}}));
    ASSERT_EQ(u.status, 200) << u.body;
    if (Json(u).at("sealed") == false) return;
  }
  FAIL() << "still sealed";
}

TEST(SysEndpoints, RemountSurvivesRestartOnFileStorage) {
  TempDir dir;
  const std::string cfg = WriteFileConfig(dir);
  auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg});
  ASSERT_TRUE(server->running()) << server->Log();
  int port = server->port();
  auto init = RawHttp(port, "PUT", "/v1/sys/init", R"({"secret_shares":1,"secret_threshold":1})");
  ASSERT_EQ(init.status, 200) << init.body;
  const json::array keys = Json(init).at("keys").as_array();  // copied out of the temporary
  const std::string root(Json(init).at("root_token").as_string());
  const std::map<std::string, std::string> tok = {{"X-Vault-Token", root}};
  Unseal(port, keys);

  ASSERT_EQ(RawHttp(port, "POST", "/v1/sys/mounts/kv1", R"({"type":"kv"})", tok).status, 204);
  ASSERT_EQ(RawHttp(port, "PUT", "/v1/kv1/app", R"({"password":"p1"})", tok).status, 204);
  auto bad = RawHttp(port, "POST", "/v1/sys/remount", R"({"from":"kv1","to":"sys/x"})", tok);
  EXPECT_EQ(bad.status, 400) << bad.body;
  auto moved = RawHttp(port, "POST", "/v1/sys/remount", R"({"from":"kv1","to":"kv2"})", tok);
  ASSERT_EQ(moved.status, 200) << moved.body;
  const std::string id(Json(moved).at("data").as_object().at("migration_id").as_string());
  auto status = RawHttp(port, "GET", "/v1/sys/remount/status/" + id, "", tok);
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(Json(status).at("data").as_object().at("migration_info").as_object().at("status"),
            "success");
  // Without a token: 403, and nothing moves.
  EXPECT_EQ(RawHttp(port, "POST", "/v1/sys/remount", R"({"from":"kv2","to":"kv3"})").status, 403);

  ASSERT_EQ(server->Stop(SIGTERM) & 0x7f, 0);
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg});
  ASSERT_TRUE(server->running()) << server->Log();
  port = server->port();  // (a new one: the listener asks for port 0 again)
  Unseal(port, keys);
  auto read = RawHttp(port, "GET", "/v1/kv2/app", "", tok);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Json(read).at("data").as_object().at("password"), "p1");
  EXPECT_EQ(RawHttp(port, "GET", "/v1/kv1/app", "", tok).status, 404);
  EXPECT_EQ(RawHttp(port, "GET", "/v1/kv3/app", "", tok).status, 404);

  auto versions = RawHttp(port, "LIST", "/v1/sys/version-history", "", tok);
  ASSERT_EQ(versions.status, 200) << versions.body;
  EXPECT_EQ(Json(versions).at("data").as_object().at("keys").as_array().size(), 1u);

  auto state = RawHttp(port, "GET", "/v1/sys/config/state/sanitized", "", tok);
  ASSERT_EQ(state.status, 200) << state.body;
  const json::object sbody = Json(state);
  const auto& sd = sbody.at("data").as_object();
  EXPECT_EQ(sd.at("storage").as_object().at("type"), "file");
  EXPECT_EQ(state.body.find(dir.File("data")), std::string::npos) << state.body;  // no options
}

class SysEndpointsDev : public DevServerTest {};

TEST_F(SysEndpointsDev, PluginCatalogListsTheRealBuiltins) {
  auto r = RawHttp(port_, "GET", "/v1/sys/plugins/catalog", "", {{"X-Vault-Token", root_}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object body = Json(r);
  const auto& d = body.at("data").as_object();
  for (const char* name : {"kv", "transit", "pki", "database"}) {
    const auto& s = d.at("secret").as_array();
    EXPECT_NE(std::find(s.begin(), s.end(), json::value(name)), s.end()) << name;
  }
  const auto& db = d.at("database").as_array();
  EXPECT_NE(std::find(db.begin(), db.end(), json::value("postgresql-database-plugin")), db.end());
  const auto& auth = d.at("auth").as_array();
  EXPECT_NE(std::find(auth.begin(), auth.end(), json::value("userpass")), auth.end());
  auto reg = RawHttp(port_, "PUT", "/v1/sys/plugins/catalog/secret/mine",
                     R"({"sha256":"00","command":"mine"})", {{"X-Vault-Token", root_}});
  EXPECT_EQ(reg.status, 400);
  EXPECT_NE(reg.body.find("external plugins are not supported"), std::string::npos) << reg.body;
}

TEST_F(SysEndpointsDev, CorsPreflightAndOrigins) {
  const std::map<std::string, std::string> origin = {{"Origin", "http://app.example"},
                                                     {"X-Vault-Token", root_}};
  // Disabled: no CORS headers, OPTIONS is an unsupported method.
  auto plain = RawHttp(port_, "GET", "/v1/sys/mounts", "", origin);
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.headers.count("access-control-allow-origin"), 0u);
  EXPECT_EQ(RawHttp(port_, "OPTIONS", "/v1/sys/mounts", "", origin).status, 405);

  ASSERT_EQ(RawHttp(port_, "PUT", "/v1/sys/config/cors",
                    R"({"allowed_origins":["http://app.example"],"allowed_headers":"X-Custom"})",
                    {{"X-Vault-Token", root_}}).status, 204);
  auto pre = RawHttp(port_, "OPTIONS", "/v1/secret/data/x", "",
                     {{"Origin", "http://app.example"}, {"Access-Control-Request-Method", "PUT"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "http://app.example");
  EXPECT_NE(pre.headers["access-control-allow-headers"].find("X-Custom"), std::string::npos);
  auto get = RawHttp(port_, "GET", "/v1/sys/mounts", "", origin);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.headers["access-control-allow-origin"], "http://app.example");
  auto evil = RawHttp(port_, "GET", "/v1/sys/mounts", "",
                      {{"Origin", "http://evil.example"}, {"X-Vault-Token", root_}});
  EXPECT_EQ(evil.status, 403);
  EXPECT_EQ(evil.headers.count("access-control-allow-origin"), 0u);

  ASSERT_EQ(RawHttp(port_, "DELETE", "/v1/sys/config/cors", "", {{"X-Vault-Token", root_}}).status, 204);
  auto after = RawHttp(port_, "GET", "/v1/sys/mounts", "",
                       {{"Origin", "http://evil.example"}, {"X-Vault-Token", root_}});
  EXPECT_EQ(after.status, 200);
}

TEST_F(SysEndpointsDev, LoggersAndHostInfo) {
  ASSERT_EQ(RawHttp(port_, "POST", "/v1/sys/loggers", R"({"level":"debug"})", {{"X-Vault-Token", root_}}).status, 204);
  auto levels = RawHttp(port_, "GET", "/v1/sys/loggers", "", {{"X-Vault-Token", root_}});
  ASSERT_EQ(levels.status, 200) << levels.body;
  EXPECT_EQ(Json(levels).at("data").as_object().at("arca"), "debug");
  EXPECT_EQ(RawHttp(port_, "POST", "/v1/sys/loggers", R"({"level":"chatty"})", {{"X-Vault-Token", root_}}).status, 400);
  auto host = RawHttp(port_, "GET", "/v1/sys/host-info", "", {{"X-Vault-Token", root_}});
  ASSERT_EQ(host.status, 200) << host.body;
  EXPECT_TRUE(Json(host).at("data").as_object().contains("memory"));
}

}  // namespace
}  // namespace arca::testing
