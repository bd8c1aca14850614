// Integration test harness: runs the real `arca` binary (server and CLI) as child processes and
// talks HTTP to it over loopback with a minimal raw-socket client, so that tests can send exactly
// the bytes they want (odd verbs, encoded paths, oversize bodies).
#pragma once

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace arca::testing {

// Ports without races: no test picks a port, closes it and hopes it is still free when some
// process binds it. The arca server binds port 0 and reports the port it got
// (-listener-address-file); other processes either bind port 0 themselves and report it, or
// use a socket the test keeps open.

// A TCP socket bound to 127.0.0.1 on a port the kernel chose, never listening: a connection to
// port() is refused, and no other socket can bind that port while this object lives.
class ClosedPort {
 public:
  ClosedPort();
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Serves the files under `root` (GET /.well-known/acme-challenge/... only: what lego's
// --http.webroot writes) on a socket it binds to 127.0.0.1:0 and keeps until destroyed: its port
// is known before an arca server that must reach it starts, and no other process can take it
// in between. requests() counts the requests it has answered.
class WebrootServer {
 public:
  explicit WebrootServer(std::string root);
  ~WebrootServer();
  WebrootServer(const WebrootServer&) = delete;
  WebrootServer& operator=(const WebrootServer&) = delete;
  int port() const { return port_; }
  int requests() const { return requests_.load(); }

 private:
  void Serve();
  void Answer(int c);

  std::string root_;
  int fd_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// A random token id ("test-" and 32 hex digits from /dev/urandom).
std::string RandomToken();

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

// RawHttp in two steps, for requests that must be on the wire before something happens (e.g.
// sent to a SIGSTOPped server, answered after SIGCONT): SendHttp connects and sends the whole
// request, returning the socket (-1 when the connection or the send failed); ReceiveHttp
// reads the answer (giving up when nothing arrives for `timeout`) and closes the socket.
int SendHttp(int port, const std::string& method, const std::string& target,
             const std::string& body = "",
             const std::map<std::string, std::string>& headers = {});
HttpResult ReceiveHttp(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(30));

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
//
// The server is started with -listener-address-file and the harness waits for that file: it
// lists the URLs of the listeners the child itself bound (give listeners port 0), so port()
// can only be this server's. Nothing else is needed to know it is up: the file is written once
// the server serves.
class ServerProcess {
 public:
  // Starts `arca server <args>` and waits (at most `timeout`) until it reports its listeners;
  // running() is false if it exits or does not report in time (Log() says why). `env` adds
  // variables to the server's environment (ARCA_*/VAULT_* of the test are cleared).
  explicit ServerProcess(const std::vector<std::string>& args,
                         std::chrono::seconds timeout = std::chrono::seconds(20),
                         const std::map<std::string, std::string>& env = {});
  // `arca server -dev` on 127.0.0.1:0 with a fresh random root token (root_token()), plus
  // `extra_args`. Before returning, checks that port() answers auth/token/lookup-self for that
  // token (so a test cannot be talking to another test's server); running() is false if not.
  static std::unique_ptr<ServerProcess> Dev(const std::vector<std::string>& extra_args = {},
                                            const std::map<std::string, std::string>& env = {});
  // Stops a running server with SIGTERM and waits: a test failure if it does not exit with
  // status 0 (a leak, under LeakSanitizer) within 30 s.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool running() const { return pid_ > 0; }
  // The first listener's port; ports() lists every listener's, in configuration order.
  int port() const { return ports_.empty() ? 0 : ports_[0]; }
  const std::vector<int>& ports() const { return ports_; }
  // The first listener's URL ("http://127.0.0.1:<port>"); urls() every listener's.
  std::string url() const { return urls_.empty() ? "" : urls_[0]; }
  const std::vector<std::string>& urls() const { return urls_; }
  // The root token of a Dev() server (empty otherwise).
  const std::string& root_token() const { return root_token_; }
  // Sends `sig` and waits for exit; returns the wait status.
  int Stop(int sig);
  // Sends `sig` without waiting (SIGSTOP, SIGCONT, a SIGTERM whose exit Wait() reaps); false
  // when the server is not running.
  bool Signal(int sig) const;
  // Waits for the exit (after Signal) and returns the wait status; -1 when not running.
  int Wait();
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // What the harness found wrong (if anything), then the server's output.
  std::string Log() const;
  // The last 16 KiB of Log().
  std::string LogTail() const;

 private:
  int pid_ = -1;
  std::vector<int> ports_;
  std::vector<std::string> urls_;
  std::string root_token_;
  std::string error_;
  std::string log_path_;
  TempDir dir_;
};

// True when 127.0.0.1:`port` answers GET auth/token/lookup-self for `token` with that token's
// id: the server there knows this token.
bool AnswersWithToken(int port, const std::string& token);

std::string ArcaBinary();

// Runs a shell command (`sh -c`), capturing stdout and stderr together.
struct ShellResult {
  int code = -1;
  std::string out;
};
ShellResult Sh(const std::string& command);

// A test with its own `arca server -dev` (ServerProcess::Dev: a random root token, root_) and
// CLI shortcuts against it.
class DevServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // Runs the CLI with VAULT_ADDR pointing at the server and VAULT_TOKEN = `token` (the root
  // token when not given; "" for none).
  CliResult Cli(std::vector<std::string> args, const std::optional<std::string>& token = std::nullopt,
                const std::string& stdin_data = "");
  // Runs a command that must succeed (a test failure otherwise); returns its stdout.
  std::string Ok(std::vector<std::string> args, const std::optional<std::string>& token = std::nullopt);

  int port_ = 0;
  std::string root_;  // the server's root token
  std::map<std::string, std::string> server_env_;  // extra environment for the server
  std::unique_ptr<ServerProcess> server_;
  TempDir dir_;
};

// A suite whose tests share one `arca server -dev` (ServerProcess::Dev), started once for the
// suite. A suite that needs more set-up defines its own SetUpTestSuite and calls this one first.
class SharedDevServerSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  // A request on a fresh connection with X-Vault-Token: the root token, or `token` ("" = none).
  static HttpResult Req(const std::string& method, const std::string& target,
                        const std::string& body = "",
                        const std::optional<std::string>& token = std::nullopt);

  static inline ServerProcess* server_ = nullptr;
  static inline int port_ = 0;
  static inline std::string root_;
};

}  // namespace arca::testing
