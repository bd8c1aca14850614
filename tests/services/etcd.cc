#include "services/etcd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "services/services.h"

namespace arca::testing {
namespace {

// GET `path` on 127.0.0.1:port over HTTP/1.0; the whole answer, or "" on any failure.
std::string HttpGet(int port, const std::string& path, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      auto deadline = std::chrono::steady_clock::now() + timeout;
      char buf[4096];
      while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
      }
    }
  }
  ::close(fd);
  return out;
}

// GET /health over TLS through curl (the harness has no TLS client of its own; it only asks
// whether the member is up, so it does not verify it, and presents the member's own
// certificate as its client certificate); any failure is an empty answer.
std::string CurlHealth(const std::string& url, const EtcdClusterOptions& o) {
  std::string cmd = "curl -s -k --max-time 2 ";
  if (!o.client_ca_file.empty()) cmd += "--cert '" + o.cert_file + "' --key '" + o.key_file + "' ";
  cmd += "'" + url + "/health' 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "";
  std::string out;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

EtcdCluster::EtcdCluster(EtcdClusterOptions options) : options_(options) {
  if (options_.members != 1 && options_.members != 3) {
    error_ = "an etcd test cluster has 1 or 3 members";
    return;
  }
  std::string tmpl = "/tmp/arca-etcd-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  members_.resize(static_cast<size_t>(options_.members));
  for (int attempt = 0; attempt < 3; ++attempt) {
    ok_ = StartAll();
    if (ok_ || error_.find("address already in use") == std::string::npos) break;
  }
}

EtcdCluster::~EtcdCluster() {
  KillAll();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string EtcdCluster::ClientUrl(int i) const {
  return std::string(options_.cert_file.empty() ? "http" : "https") +
         "://127.0.0.1:" + std::to_string(members_[static_cast<size_t>(i)].client_port);
}

std::string EtcdCluster::ClientUrls() const {
  std::string out;
  for (int i = 0; i < size(); ++i) out += (i ? "," : "") + ClientUrl(i);
  return out;
}

int EtcdCluster::IndexOf(const std::string& url) const {
  for (int i = 0; i < size(); ++i) {
    if (ClientUrl(i) == url) return i;
  }
  return -1;
}

std::string EtcdCluster::Log(int i) const {
  return ReadFile(dir_ + "/" + members_[static_cast<size_t>(i)].name + ".log");
}

void EtcdCluster::KillAll() {
  for (int i = 0; i < size(); ++i) Kill(i);
}

bool EtcdCluster::StartAll() {
  KillAll();
  std::error_code ec;
  for (int i = 0; i < size(); ++i) {
    Member& m = members_[static_cast<size_t>(i)];
    m.name = "m" + std::to_string(i);
    m.client_port = FreeTcpPort();
    m.peer_port = FreeTcpPort();
    std::filesystem::remove_all(dir_ + "/" + m.name, ec);
    std::filesystem::remove(dir_ + "/" + m.name + ".log", ec);
  }
  for (int i = 0; i < size(); ++i) {
    if (!Launch(i, true)) return false;
  }
  for (int i = 0; i < size(); ++i) {
    if (!WaitHealthy(i, std::chrono::seconds(30))) {
      error_ = "etcd member " + std::to_string(i) + " did not become healthy";
      for (int j = 0; j < size(); ++j) {
        if (!Running(j)) error_ += "; member " + std::to_string(j) + " exited";
        std::string log = Log(j);
        if (log.find("address already in use") != std::string::npos) {
          error_ += " (address already in use)";
        }
        error_ += "\n--- log of member " + std::to_string(j) + ":\n" + log;
      }
      KillAll();
      return false;
    }
  }
  error_.clear();
  return true;
}

bool EtcdCluster::Launch(int i, bool new_cluster) {
  Member& m = members_[static_cast<size_t>(i)];
  std::string initial;
  for (const Member& o : members_) {
    initial +=
        (initial.empty() ? "" : ",") + o.name + "=http://127.0.0.1:" + std::to_string(o.peer_port);
  }
  const std::string client = ClientUrl(i);
  const std::string peer = "http://127.0.0.1:" + std::to_string(m.peer_port);
  std::vector<std::string> args = {
      "etcd",
      "--name=" + m.name,
      "--data-dir=" + dir_ + "/" + m.name,
      "--listen-client-urls=" + client,
      "--advertise-client-urls=" + client,
      "--listen-peer-urls=" + peer,
      "--initial-advertise-peer-urls=" + peer,
      "--initial-cluster=" + initial,
      "--initial-cluster-token=arca-test-" + std::to_string(::getpid()) + "-" + dir_.substr(15),
      std::string("--initial-cluster-state=") + (new_cluster ? "new" : "existing"),
      // Fast elections on loopback so that failover tests do not wait seconds for a leader.
      "--heartbeat-interval=50",
      "--election-timeout=500",
  };
  if (!options_.cert_file.empty()) {
    args.push_back("--cert-file=" + options_.cert_file);
    args.push_back("--key-file=" + options_.key_file);
    if (!options_.client_ca_file.empty()) {
      args.push_back("--client-cert-auth");
      args.push_back("--trusted-ca-file=" + options_.client_ca_file);
    }
  }
  if (options_.max_request_bytes > 0) {
    args.push_back("--max-request-bytes=" + std::to_string(options_.max_request_bytes));
  }
  const std::string log = dir_ + "/" + m.name + ".log";
  pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork failed";
    return false;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    FILE* f = std::freopen(log.c_str(), "a", stderr);
    (void)f;
    f = std::freopen(log.c_str(), "a", stdout);
    (void)f;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("etcd", argv.data());
    std::fprintf(stderr, "exec etcd failed\n");
    ::_exit(127);
  }
  m.pid = pid;
  return true;
}

bool EtcdCluster::Running(int i) const {
  const Member& m = members_[static_cast<size_t>(i)];
  if (m.pid <= 0) return false;
  int status = 0;
  if (::waitpid(m.pid, &status, WNOHANG) == 0) return true;
  m.pid = -1;
  return false;
}

bool EtcdCluster::WaitHealthy(int i, std::chrono::milliseconds deadline) const {
  const Member& m = members_[static_cast<size_t>(i)];
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (!Running(i)) return false;
    std::string r = options_.cert_file.empty()
                        ? HttpGet(m.client_port, "/health", std::chrono::seconds(2))
                        : CurlHealth(ClientUrl(i), options_);
    if (r.find("\"health\":\"true\"") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void EtcdCluster::Kill(int i) {
  Member& m = members_[static_cast<size_t>(i)];
  if (m.pid > 0) {
    ::kill(m.pid, SIGKILL);
    ::waitpid(m.pid, nullptr, 0);
    m.pid = -1;
  }
}

void EtcdCluster::Stop(int i) {
  Member& m = members_[static_cast<size_t>(i)];
  if (m.pid > 0) {
    ::kill(m.pid, SIGTERM);
    ::waitpid(m.pid, nullptr, 0);
    m.pid = -1;
  }
}

bool EtcdCluster::Start(int i) {
  if (Running(i)) return true;
  // The data directory exists: etcd rejoins with it and ignores the initial-cluster flags.
  if (!Launch(i, false)) return false;
  return WaitHealthy(i, std::chrono::seconds(30));
}

EtcdCluster& SharedEtcd() {
  static std::unique_ptr<EtcdCluster> cluster = std::make_unique<EtcdCluster>(
      EtcdClusterOptions{.members = 1, .max_request_bytes = 8u << 20});
  return *cluster;
}

}  // namespace arca::testing
