#include "services/tokenreview_standin.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
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

std::string TokenReviewStandin::ScriptPath() {
  return std::string(ARCA_TEST_SERVICES_DIR) + "/tokenreview_standin.py";
}

TokenReviewStandin::TokenReviewStandin(TokenReviewStandinOptions options)
    : options_(std::move(options)) {
  std::string tmpl = "/tmp/arca-k8s-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  // Debian's python3 (python3-cryptography, python3-jwt), not whatever comes first on PATH.
  std::vector<std::string> args = {"/usr/bin/python3", ScriptPath(), "--dir", dir_};
  if (!options_.admin_token.empty()) {
    args.insert(args.end(), {"--admin-token", options_.admin_token});
  }
  for (const auto& sa : options_.service_accounts) {
    args.insert(args.end(), {"--service-account", sa});
  }
  for (const auto& r : options_.reviewers) args.insert(args.end(), {"--reviewer", r});
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork failed";
    ::close(out[0]);
    ::close(out[1]);
    return;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  pid_ = pid;
  // Wait (with a deadline) for "PORT <n>\n".
  std::string line;
  const int got = ReadAnnouncedPort(out[0], std::chrono::seconds(30), &line);
  ::close(out[0]);
  if (got == 0) {
    error_ = "tokenreview_standin.py did not report its port (output: \"" + line + "\")";
    return;
  }
  port_ = got;
  ok_ = true;
}

TokenReviewStandin::~TokenReviewStandin() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

int TokenReviewStandin::Call(const std::string& method, const std::string& path,
                             const std::string& json_body, std::string* body) const {
  std::string cmd = "curl -sS --max-time 30 --cacert " + ShellQuote(ca_path()) + " -X " +
                    ShellQuote(method) + " -H " +
                    ShellQuote("Authorization: Bearer " + options_.admin_token) +
                    " -H 'Content-Type: application/json' -w '\\n%{http_code}'";
  if (!json_body.empty()) cmd += " --data-binary " + ShellQuote(json_body);
  cmd += " " + ShellQuote(url() + path);
  std::string out;
  if (RunShell(cmd, &out) != 0) {
    if (body != nullptr) *body = out;
    return 0;
  }
  size_t nl = out.rfind('\n');
  if (nl == std::string::npos) return 0;
  if (body != nullptr) *body = out.substr(0, nl);
  return std::atoi(out.c_str() + nl + 1);
}

std::string TokenReviewStandin::MintToken(const std::string& ns, const std::string& name,
                                          const std::vector<std::string>& audiences,
                                          std::string* err) const {
  json::object spec{{"audiences", ToJsonArray(audiences)}};
  std::string body;
  int status = Call("POST", "/api/v1/namespaces/" + ns + "/serviceaccounts/" + name + "/token",
                    json::serialize(json::object{{"spec", spec}}), &body);
  auto parsed = ParseJsonObject(body);
  if (status != 201 || !parsed) {
    if (err != nullptr) *err = "TokenRequest: HTTP " + std::to_string(status) + ": " + body;
    return "";
  }
  return StringOr(ObjectOr(*parsed, "status"), "token");
}

}  // namespace arca::testing
