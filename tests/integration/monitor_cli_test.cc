// The CLI's monitor and debug commands against a real dev server: `arca monitor` prints the
// stream until the server ends it; `arca debug` packs the server state into Vault's bundle
// layout (listed with tar, JSON files parsed).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

using Clock = std::chrono::steady_clock;

class MonitorCliTest : public DevServerTest {
 protected:
  std::map<std::string, std::string> Env() const {
    return {{"VAULT_ADDR", "http://127.0.0.1:" + std::to_string(port_)}, {"VAULT_TOKEN", root_}};
  }
  int Subscribers() {
    auto r = RawHttp(port_, "GET", "/v1/sys/metrics?format=prometheus", "",
                     {{"X-Vault-Token", root_}});
    const std::string key = "\nvault_monitor_subscribers ";
    size_t at = r.body.find(key);
    return r.status == 200 && at != std::string::npos ? std::atoi(r.body.c_str() + at + key.size())
                                                      : -1;
  }
  bool WaitForSubscribers(int n) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Subscribers() != n) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval
    }
    return true;
  }
};

TEST_F(MonitorCliTest, MonitorPrintsLinesUntilTheServerEndsTheStream) {
  auto env = Env();
  auto monitor = std::async(std::launch::async, [env] {
    return RunCli({"monitor", "-log-level=INFO"}, env);  // levels are not case sensitive
  });
  ASSERT_TRUE(WaitForSubscribers(1));
  Ok({"secrets", "enable", "-path=watched", "kv"});
  Ok({"operator", "seal"});
  ASSERT_EQ(monitor.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  CliResult r = monitor.get();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[info] arca: core: successful mount: path=watched/ type=kv\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("core received sealed state change, ending monitor session\n"),
            std::string::npos)
      << r.out;
}

TEST_F(MonitorCliTest, MonitorRefusesBadFlagsAndReportsServerErrors) {
  auto bad = Cli({"monitor", "-log-level=loud"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err,
            "loud is an unknown log level. Valid log levels are: [trace debug info warn error]\n");
  auto format = Cli({"monitor", "-log-format=xml"});
  EXPECT_EQ(format.exit_code, 1);
  EXPECT_EQ(format.err, "xml is an unknown log format. Valid log formats are: [standard json]\n");
  auto args = Cli({"monitor", "extra"});
  EXPECT_EQ(args.exit_code, 1);
  auto denied = Cli({"monitor"}, "not-a-token");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("Error starting monitor: Error making API request."),
            std::string::npos)
      << denied.err;
  EXPECT_NE(denied.err.find("Code: 403"), std::string::npos) << denied.err;
  EXPECT_EQ(Subscribers(), 0);
}

TEST_F(MonitorCliTest, DebugWritesVaultsBundleLayout) {
  const std::string bundle = dir_.File("bundle.tar.gz");
  auto env = Env();
  auto debug = std::async(std::launch::async, [env, bundle] {
    return RunCli({"debug", "-duration=5s", "-interval=5s", "-metrics-interval=5s",
                   "-target=config", "-target=host", "-target=metrics", "-target=server-status",
                   "-target=requests", "-target=log", "-target=pprof", "-output=" + bundle},
                  env);
  });
  // While it captures, the server logs a mount: the line must be in the bundle's log.
  ASSERT_TRUE(WaitForSubscribers(1));
  Ok({"secrets", "enable", "-path=debugged", "kv"});
  ASSERT_EQ(debug.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  CliResult r = debug.get();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("==> Starting debug capture...\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Ignoring invalid targets: pprof\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Success! Bundle written to: " + bundle + "\n"), std::string::npos);

  auto list = Sh("tar -tzf '" + bundle + "' | sort");
  ASSERT_EQ(list.code, 0) << list.out;
  EXPECT_EQ(list.out,
            "bundle/\n"
            "bundle/config.json\n"
            "bundle/host_info.json\n"
            "bundle/index.json\n"
            "bundle/metrics.json\n"
            "bundle/requests.json\n"
            "bundle/server_status.json\n"
            "bundle/vault.log\n");
  ASSERT_EQ(Sh("cd '" + dir_.path() + "' && tar -xzf bundle.tar.gz").code, 0);
  auto read = [&](const std::string& name) {
    std::ifstream f(dir_.File("bundle/" + name));
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  auto index = json::parse(read("index.json")).as_object();
  EXPECT_EQ(index.at("version"), 1);
  EXPECT_EQ(index.at("duration_seconds"), 5);
  EXPECT_EQ(index.at("interval_seconds"), 5);
  EXPECT_EQ(index.at("compress"), true);
  EXPECT_EQ(index.at("vault_address").as_string(), "http://127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(index.at("targets").as_array().size(), 6u);
  EXPECT_TRUE(index.at("errors").as_array().empty()) << read("index.json");
  EXPECT_EQ(index.at("output").as_object().at("files").as_array().size(), 6u);

  auto status = json::parse(read("server_status.json")).as_array();
  ASSERT_GE(status.size(), 1u);
  EXPECT_EQ(status[0].as_object().at("health").as_object().at("initialized"), true);
  EXPECT_EQ(status[0].as_object().at("seal").as_object().at("sealed"), false);
  auto config = json::parse(read("config.json")).as_array();
  ASSERT_EQ(config.size(), 1u);
  EXPECT_TRUE(config[0].as_object().at("config").is_object());
  auto host = json::parse(read("host_info.json")).as_array();
  ASSERT_GE(host.size(), 1u);
  EXPECT_TRUE(host[0].as_object().contains("memory"));
  auto metrics = json::parse(read("metrics.json")).as_array();
  ASSERT_GE(metrics.size(), 1u);
  EXPECT_TRUE(metrics[0].as_object().contains("Gauges"));
  EXPECT_NE(read("vault.log").find("core: successful mount: path=debugged/ type=kv\n"),
            std::string::npos)
      << read("vault.log");

  // An existing bundle is not overwritten.
  auto again = Cli({"debug", "-duration=5s", "-output=" + bundle});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("output file already exists: " + bundle), std::string::npos)
      << again.err;
}

}  // namespace
}  // namespace arca::testing

namespace arca::testing {
namespace {

// The binary dispatches `operator diagnose` to the server code: exit codes as Vault's.
TEST(DiagnoseCli, ExitCodesFollowTheWorstCheck) {
  TempDir dir;
  const std::string broken = dir.File("broken.hcl");
  std::ofstream(broken) << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
                        << "listner \"tcp\" {}\n";
  CliResult bad = RunCli({"operator", "diagnose", "-config=" + broken});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("\nResults:\n[ failure ] Arca Diagnose\n"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("  [ failure ] Parse Configuration: "), std::string::npos) << bad.out;

  const std::string plain = dir.File("plain.hcl");
  std::ofstream(plain) << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
                       << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
                       << "disable_mlock = true\n";
  CliResult warned = RunCli({"operator", "diagnose", "-config=" + plain});
  EXPECT_EQ(warned.exit_code, 2) << warned.out << warned.err;  // TLS off, mlock off: warnings
  EXPECT_NE(warned.out.find("  [ success ] Parse Configuration\n"), std::string::npos)
      << warned.out;
  EXPECT_NE(warned.out.find("    [ warning ] Check Listener 127.0.0.1:0: TLS is disabled in a "
                            "listener config stanza.\n"),
            std::string::npos)
      << warned.out;
  EXPECT_EQ(warned.out.find("\x1b["), std::string::npos);  // no colours when not a terminal

  CliResult usage = RunCli({"operator", "diagnose"});
  EXPECT_EQ(usage.exit_code, 1);
  EXPECT_EQ(usage.err, "Must specify a configuration file using -config.\n");
}

}  // namespace
}  // namespace arca::testing
