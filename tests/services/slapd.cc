#include "services/slapd.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/json.h"

#ifndef ARCA_TEST_SERVICES_DIR
#error "ARCA_TEST_SERVICES_DIR must name tests/services (set by CMakeLists.txt)"
#endif

namespace arca::testing {

Slapd::Slapd() {
  std::string tmpl = "/tmp/arca-slapd-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  int out[2], in[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(in, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  std::vector<std::string> args = {"python3",
                                   std::string(ARCA_TEST_SERVICES_DIR) + "/slapd_service.py",
                                   "--dir", dir_ + "/slapd"};
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork failed";
    return;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(in[0], STDIN_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("python3", argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(in[0]);
  pid_ = pid;
  stdin_fd_ = in[1];
  // One JSON line once slapd answers (generating certificates and loading data included).
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{out[0], POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[1024];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  auto obj = ParseJsonObject(line);
  if (!obj || !obj->contains("url")) {
    error_ = "slapd_service.py did not start slapd (output: \"" + line + "\")";
    return;
  }
  url_ = StringOr(*obj, "url");
  ldaps_url_ = StringOr(*obj, "ldaps_url");
  std::ifstream ca(StringOr(*obj, "ca_file"));
  std::stringstream ss;
  ss << ca.rdbuf();
  ca_pem_ = ss.str();
  ok_ = !ca_pem_.empty();
  if (!ok_) error_ = "slapd_service.py wrote no CA certificate";
}

Slapd::~Slapd() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);  // the script stops slapd when its stdin closes
  if (pid_ > 0) {
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      ::usleep(100 * 1000);
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Slapd& SharedSlapd() {
  static Slapd* s = new Slapd();  // stopped by the atexit handler below
  static bool registered = [] {
    std::atexit([] { delete s; });
    return true;
  }();
  (void)registered;
  return *s;
}

}  // namespace arca::testing
