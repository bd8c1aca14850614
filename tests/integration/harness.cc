#include "integration/harness.h"

#include "common/json.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace arca::testing {

std::string ArcaBinary() {
#ifdef ARCA_BINARY
  return ARCA_BINARY;
#else
  return "./arca";
#endif
}

ClosedPort::ClosedPort() {
  // No SO_REUSEADDR: while this socket is bound, nobody else can bind the port.
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "ClosedPort: " << std::strerror(errno);
    return;
  }
  port_ = ntohs(addr.sin_port);
}

ClosedPort::~ClosedPort() {
  if (fd_ >= 0) close(fd_);
}

WebrootServer::WebrootServer(std::string root) : root_(std::move(root)) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd_, 16) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      pipe(stop_) != 0) {
    ADD_FAILURE() << "WebrootServer: " << std::strerror(errno);
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

WebrootServer::~WebrootServer() {
  if (thread_.joinable()) {
    (void)!write(stop_[1], "x", 1);
    thread_.join();
  }
  for (int fd : {fd_, stop_[0], stop_[1]}) {
    if (fd >= 0) close(fd);
  }
}

void WebrootServer::Serve() {
  while (true) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0 || (p[1].revents & POLLIN)) return;
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    Answer(c);
    close(c);
  }
}

void WebrootServer::Answer(int c) {
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
    pollfd p{c, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return;
    ssize_t n = recv(c, buf, sizeof buf, 0);
    if (n <= 0) return;
    req.append(buf, static_cast<size_t>(n));
  }
  ++requests_;
  std::string status = "404 Not Found", body;
  std::istringstream line(req.substr(0, req.find("\r\n")));
  std::string method, target;
  line >> method >> target;
  if (method == "GET" && target.rfind("/.well-known/acme-challenge/", 0) == 0 &&
      target.find("..") == std::string::npos) {
    std::ifstream f(root_ + target, std::ios::binary);
    if (f) {
      body.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
      status = "200 OK";
    }
  }
  std::string resp = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  (void)!send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
}

std::string RandomToken() {
  unsigned char bytes[16] = {};
  std::ifstream f("/dev/urandom", std::ios::binary);
  f.read(reinterpret_cast<char*>(bytes), sizeof(bytes));
  if (!f) ADD_FAILURE() << "RandomToken: cannot read /dev/urandom";
  static const char kHex[] = "0123456789abcdef";
  std::string out = "test-";
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/arca-test-XXXXXX";
  path_ = mkdtemp(tmpl);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

int SendHttp(int port, const std::string& method, const std::string& target,
             const std::string& body, const std::map<std::string, std::string>& headers) {
  int fd = Connect(port);
  if (fd < 0) return -1;
  std::ostringstream req;
  req << method << " " << target << " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req << k << ": " << v << "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req << "Content-Length: " << body.size() << "\r\n";
  }
  req << "\r\n" << body;
  std::string data = req.str();
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer early (413) and close
    off += static_cast<size_t>(n);
  }
  return fd;
}

HttpResult ReceiveHttp(int fd, std::chrono::milliseconds timeout) {
  HttpResult res;
  if (fd < 0) return res;
  std::string in;
  char buf[65536];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return res;
  std::istringstream head(in.substr(0, end));
  std::string line;
  std::getline(head, line);
  if (line.size() > 12) res.status = std::atoi(line.substr(9, 3).c_str());
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    res.headers[Lower(line.substr(0, colon))] = v;
  }
  std::string rest = in.substr(end + 4);
  if (Lower(res.headers["transfer-encoding"]) == "chunked") {
    std::string decoded;
    size_t pos = 0;
    while (pos < rest.size()) {
      size_t nl = rest.find("\r\n", pos);
      if (nl == std::string::npos) break;
      size_t len = std::strtoul(rest.substr(pos, nl - pos).c_str(), nullptr, 16);
      if (len == 0) break;
      decoded += rest.substr(nl + 2, len);
      pos = nl + 2 + len + 2;
    }
    res.body = decoded;
  } else {
    res.body = rest;
  }
  return res;
}

HttpResult RawHttp(int port, const std::string& method, const std::string& target,
                   const std::string& body, const std::map<std::string, std::string>& headers) {
  return ReceiveHttp(SendHttp(port, method, target, body, headers));
}

namespace {

std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& extra,
                                          const std::string& home) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string s(*e);
    if (s.rfind("ARCA_", 0) == 0 || s.rfind("VAULT_", 0) == 0 || s.rfind("HOME=", 0) == 0) continue;
    env.push_back(s);
  }
  env.push_back("HOME=" + home);
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

CliResult RunCli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                 const std::string& stdin_data) {
  static TempDir home;
  std::vector<std::string> argv{ArcaBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envv = ChildEnvironment(env, home.path());
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) || pipe(out_pipe) || pipe(err_pipe)) return {};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
    posix_spawn_file_actions_addclose(&fa, fd);
  }
  auto cargv = CStrings(argv);
  auto cenv = CStrings(envv);
  pid_t pid;
  int rc = posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  CliResult res;
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    res.err = "spawn failed";
    return res;
  }
  std::thread writer([&] {
    if (!stdin_data.empty()) {
      (void)!write(in_pipe[1], stdin_data.data(), stdin_data.size());
    }
    close(in_pipe[1]);
  });
  std::string err;
  std::thread err_reader([&] { err = ReadAll(err_pipe[0]); });
  res.out = ReadAll(out_pipe[0]);
  err_reader.join();
  writer.join();
  close(out_pipe[0]);
  close(err_pipe[0]);
  res.err = err;
  int status = 0;
  waitpid(pid, &status, 0);
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return res;
}

ServerProcess::ServerProcess(const std::vector<std::string>& args, std::chrono::seconds timeout,
                             const std::map<std::string, std::string>& env) {
  log_path_ = dir_.File("server.log");
  const std::string address_file = dir_.File("listeners");
  std::vector<std::string> argv{ArcaBinary(), "server", "-listener-address-file=" + address_file};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envv = ChildEnvironment(env, dir_.path());
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  auto cargv = CStrings(argv);
  auto cenv = CStrings(envv);
  pid_t pid;
  if (posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data()) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    error_ = "cannot spawn " + argv[0];
    return;
  }
  posix_spawn_file_actions_destroy(&fa);
  pid_ = pid;
  // The server writes the file (through a rename: never partial) once it serves. Polling a
  // file is the wait; the port comes from the child itself, so it cannot be someone else's.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream f(address_file);
    if (f) {
      std::string line;
      while (std::getline(f, line)) {
        auto colon = line.rfind(':');
        int port = colon == std::string::npos ? 0 : std::atoi(line.c_str() + colon + 1);
        if (port <= 0 || port > 65535) {
          error_ = "unreadable line in " + address_file + ": \"" + line + "\"";
          Stop(SIGKILL);
          return;
        }
        urls_.push_back(line);
        ports_.push_back(port);
      }
      if (ports_.empty()) {
        error_ = address_file + " lists no listener";
        Stop(SIGKILL);
      }
      return;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "the server exited before reporting its listeners";
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error_ = "the server did not report its listeners within " + std::to_string(timeout.count()) + "s";
  Stop(SIGKILL);
}

std::unique_ptr<ServerProcess> ServerProcess::Dev(const std::vector<std::string>& extra_args,
                                                  const std::map<std::string, std::string>& env) {
  const std::string token = RandomToken();
  std::vector<std::string> args{"-dev", "-dev-root-token-id=" + token,
                                "-dev-listen-address=127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto server = std::make_unique<ServerProcess>(args, std::chrono::seconds(20), env);
  server->root_token_ = token;
  if (server->running() && !AnswersWithToken(server->port(), token)) {
    server->error_ = "127.0.0.1:" + std::to_string(server->port()) +
                     " does not know this server's root token";
    server->Stop(SIGKILL);
  }
  return server;
}

bool AnswersWithToken(int port, const std::string& token) {
  HttpResult r = RawHttp(port, "GET", "/v1/auth/token/lookup-self", "", {{"X-Vault-Token", token}});
  // A server that does not know the token answers 403.
  if (r.status != 200) return false;
  auto body = ParseJsonObject(r.body);
  if (!body || !body->contains("data") || !body->at("data").is_object()) return false;
  const auto* id = body->at("data").as_object().if_contains("id");
  return id != nullptr && id->is_string() && id->as_string() == token;
}

int ServerProcess::Stop(int sig) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

bool ServerProcess::Signal(int sig) const { return pid_ > 0 && kill(pid_, sig) == 0; }

int ServerProcess::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

ServerProcess::~ServerProcess() {
  if (pid_ <= 0) return;
  // A graceful stop, so that the server's exit is part of the test: it must exit 0 (under
  // LeakSanitizer a leak found at exit makes the status non-zero). SIGKILL after 30 s.
  kill(pid_, SIGTERM);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      Stop(SIGKILL);
      ADD_FAILURE() << "arca server did not exit within 30 s of SIGTERM\n" << LogTail();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << "arca server exited with wait status " << status << " on SIGTERM\n"
                  << LogTail();
  }
}

std::string ServerProcess::LogTail() const {
  std::string log = Log();
  constexpr size_t kTail = 16384;
  return log.size() > kTail ? "...\n" + log.substr(log.size() - kTail) : log;
}

std::string ServerProcess::Log() const {
  std::ifstream f(log_path_);
  std::stringstream ss;
  if (!error_.empty()) ss << "harness: " << error_ << "\n";
  ss << f.rdbuf();
  return ss.str();
}

void DevServerTest::SetUp() {
  server_ = ServerProcess::Dev({}, server_env_);
  ASSERT_TRUE(server_->running()) << server_->Log();
  port_ = server_->port();
  root_ = server_->root_token();
}

CliResult DevServerTest::Cli(std::vector<std::string> args, const std::optional<std::string>& token,
                             const std::string& stdin_data) {
  return RunCli(args,
                {{"VAULT_ADDR", "http://127.0.0.1:" + std::to_string(port_)},
                 {"VAULT_TOKEN", token.value_or(root_)}},
                stdin_data);
}

std::string DevServerTest::Ok(std::vector<std::string> args, const std::optional<std::string>& token) {
  auto r = Cli(args, token);
  EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << "\n" << r.out << r.err;
  return r.out;
}

ShellResult Sh(const std::string& command) {
  ShellResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void SharedDevServerSuite::SetUpTestSuite() {
  server_ = ServerProcess::Dev().release();
  ASSERT_TRUE(server_->running()) << server_->Log();
  port_ = server_->port();
  root_ = server_->root_token();
}

void SharedDevServerSuite::TearDownTestSuite() {
  delete server_;
  server_ = nullptr;
}

HttpResult SharedDevServerSuite::Req(const std::string& method, const std::string& target,
                                     const std::string& body,
                                     const std::optional<std::string>& token) {
  const std::string t = token.value_or(root_);
  std::map<std::string, std::string> headers;
  if (!t.empty()) headers["X-Vault-Token"] = t;
  return RawHttp(port_, method, target, body, headers);
}

}  // namespace arca::testing
