#include "services/kms_standin.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "common/json.h"
#include "services/services.h"

#ifndef ARCA_TEST_SERVICES_DIR
#error "ARCA_TEST_SERVICES_DIR must name tests/services (set by CMakeLists.txt)"
#endif

namespace arca::testing {

std::string KmsStandin::ScriptPath() {
  return std::string(ARCA_TEST_SERVICES_DIR) + "/kms_standin.py";
}

int KmsStandin::SelfTest(std::string* out) {
  FILE* p = ::popen(("python3 " + ScriptPath() + " --self-test 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int status = ::pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

KmsStandin::KmsStandin(KmsStandinOptions options) : options_(std::move(options)) {
  std::string tmpl = "/tmp/arca-kms-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  ok_ = Launch(0);
}

KmsStandin::~KmsStandin() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void KmsStandin::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool KmsStandin::Start() {
  if (pid_ > 0) return true;
  ok_ = Launch(port_);
  return ok_;
}

bool KmsStandin::Launch(int port) {
  std::vector<std::string> args = {
      "python3",   ScriptPath(),     "--port",  std::to_string(port), "--region", options_.region,
      "--account", options_.account, "--state", dir_ + "/state.json"};
  for (const auto& k : options_.keys) args.insert(args.end(), {"--key", k});
  for (const auto& k : options_.disabled) {
    args.insert(args.end(), {"--key", k, "--disabled", k});
  }
  for (const auto& [alias, key] : options_.aliases) {
    args.insert(args.end(), {"--alias", alias + "=" + key});
  }
  for (const auto& c : options_.credentials) {
    std::string v = c.access_key + ":" + c.secret_key;
    if (!c.session_token.empty()) v += ":" + c.session_token;
    args.insert(args.end(), {"--credential", v});
  }

  if (options_.throttle_first > 0) {
    args.insert(args.end(), {"--throttle", std::to_string(options_.throttle_first)});
  }
  if (!options_.tls_cert_file.empty()) {
    args.insert(args.end(),
                {"--tls-cert", options_.tls_cert_file, "--tls-key", options_.tls_key_file});
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return false;
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork failed";
    ::close(out[0]);
    ::close(out[1]);
    return false;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("python3", argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  pid_ = pid;

  // Wait (with a deadline) for "PORT <n>\n".
  std::string line;
  const int got = ReadAnnouncedPort(out[0], std::chrono::seconds(20), &line);
  ::close(out[0]);
  if (got == 0) {
    error_ = "kms_standin.py did not report its port (output: \"" + line + "\")";
    Stop();
    return false;
  }
  port_ = got;
  error_.clear();
  return true;
}

std::map<std::string, int> KmsStandin::Stats() const {
  std::map<std::string, int> stats;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return stats;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req =
        "GET /_standin/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) response.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) return stats;
  auto obj = ParseJsonObject(response.substr(body + 4));
  if (!obj) return stats;
  for (const auto& [k, v] : *obj) {
    if (v.is_int64()) stats[std::string(k)] = static_cast<int>(v.as_int64());
  }
  return stats;
}

}  // namespace arca::testing
