#include "api/client_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
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
  if (auto v = Lookup(getenv, "CLIENT_CERT")) c.client_cert = *v;
  if (auto v = Lookup(getenv, "CLIENT_KEY")) c.client_key = *v;
  if (auto v = Lookup(getenv, "TLS_SERVER_NAME")) c.tls_server_name = *v;
  if (auto v = Lookup(getenv, "WRAP_TTL")) c.wrap_ttl = *v;
  if (auto v = Lookup(getenv, "SKIP_VERIFY")) c.tls_skip_verify = ParseGoBool(*v).value_or(false);
  if (auto v = Lookup(getenv, "CLIENT_TIMEOUT")) {
    if (auto d = ParseDuration(*v); d && d->count() > 0) c.timeout = *d;
  }
  if (auto v = Lookup(getenv, "TOKEN")) {
    c.token = *v;
  } else if (std::string path = TokenHelperPath(getenv); !path.empty()) {
    if (auto t = ReadTokenHelper(path)) c.token = *t;
  }
  return c;
}

std::string TokenHelperPath(const GetEnvFn& getenv) {
  auto home = getenv("HOME");
  if (!home || home->empty()) return "";
  std::string path = *home;
  if (path.back() != '/') path += '/';
  return path + ".arca-token";
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

Result<std::string> ReadTokenHelper() {
  std::string path = TokenHelperPath();
  if (path.empty()) return std::string();
  return ReadTokenHelper(path);
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

Status WriteTokenHelper(std::string_view token) {
  std::string path = TokenHelperPath();
  if (path.empty()) return Internal("cannot locate the token helper file: HOME is not set");
  return WriteTokenHelper(path, token);
}

Status EraseTokenHelper(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Internal("error removing token helper file " + path + ": " + std::strerror(errno));
  }
  return OkStatus();
}

}  // namespace arca::api
