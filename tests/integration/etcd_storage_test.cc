// `arca server` on storage "etcd" (three real etcd members, tests/services/etcd.h): init, unseal,
// KV writes, one member killed while writing, restart, data intact and only ciphertext in etcd;
// bad storage stanzas stop the server with a clear message.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>

#include "integration/harness.h"
#include "services/etcd.h"
#include "services/services.h"

namespace arca::testing {
namespace {

std::string WriteEtcdConfig(const TempDir& dir, const std::string& storage_body) {
  std::string path = dir.File("arca.hcl");
  std::ofstream f(path);
  f << "storage \"etcd\" {\n"
    << storage_body
    << "}\n\n"
       "listener \"tcp\" {\n  address     = \"127.0.0.1:0\"\n  tls_disable = true\n}\n\n"
       "disable_mlock = true\n"
       "log_level = \"warn\"\n";
  return path;
}

std::string Capture(const std::string& text, const std::string& pattern) {
  std::smatch m;
  std::regex re(pattern);
  return std::regex_search(text, m, re) ? std::string(m[1]) : "";
}

TEST(EtcdStorage, InitUnsealWriteRestartOnThreeMembers) {
  EtcdCluster etcd(EtcdClusterOptions{.members = 3});
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  TempDir dir;
  const std::string cfg =
      WriteEtcdConfig(dir, "  address = \"" + etcd.ClientUrls() + "\"\n  path    = \"arca-it\"\n");
  auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg});
  ASSERT_TRUE(server->running()) << server->Log();
  std::map<std::string, std::string> env{{"ARCA_ADDR", server->url()}};
  EXPECT_EQ(RawHttp(server->port(), "GET", "/v1/sys/health").status, 501);

  auto init = RunCli({"operator", "init", "-key-shares=1", "-key-threshold=1"}, env);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  const std::string key = Capture(init.out, "Unseal Key 1: (\\S+)");
  const std::string root = Capture(init.out, "Initial Root Token: (\\S+)");
  ASSERT_FALSE(key.empty()) << init.out;
  env["ARCA_TOKEN"] = root;
  ASSERT_EQ(RunCli({"operator", "unseal", key}, env).exit_code, 0);
  auto seal_status = RawHttp(server->port(), "GET", "/v1/sys/seal-status");
  EXPECT_NE(seal_status.body.find("\"storage_type\":\"etcd\""), std::string::npos)
      << seal_status.body;

  ASSERT_EQ(RunCli({"secrets", "enable", "-path=kv", "-version=2", "kv"}, env).exit_code, 0);
  for (int i = 0; i < 10; ++i) {
    auto w = RunCli(
        {"kv", "put", "kv/item" + std::to_string(i), "value=plain-secret-" + std::to_string(i)},
        env);
    ASSERT_EQ(w.exit_code, 0) << w.out << w.err;
  }
  // One member down: the server keeps working (the client fails over), nothing is lost.
  etcd.Kill(0);
  for (int i = 10; i < 20; ++i) {
    auto w = RunCli(
        {"kv", "put", "kv/item" + std::to_string(i), "value=plain-secret-" + std::to_string(i)},
        env);
    ASSERT_EQ(w.exit_code, 0) << w.out << w.err << server->LogTail();
  }

  // Restart: sealed, then unsealed with the same key, every entry still there.
  int status = server->Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server->Log();
  ASSERT_TRUE(etcd.Start(0)) << etcd.Log(0);
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg});
  ASSERT_TRUE(server->running()) << server->Log();
  env["ARCA_ADDR"] = server->url();
  EXPECT_EQ(
      RawHttp(server->port(), "GET", "/v1/kv/data/item1", "", {{"X-Vault-Token", root}}).status,
      503);
  ASSERT_EQ(RunCli({"operator", "unseal", key}, env).exit_code, 0);
  for (int i = 0; i < 20; ++i) {
    auto r = RunCli({"kv", "get", "-field=value", "kv/item" + std::to_string(i)}, env);
    EXPECT_EQ(r.out, "plain-secret-" + std::to_string(i)) << r.err;
  }

  // etcd holds the entries under the configured path, as barrier ciphertext only.
  auto keys = Sh("ETCDCTL_API=3 etcdctl --endpoints=" + etcd.ClientUrls() +
                 " get --prefix /arca-it/ --keys-only 2>&1");
  ASSERT_EQ(keys.code, 0) << keys.out;
  EXPECT_NE(keys.out.find("/arca-it/core/"), std::string::npos) << keys.out;
  EXPECT_NE(keys.out.find("/arca-it/logical/"), std::string::npos) << keys.out;
  auto values = Sh("ETCDCTL_API=3 etcdctl --endpoints=" + etcd.ClientUrls() +
                   " get --prefix /arca-it/ --print-value-only 2>&1");
  ASSERT_EQ(values.code, 0) << values.out;
  EXPECT_EQ(values.out.find("plain-secret-"), std::string::npos);
}

TEST(EtcdStorage, BadStanzasStopTheServerWithAClearMessage) {
  EtcdCluster& etcd = SharedEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.error();
  struct Case {
    std::string body;
    std::string message;
  };
  const int dead = FreeTcpPort();
  const std::vector<Case> cases = {
      {"  adress = \"" + etcd.ClientUrl(0) + "\"\n", "unknown key 'adress'"},
      {"  address = \"" + etcd.ClientUrl(0) + "\"\n  request_timeout = \"soon\"\n",
       "value [soon] of 'request_timeout' could not be understood"},
      {"  address = \"127.0.0.1:2379\"\n", "must start with http:// or https://"},
      {"  address = \"" + etcd.ClientUrl(0) + "\"\n  transport = \"http2\"\n",
       "transport \"http2\" is not supported (\"grpc\" or \"gateway\")"},
      {"  address = \"http://127.0.0.1:" + std::to_string(dead) +
           "\"\n  request_timeout = \"1s\"\n",
       "syncing the member list failed"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    ServerProcess server({"-config=" + WriteEtcdConfig(dir, c.body)}, std::chrono::seconds(15));
    EXPECT_FALSE(server.running()) << c.body;
    EXPECT_NE(server.Log().find(c.message), std::string::npos) << c.body << server.Log();
  }
}

}  // namespace
}  // namespace arca::testing
