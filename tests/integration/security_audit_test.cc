// Security of audit devices and of the server process, end to end (issue 16: defects 5, 6, 10):
// the file device refuses executable modes, the server's own directories, non-regular files and
// multi-line prefixes; an audit device that cannot be restored keeps the server sealed; the
// server process is not dumpable unless disable_core_dump_protection is set.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/json.h"
#include "integration/harness.h"

namespace arca::testing {
namespace {

// (the listener on port 0: the server reports the port it bound)
std::string WriteConfig(const TempDir& dir) {
  std::string path = dir.File("arca.hcl");
  std::ofstream f(path);
  f << "storage \"file\" {\n  path = \"" << dir.File("data") << "\"\n}\n"
    << "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
    << "disable_mlock = true\nlog_level = \"warn\"\n";
  return path;
}

json::object Body(const HttpResult& r) {
  auto o = ParseJsonObject(r.body);
  return o ? *o : json::object{};
}

// A server with file storage, initialized (one key share) and unsealed.
class SecurityAuditServer : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string cfg = WriteConfig(dir_);
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"-config=" + cfg});
    ASSERT_TRUE(server_->running()) << server_->Log();
    port_ = server_->port();
    auto init =
        RawHttp(port_, "PUT", "/v1/sys/init", R"({"secret_shares":1,"secret_threshold":1})");
    ASSERT_EQ(init.status, 200) << init.body;
    json::object o = Body(init);
    key_ = std::string(o.at("keys_base64").as_array().at(0).as_string());
    root_ = std::string(o.at("root_token").as_string());
    ASSERT_EQ(Unseal().status, 200);
  }
  HttpResult Unseal() {
    return RawHttp(port_, "PUT", "/v1/sys/unseal", R"({"key":")" + key_ + R"("})");
  }
  HttpResult Api(const std::string& method, const std::string& path, const std::string& body = "") {
    return RawHttp(port_, method, "/v1/" + path, body, {{"X-Vault-Token", root_}});
  }
  HttpResult EnableFile(const std::string& name, json::object options) {
    return Api("PUT", "sys/audit/" + name,
               json::serialize(json::object{{"type", "file"}, {"options", std::move(options)}}));
  }
  json::object AuditTable() {
    auto r = Api("GET", "sys/audit");
    if (r.status == 204) return {};  // no device: no body
    EXPECT_EQ(r.status, 200) << r.body;
    json::object o = Body(r);
    if (auto* d = o.if_contains("data"); d && d->is_object()) return d->get_object();
    return o;
  }
  bool Sealed() {
    auto r = RawHttp(port_, "GET", "/v1/sys/seal-status");
    return Body(r).at("sealed").as_bool();
  }

  TempDir dir_;   // configuration file and storage
  TempDir logs_;  // where audit files may go
  int port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::string key_, root_;
};

TEST_F(SecurityAuditServer, FileDeviceRefusesDangerousOptionsAndEnablesNothing) {
  std::filesystem::create_directories(logs_.File("a-dir"));
  struct Case {
    std::string name;
    json::object options;
    std::string message;  // part of the error
  } cases[] = {
      {"exec-mode", {{"file_path", logs_.File("a.log")}, {"mode", "0755"}}, "executable"},
      {"setuid-mode", {{"file_path", logs_.File("a.log")}, {"mode", "4600"}}, "setuid"},
      {"in-storage", {{"file_path", dir_.File("data/audit.log")}}, "audit files may not be"},
      {"in-config-dir", {{"file_path", dir_.File("audit.log")}}, "audit files may not be"},
      {"a-directory", {{"file_path", logs_.File("a-dir")}}, "not a regular file"},
      {"a-device", {{"file_path", "/dev/null"}}, "not a regular file"},
      {"newline-prefix", {{"file_path", logs_.File("a.log")}, {"prefix", "x\ny"}}, "prefix"},
  };
  for (const Case& c : cases) {
    auto r = EnableFile(c.name, c.options);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    EXPECT_NE(r.body.find(c.message), std::string::npos) << c.name << ": " << r.body;
  }
  EXPECT_TRUE(AuditTable().empty()) << json::serialize(AuditTable());
  EXPECT_FALSE(std::filesystem::exists(logs_.File("a.log")));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("data/audit.log")));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("audit.log")));

  // A good device still works, and so do the special file paths.
  auto good = EnableFile("good", {{"file_path", logs_.File("good.log")}, {"mode", "0640"}});
  ASSERT_EQ(good.status, 204) << good.body;
  ASSERT_EQ(EnableFile("out", {{"file_path", "stdout"}}).status, 204);
  ASSERT_EQ(EnableFile("none", {{"file_path", "discard"}}).status, 204);
  json::object table = AuditTable();
  EXPECT_TRUE(table.contains("good/"));
  EXPECT_EQ(table.size(), 3u) << json::serialize(table);
  struct stat st {};
  ASSERT_EQ(::stat(logs_.File("good.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_NE(std::ifstream(logs_.File("good.log")).peek(), std::ifstream::traits_type::eof());
}

TEST_F(SecurityAuditServer, UnsealIsRefusedWhileAnAuditDeviceCannotBeRestored) {
  std::string log = logs_.File("audit.log");
  ASSERT_EQ(EnableFile("file", {{"file_path", log}}).status, 204);
  ASSERT_EQ(Api("PUT", "sys/seal").status, 204);
  ASSERT_TRUE(Sealed());
  // While sealed, the log file is replaced by a directory.
  std::filesystem::remove(log);
  std::filesystem::create_directory(log);
  auto refused = Unseal();
  EXPECT_EQ(refused.status, 500) << refused.body;
  EXPECT_NE(refused.body.find("audit device \\\"file/\\\" could not be restored"),
            std::string::npos)
      << refused.body;
  EXPECT_TRUE(Sealed());
  EXPECT_EQ(Api("GET", "sys/mounts").status, 503);
  // Path fixed: the same key unseals and requests are audited again.
  std::filesystem::remove(log);
  auto ok = Unseal();
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(Body(ok).at("sealed").as_bool());
  ASSERT_EQ(Api("GET", "sys/mounts").status, 200);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("sys/mounts"), std::string::npos);
}

// Owner of /proc/<pid>/mem: the kernel shows the entries of a non-dumpable process as owned by
// root (the directory itself keeps the process's uid).
uid_t ProcOwner(pid_t pid) {
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(pid) + "/mem").c_str(), &st) != 0) {
    return static_cast<uid_t>(-1);
  }
  return st.st_uid;
}

// Runs `arca server <args>` as uid/gid 65534 (nobody), so that a dumpable server's /proc/<pid>/mem
// is owned by 65534 and a non-dumpable one's by root. The server listens on 127.0.0.1:0 and
// reports its port in a file under `dir` (made writable for nobody); waits for it and for that
// port to answer.
pid_t StartAsNobody(const std::vector<std::string>& args, const TempDir& dir) {
  const std::string report_dir = dir.File("report-" + RandomToken());
  std::filesystem::create_directory(report_dir);
  ::chmod(report_dir.c_str(), 0777);
  const std::string report = report_dir + "/listeners";
  std::vector<std::string> argv{ArcaBinary(), "server", "-dev-listen-address=127.0.0.1:0",
                                "-listener-address-file=" + report};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls from here on
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) _exit(126);
    ::execv(cargv[0], cargv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (pid > 0 && std::chrono::steady_clock::now() < deadline) {
    std::ifstream f(report);
    std::string url;
    if (f && std::getline(f, url)) {
      int port = std::atoi(url.c_str() + url.rfind(':') + 1);
      if (port > 0 && RawHttp(port, "GET", "/v1/sys/seal-status").status != 0) return pid;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

void StopChild(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

TEST(SecurityCoreDump, ServerIsNotDumpableUnlessConfigured) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the server as another user";
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);  // readable by the server running as nobody
  std::string cfg = dir.File("dumpable.hcl");
  { std::ofstream(cfg) << "disable_core_dump_protection = true\n"; }
  ::chmod(cfg.c_str(), 0644);

  pid_t pid = StartAsNobody({"-dev"}, dir);
  ASSERT_GT(pid, 0) << "the server did not start as nobody";
  EXPECT_EQ(ProcOwner(pid), 0u) << "the server is dumpable";
  StopChild(pid);

  // The option turns the protection off: the same server, same user, is dumpable.
  pid = StartAsNobody({"-dev", "-config=" + cfg}, dir);
  ASSERT_GT(pid, 0) << "the server did not start as nobody with " << cfg;
  EXPECT_EQ(ProcOwner(pid), 65534u) << "disable_core_dump_protection had no effect";
  StopChild(pid);
}

}  // namespace
}  // namespace arca::testing
