// End to end with file (LMDB) storage: init, unseal with progress, write, kill -9, restart
// sealed, unseal, data intact; wrong keys and reset.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

// A listener on port 0: the server binds a free port and reports it (ServerProcess::port()).
std::string WriteConfig(const TempDir& dir) {
  std::string path = dir.File("arca.hcl");
  std::ofstream f(path);
  f << "# test configuration\n"
       "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n\n"
       "listener \"tcp\" {\n  address     = \"127.0.0.1:0\"\n  tls_disable = true\n}\n\n"
       "disable_mlock = true\n"
       "log_level = \"warn\"\n"
       "cluster_name = \"test-cluster\"\n";
  return path;
}

std::vector<std::string> UnsealKeys(const std::string& init_out) {
  std::vector<std::string> keys;
  std::regex re("Unseal Key [0-9]+: (\\S+)");
  for (auto it = std::sregex_iterator(init_out.begin(), init_out.end(), re); it != std::sregex_iterator(); ++it) {
    keys.push_back((*it)[1]);
  }
  return keys;
}

std::string RootToken(const std::string& init_out) {
  std::smatch m;
  std::regex re("Initial Root Token: (\\S+)");
  return std::regex_search(init_out, m, re) ? std::string(m[1]) : "";
}

TEST(Lifecycle, InitUnsealKillRestartUnseal) {
  TempDir dir;
  std::string cfg = WriteConfig(dir);
  auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg});
  ASSERT_TRUE(server->running()) << server->Log();
  int port = server->port();
  std::map<std::string, std::string> env{{"ARCA_ADDR", server->url()}};

  auto st = RunCli({"status"}, env);
  EXPECT_EQ(st.exit_code, 2) << st.out << st.err;  // not initialized = sealed
  auto health = RawHttp(port, "GET", "/v1/sys/health");
  EXPECT_EQ(health.status, 501);

  auto init = RunCli({"operator", "init", "-key-shares=5", "-key-threshold=3"}, env);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  auto keys = UnsealKeys(init.out);
  std::string root = RootToken(init.out);
  ASSERT_EQ(keys.size(), 5u) << init.out;
  ASSERT_FALSE(root.empty());
  env["ARCA_TOKEN"] = root;

  // Progress is shown after each key.
  auto u1 = RunCli({"operator", "unseal", keys[0]}, env);
  ASSERT_EQ(u1.exit_code, 0) << u1.err;
  EXPECT_NE(u1.out.find("Unseal Progress"), std::string::npos) << u1.out;
  EXPECT_NE(u1.out.find("1/3"), std::string::npos) << u1.out;
  // -reset discards it.
  auto reset = RunCli({"operator", "unseal", "-reset"}, env);
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_NE(reset.out.find("0/3"), std::string::npos) << reset.out;
  // A malformed key is rejected and changes nothing.
  auto bad = RunCli({"operator", "unseal", "not-a-key!"}, env);
  EXPECT_EQ(bad.exit_code, 2);
  // The key is read from stdin when not given as an argument.
  ASSERT_EQ(RunCli({"operator", "unseal"}, env, keys[1] + "\n").exit_code, 0);
  ASSERT_EQ(RunCli({"operator", "unseal", keys[2]}, env).exit_code, 0);
  auto u3 = RunCli({"operator", "unseal", keys[4]}, env);
  ASSERT_EQ(u3.exit_code, 0) << u3.err;
  EXPECT_EQ(RunCli({"status"}, env).exit_code, 0);

  ASSERT_EQ(RunCli({"secrets", "enable", "-path=kv", "kv"}, env).exit_code, 0);
  for (int i = 0; i < 20; ++i) {
    auto w = RunCli({"kv", "put", "kv/item" + std::to_string(i), "value=v" + std::to_string(i)}, env);
    ASSERT_EQ(w.exit_code, 0) << w.err;
  }
  auto kr = RunCli({"operator", "rotate"}, env);
  EXPECT_EQ(kr.exit_code, 0) << kr.err;
  ASSERT_EQ(RunCli({"kv", "put", "kv/after-rotate", "value=r"}, env).exit_code, 0);

  // kill -9 and restart: sealed, 503 on reads.
  server->Stop(SIGKILL);
  // (on a new port: the listener asks for port 0 again)
  server = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg});
  ASSERT_TRUE(server->running()) << server->Log();
  port = server->port();
  env["ARCA_ADDR"] = server->url();
  auto sealed_read = RawHttp(port, "GET", "/v1/kv/item1", "", {{"X-Vault-Token", root}});
  EXPECT_EQ(sealed_read.status, 503);
  EXPECT_NE(sealed_read.body.find("sealed"), std::string::npos) << sealed_read.body;
  EXPECT_EQ(RunCli({"status"}, env).exit_code, 2);

  // Keys of a different order work; the data is intact.
  for (int i : {3, 0, 1}) ASSERT_EQ(RunCli({"operator", "unseal", keys[i]}, env).exit_code, 0);
  EXPECT_EQ(RunCli({"status"}, env).exit_code, 0);
  for (int i = 0; i < 20; ++i) {
    auto r = RunCli({"kv", "get", "-field=value", "kv/item" + std::to_string(i)}, env);
    EXPECT_EQ(r.out, "v" + std::to_string(i)) << r.err;
  }
  EXPECT_EQ(RunCli({"kv", "get", "-field=value", "kv/after-rotate"}, env).out, "r");
  auto ks = RunCli({"operator", "key-status"}, env);
  EXPECT_NE(ks.out.find("2"), std::string::npos) << ks.out;

  // Seal through the CLI.
  auto seal = RunCli({"operator", "seal"}, env);
  EXPECT_EQ(seal.exit_code, 0) << seal.err;
  EXPECT_EQ(RunCli({"status"}, env).exit_code, 2);
  // SIGTERM shuts down gracefully.
  // (exit status 0: under LeakSanitizer a leak at exit would make it non-zero)
  int status = server->Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << server->Log();
}

TEST(Lifecycle, WrongKeysFromAnotherInitialization) {
  TempDir a, b;
  ServerProcess sa({"-config=" + WriteConfig(a)});
  ServerProcess sb({"-config=" + WriteConfig(b)});
  ASSERT_TRUE(sa.running()) << sa.Log();
  ASSERT_TRUE(sb.running()) << sb.Log();
  ASSERT_NE(sa.port(), sb.port());
  std::map<std::string, std::string> ea{{"ARCA_ADDR", sa.url()}};
  std::map<std::string, std::string> eb{{"ARCA_ADDR", sb.url()}};
  auto ka = UnsealKeys(RunCli({"operator", "init", "-key-shares=3", "-key-threshold=2"}, ea).out);
  auto kb = UnsealKeys(RunCli({"operator", "init", "-key-shares=3", "-key-threshold=2"}, eb).out);
  ASSERT_EQ(ka.size(), 3u);
  ASSERT_EQ(kb.size(), 3u);
  EXPECT_EQ(RunCli({"operator", "unseal", kb[0]}, ea).exit_code, 0);
  auto wrong = RunCli({"operator", "unseal", kb[1]}, ea);
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_EQ(RunCli({"status"}, ea).exit_code, 2);
  // Progress was reset: two correct keys now unseal.
  EXPECT_EQ(RunCli({"operator", "unseal", ka[0]}, ea).exit_code, 0);
  EXPECT_EQ(RunCli({"operator", "unseal", ka[2]}, ea).exit_code, 0);
  EXPECT_EQ(RunCli({"status"}, ea).exit_code, 0);
}

TEST(Lifecycle, BadConfigurationIsRejectedWithLineNumber) {
  TempDir dir;
  std::string path = dir.File("bad.hcl");
  {
    std::ofstream f(path);
    f << "storage \"file\" {\n  path = \"" << dir.File("d") << "\"\n}\n\nlistner \"tcp\" {}\n";
  }
  auto r = RunCli({"server", "-config=" + path});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("listner"), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(":5"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace arca::testing
