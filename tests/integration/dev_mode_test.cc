// End to end: `arca server -dev`, then the CLI against it.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

class DevMode : public SharedDevServerSuite {
 protected:
  std::map<std::string, std::string> Env(bool vault_names = false) const {
    std::string addr = "http://127.0.0.1:" + std::to_string(port_);
    if (vault_names) return {{"VAULT_ADDR", addr}, {"VAULT_TOKEN", root_}};
    return {{"ARCA_ADDR", addr}, {"ARCA_TOKEN", root_}};
  }
};

TEST_F(DevMode, BannerShowsRootTokenAndExports) {
  // The server reports its listeners (what the harness waits for) after the banner is flushed.
  std::string log = server_->Log();
  EXPECT_NE(log.find("server started"), std::string::npos) << log;
  EXPECT_NE(log.find("Root Token: " + root_ + "\n"), std::string::npos) << log;
  EXPECT_NE(log.find("Unseal Key: "), std::string::npos);
  // The real port, not the 0 the listener was given.
  const std::string addr = "127.0.0.1:" + std::to_string(port_);
  EXPECT_NE(log.find("Api Address: http://" + addr + "\n"), std::string::npos) << log;
  EXPECT_NE(log.find("Listener 1: tcp (addr: \"" + addr + "\""), std::string::npos) << log;
  EXPECT_NE(log.find("export VAULT_ADDR='http://" + addr + "'"), std::string::npos);
}

TEST_F(DevMode, StatusReportsUnsealed) {
  auto r = RunCli({"status"}, Env());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Sealed"), std::string::npos);
  EXPECT_NE(r.out.find("false"), std::string::npos);
  EXPECT_NE(r.out.find("inmem"), std::string::npos);
}

TEST_F(DevMode, KvPutGetListDeleteWithVaultEnvironment) {
  auto put = RunCli({"kv", "put", "secret/app/db", "user=admin", "password=s3cr3t"}, Env(true));
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  auto get = RunCli({"kv", "get", "secret/app/db"}, Env(true));
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_NE(get.out.find("password"), std::string::npos);
  EXPECT_NE(get.out.find("s3cr3t"), std::string::npos);
  auto field = RunCli({"kv", "get", "-field=user", "secret/app/db"}, Env());
  ASSERT_EQ(field.exit_code, 0) << field.err;
  EXPECT_EQ(field.out, "admin");
  // secret/ is KV version 2 in dev mode, as in Vault: the API path has data/ in it.
  auto json_out = RunCli({"read", "-format=json", "secret/data/app/db"}, Env());
  ASSERT_EQ(json_out.exit_code, 0) << json_out.err;
  auto parsed = ParseJsonObject(json_out.out);
  ASSERT_TRUE(parsed) << json_out.out;
  auto& inner = (*parsed)["data"].as_object();
  EXPECT_EQ(inner["data"].as_object()["password"].as_string(), "s3cr3t");
  EXPECT_EQ(inner["metadata"].as_object()["version"].as_int64(), 1);
  auto put2 = RunCli({"kv", "put", "secret/app/db", "user=admin", "password=changed"}, Env());
  ASSERT_EQ(put2.exit_code, 0) << put2.err;
  EXPECT_EQ(RunCli({"kv", "get", "-field=password", "secret/app/db"}, Env()).out, "changed");
  auto list = RunCli({"kv", "list", "secret/app"}, Env());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("db"), std::string::npos);
  auto del = RunCli({"kv", "delete", "secret/app/db"}, Env());
  ASSERT_EQ(del.exit_code, 0) << del.err;
  // A soft-deleted version: the metadata shows the deletion time, the data is gone.
  auto deleted = RunCli({"kv", "get", "secret/app/db"}, Env());
  EXPECT_EQ(deleted.out.find("changed"), std::string::npos) << deleted.out;
  EXPECT_EQ(deleted.out.find("deletion_time      n/a"), std::string::npos) << deleted.out;
  EXPECT_NE(deleted.out.find("deletion_time"), std::string::npos) << deleted.out;
  auto http = RawHttp(port_, "GET", "/v1/secret/data/app/db", "", {{"X-Vault-Token", root_}});
  EXPECT_EQ(http.status, 404) << http.body;
  auto never = RunCli({"kv", "get", "secret/never/written"}, Env());
  EXPECT_EQ(never.exit_code, 2) << never.out;
}

TEST_F(DevMode, WriteReadFromFileAndStdin) {
  ASSERT_EQ(RunCli({"secrets", "enable", "-path=v1", "kv"}, Env()).exit_code, 0);
  TempDir dir;
  {
    std::ofstream f(dir.File("cert.pem"));
    f << "-----BEGIN-----\nabc\n";
  }
  auto w = RunCli({"write", "v1/files", "cert=@" + dir.File("cert.pem")}, Env());
  ASSERT_EQ(w.exit_code, 0) << w.err;
  auto r = RunCli({"read", "-field=cert", "v1/files"}, Env());
  EXPECT_EQ(r.out, "-----BEGIN-----\nabc\n");
  auto s = RunCli({"write", "v1/stdin", "-"}, Env(), R"({"k":"from-stdin"})");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(RunCli({"read", "-field=k", "v1/stdin"}, Env()).out, "from-stdin");
  // The same through KV v2's data/ path with the raw write command.
  auto v2 = RunCli({"write", "secret/data/raw", "-"}, Env(), R"({"data":{"k":"v2"}})");
  ASSERT_EQ(v2.exit_code, 0) << v2.err;
  EXPECT_EQ(RunCli({"kv", "get", "-field=k", "secret/raw"}, Env()).out, "v2");
}

TEST_F(DevMode, SecretsEnableListTuneDisable) {
  auto en = RunCli({"secrets", "enable", "-path=team", "-description=team secrets", "kv"}, Env());
  ASSERT_EQ(en.exit_code, 0) << en.err;
  EXPECT_NE(en.out.find("Success! Enabled the kv secrets engine at: team/"), std::string::npos) << en.out;
  auto list = RunCli({"secrets", "list"}, Env());
  EXPECT_NE(list.out.find("team/"), std::string::npos);
  EXPECT_NE(list.out.find("secret/"), std::string::npos);
  auto tune = RunCli({"secrets", "tune", "-default-lease-ttl=1h", "team/"}, Env());
  EXPECT_EQ(tune.exit_code, 0) << tune.err;
  auto read = RunCli({"read", "-format=json", "sys/mounts/team/tune"}, Env());
  auto parsed = ParseJsonObject(read.out);
  ASSERT_TRUE(parsed) << read.out << read.err;
  EXPECT_EQ((*parsed)["data"].as_object()["default_lease_ttl"].as_int64(), 3600);
  auto dup = RunCli({"secrets", "enable", "-path=team", "kv"}, Env());
  EXPECT_EQ(dup.exit_code, 2);
  EXPECT_NE(dup.err.find("path is already in use"), std::string::npos) << dup.err;
  auto dis = RunCli({"secrets", "disable", "team"}, Env());
  EXPECT_EQ(dis.exit_code, 0) << dis.err;
}

TEST_F(DevMode, ErrorsAndExitCodes) {
  auto no_token = RunCli({"read", "secret/x"}, {{"ARCA_ADDR", Env()["ARCA_ADDR"]}});
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.err.find("permission denied"), std::string::npos) << no_token.err;
  auto usage = RunCli({"kv", "put"}, Env());
  EXPECT_EQ(usage.exit_code, 1);
  auto refused = RunCli({"status"}, {{"ARCA_ADDR", "http://127.0.0.1:1"}});
  EXPECT_NE(refused.exit_code, 0);
  auto version = RunCli({"version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("Arca v"), std::string::npos);
  auto help = RunCli({"path-help", "sys/mounts"}, Env());
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_FALSE(help.out.empty());
}

}  // namespace
}  // namespace arca::testing
