#include "api/client_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/duration.h"

namespace arca::api {
namespace {

// ARCA_<name>, else VAULT_<name>.
std::optional<std::string> Lookup(const GetEnvFn& getenv, std::string_view name) {
  for (std::string_view prefix : {"ARCA_", "VAULT_"}) {
    auto v = getenv(std::string(prefix) + std::string(name));
    if (v && !v->empty()) return v;
  }
  return std::nullopt;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::optional<std::string> ProcessEnv(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::optional<bool> ParseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

ClientConfig ClientConfig::FromEnvironment() { return FromEnvironment(ProcessEnv); }

ClientConfig ClientConfig::FromEnvironment(const GetEnvFn& getenv) {
  ClientConfig c;
  if (auto v = Lookup(getenv, "ADDR")) c.address = *v;
  if (auto v = Lookup(getenv, "CACERT")) c.ca_cert = *v;
  if (auto v = Lookup(getenv, "CAPATH")) c.ca_path = *v;
  if (auto v = Lookup(getenv, "DISABLE_REDIRECTS")) {
    c.disable_redirects = ParseGoBool(*v).value_or(false);
  }
  if (auto v = Lookup(getenv, "CLIENT_CERT")) c.client_cert = *v;
  if (auto v = Lookup(getenv, "CLIENT_KEY")) c.client_key = *v;
  if (auto v = Lookup(getenv, "TLS_SERVER_NAME")) c.tls_server_name = *v;
  if (auto v = Lookup(getenv, "WRAP_TTL")) c.wrap_ttl = *v;
  if (auto v = Lookup(getenv, "NAMESPACE")) c.name_space = *v;
  if (auto v = Lookup(getenv, "SKIP_VERIFY")) c.tls_skip_verify = ParseGoBool(*v).value_or(false);
  if (auto v = Lookup(getenv, "CLIENT_TIMEOUT")) {
    if (auto d = ParseDuration(*v); d && d->count() > 0) c.timeout = *d;
  }
  if (auto v = Lookup(getenv, "TOKEN")) {
    c.token = *v;
  } else if (auto t = GetStoredToken(getenv)) {
    c.token = *t;
  }
  return c;
}

std::string TokenHelperPath(const GetEnvFn& getenv) {
  auto home = getenv("HOME");
  if (!home || home->empty()) return "";
  std::string dir = *home;
  if (dir.back() != '/') dir += '/';
  std::string arca = dir + ".arca-token";
  struct stat st {};
  if (::stat(arca.c_str(), &st) == 0) return arca;
  return dir + ".vault-token";
}

std::optional<std::string> ExternalTokenHelper(const GetEnvFn& getenv) {
  std::string path;
  if (auto v = Lookup(getenv, "CONFIG_PATH")) {
    path = *v;
  } else if (auto home = getenv("HOME"); home && !home->empty()) {
    path = *home + "/.vault";
  } else {
    return std::nullopt;
  }
  std::ifstream in(path);
  if (!in) return std::nullopt;
  // The file is HCL or JSON; only `token_helper = "..."` / `"token_helper": "..."` matters.
  static const std::regex kKey(R"re(^\s*"?token_helper"?\s*[=:]\s*"([^"]*)")re");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, kKey) && !m[1].str().empty()) return m[1].str();
  }
  return std::nullopt;
}

namespace {

// Runs `program op`, feeding `input` on its stdin; returns its stdout. A non-zero exit is an
// error carrying what it wrote to stderr, as Vault's external helper does.
Result<std::string> RunHelper(const std::string& program, const char* op, std::string_view input) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return Internal("token helper: pipe failed");
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Internal("token helper: pipe failed");
  }
  pid_t pid = ::fork();
  if (pid < 0) return Internal(std::string("token helper: fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    // Run through the shell as Vault does for a relative or argument-bearing helper.
    std::string cmd = program + " " + op;
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  size_t done = 0;
  while (done < input.size()) {
    ssize_t n = ::write(in_pipe[1], input.data() + done, input.size() - done);
    if (n <= 0 && errno != EINTR) break;
    if (n > 0) done += static_cast<size_t>(n);
  }
  ::close(in_pipe[1]);
  auto drain = [](int fd) {
    std::string s;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        s.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        break;
      }
    }
    ::close(fd);
    return s;
  };
  std::string out = drain(out_pipe[0]);
  std::string err = drain(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Internal("Error running token helper \"" + program + " " + op + "\": " + Trim(err));
  }
  return out;
}

}  // namespace

Result<std::string> GetStoredToken(const GetEnvFn& getenv) {
  if (auto program = ExternalTokenHelper(getenv)) {
    ARCA_ASSIGN_OR_RETURN(std::string out, RunHelper(*program, "get", ""));
    return Trim(out);
  }
  std::string path = TokenHelperPath(getenv);
  if (path.empty()) return std::string();
  return ReadTokenHelper(path);
}

Status StoreToken(std::string_view token, const GetEnvFn& getenv) {
  if (auto program = ExternalTokenHelper(getenv)) {
    auto r = RunHelper(*program, "store", token);
    if (!r) return std::unexpected(r.error());
    return OkStatus();
  }
  std::string path = TokenHelperPath(getenv);
  if (path.empty()) return Internal("cannot locate the token helper file: HOME is not set");
  return WriteTokenHelper(path, token);
}

Status EraseStoredToken(const GetEnvFn& getenv) {
  if (auto program = ExternalTokenHelper(getenv)) {
    auto r = RunHelper(*program, "erase", "");
    if (!r) return std::unexpected(r.error());
    return OkStatus();
  }
  std::string path = TokenHelperPath(getenv);
  if (path.empty()) return OkStatus();
  return EraseTokenHelper(path);
}

Result<std::string> ReadTokenHelper(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::string();
    return Internal("error reading token helper file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return Trim(ss.str());
}

Status WriteTokenHelper(const std::string& path, std::string_view token) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return Internal("error writing token helper file " + path + ": " + std::strerror(errno));
  Status st;
  if (::fchmod(fd, 0600) != 0) {
    st = Internal("error setting mode of " + path + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (st && done < token.size()) {
    ssize_t n = ::write(fd, token.data() + done, token.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      st = Internal("error writing token helper file " + path + ": " + std::strerror(errno));
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && st) {
    st = Internal("error writing token helper file " + path + ": " + std::strerror(errno));
  }
  return st;
}

Status EraseTokenHelper(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Internal("error removing token helper file " + path + ": " + std::strerror(errno));
  }
  return OkStatus();
}

}  // namespace arca::api
