// Integration test harness: runs the real `arca` binary (server and CLI) as child processes and
// talks HTTP to it over loopback with a minimal raw-socket client, so that tests can send exactly
// the bytes they want (odd verbs, encoded paths, oversize bodies).
#pragma once

#include <chrono>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace arca::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct HttpResult {
  int status = 0;  // 0 = connection failed
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One request on a fresh connection (Connection: close).
HttpResult RawHttp(int port, const std::string& method, const std::string& target,
                   const std::string& body = "",
                   const std::map<std::string, std::string>& headers = {});

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `arca <args>` with extra environment variables (ARCA_*/VAULT_* of the test process are
// cleared first; HOME is set to a temporary directory) and optional stdin.
CliResult RunCli(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {},
                 const std::string& stdin_data = "");

// A running `arca server ...` child process.
class ServerProcess {
 public:
  // Starts the server and waits until `port` accepts connections (or fails after `timeout`).
  // `env` adds variables to the server's environment (ARCA_*/VAULT_* of the test are cleared).
  ServerProcess(const std::vector<std::string>& args, int port,
                std::chrono::seconds timeout = std::chrono::seconds(20),
                const std::map<std::string, std::string>& env = {});
  ~ServerProcess();
  bool running() const { return pid_ > 0; }
  // Sends `sig` and waits for exit; returns the wait status.
  int Stop(int sig);
  const std::string& log_path() const { return log_path_; }
  std::string Log() const;

 private:
  int pid_ = -1;
  std::string log_path_;
  TempDir dir_;
};

std::string ArcaBinary();

// Runs a shell command (`sh -c`), capturing stdout and stderr together.
struct ShellResult {
  int code = -1;
  std::string out;
};
ShellResult Sh(const std::string& command);

// A test with its own `arca server -dev` (root token "root") and CLI shortcuts against it.
class DevServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // Runs the CLI with VAULT_ADDR pointing at the server and VAULT_TOKEN = `token`.
  CliResult Cli(std::vector<std::string> args, const std::string& token = "root",
                const std::string& stdin_data = "");
  // Runs a command that must succeed (a test failure otherwise); returns its stdout.
  std::string Ok(std::vector<std::string> args, const std::string& token = "root");

  int port_ = 0;
  std::map<std::string, std::string> server_env_;  // extra environment for the server
  std::unique_ptr<ServerProcess> server_;
  TempDir dir_;
};

}  // namespace arca::testing
