#include "engines/pki/acme/http01.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/blocking.h"

namespace arca::pki::acme {
namespace {

constexpr size_t kMaxResponse = 16 * 1024;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string_view TrimWhitespace(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  return s;
}

}  // namespace

bool WaitReady(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

namespace {

// One non-blocking connection attempt, until `deadline`; -1 on failure.
int ConnectOne(const addrinfo* ai, std::chrono::steady_clock::time_point deadline) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return -1;
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS || !WaitReady(fd, POLLOUT, deadline)) {
      ::close(fd);
      return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

struct AddrinfoFree {
  void operator()(addrinfo* a) const {
    if (a != nullptr) ::freeaddrinfo(a);
  }
};
using AddrinfoPtr = std::unique_ptr<addrinfo, AddrinfoFree>;

// getaddrinfo bounded by `deadline`. An address literal resolves at once; a name is looked up on
// a helper thread that is left to finish on its own (and free its result) when the deadline
// passes first, so a resolver that never answers does not hold the caller.
AcmeResult<AddrinfoPtr> Resolve(const std::string& name, const std::string& port,
                                std::chrono::steady_clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (::getaddrinfo(name.c_str(), port.c_str(), &hints, &res) == 0) return AddrinfoPtr(res);

  struct Lookup {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    int rc = 0;
    AddrinfoPtr result;
  };
  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread([lookup, name, port] {
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      hints.ai_flags = AI_NUMERICSERV;
      addrinfo* res = nullptr;
      const int rc = ::getaddrinfo(name.c_str(), port.c_str(), &hints, &res);
      std::lock_guard lock(lookup->mu);
      lookup->rc = rc;
      lookup->result.reset(res);
      lookup->done = true;
      lookup->cv.notify_all();
    }).detach();
  } catch (const std::system_error&) {
    return ServerInternal("could not start a DNS lookup");
  }
  std::unique_lock lock(lookup->mu);
  if (!lookup->cv.wait_until(lock, deadline, [&] { return lookup->done; })) {
    return MakeProblem("dns", "resolving " + name + " timed out");
  }
  if (lookup->rc != 0)
    return MakeProblem("dns", "could not resolve " + name + ": " + gai_strerror(lookup->rc));
  return std::move(lookup->result);
}

const char* ForbiddenV4(const uint8_t* a) {
  if (a[0] == 127) return "a loopback address";
  if (a[0] == 169 && a[1] == 254) return "a link-local address";
  if (a[0] == 0) return "an unspecified address";
  return nullptr;
}

std::string AddressText(const sockaddr* sa) {
  char out[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, out, sizeof out);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, out, sizeof out);
  }
  return out;
}

}  // namespace

const char* ForbiddenTargetReason(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    return ForbiddenV4(
        reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(addr)->sin_addr));
  }
  if (addr->sa_family != AF_INET6) return "not an IPv4 or IPv6 address";
  const uint8_t* b = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr.s6_addr;
  static constexpr uint8_t kZero[16] = {};
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr uint8_t kNat64Prefix[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) {
    return b[15] == 0 ? "an unspecified address" : "a loopback address";
  }
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "a link-local address";
  // An IPv4 address inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64.
  if (std::memcmp(b, kMappedPrefix, 12) == 0 || std::memcmp(b, kZero, 12) == 0 ||
      std::memcmp(b, kNat64Prefix, 12) == 0) {
    return ForbiddenV4(b + 12);
  }
  return nullptr;
}

AcmeResult<int> DialTcp(const std::string& host, int port,
                        std::chrono::steady_clock::time_point deadline,
                        const ValidationPolicy& policy) {
  // IPv6 literals are bracketed in URLs and Host headers but not for getaddrinfo.
  std::string lookup = host;
  if (lookup.size() > 2 && lookup.front() == '[' && lookup.back() == ']') {
    lookup = lookup.substr(1, lookup.size() - 2);
  }
  const std::string port_text = std::to_string(port);
  auto resolved = Resolve(lookup, port_text, deadline);
  if (!resolved) return std::unexpected(resolved.error());
  // Every address is checked before any is tried: a name may not mix a public address with a
  // local one to reach the local one when the public one fails. The connections below use these
  // very addresses (no second lookup that could answer differently).
  if (!policy.allow_local_addresses) {
    for (const addrinfo* ai = resolved->get(); ai != nullptr; ai = ai->ai_next) {
      if (const char* why = ForbiddenTargetReason(ai->ai_addr)) {
        return MakeProblem("rejectedIdentifier",
                           host + " resolves to " + AddressText(ai->ai_addr) + ", " + why +
                               ", which challenge validation does not connect to");
      }
    }
  }
  int fd = -1;
  for (const addrinfo* ai = resolved->get(); ai != nullptr && fd < 0; ai = ai->ai_next) {
    if (std::chrono::steady_clock::now() >= deadline) break;
    fd = ConnectOne(ai,
                    std::min(deadline, std::chrono::steady_clock::now() + policy.connect_timeout));
  }
  if (fd < 0) return MakeProblem("connection", "could not connect to " + host + " port " + port_text);
  return fd;
}

AcmeStatus ValidateHttp01(std::string_view domain, int port, std::string_view token,
                          std::string_view key_authorization, const ValidationPolicy& policy) {
  BlockingScope blocking;  // network I/O: let the worker pool run others meanwhile
  const auto deadline = std::chrono::steady_clock::now() + policy.timeout;
  std::string host(domain);
  std::string lookup = host;
  if (lookup.size() > 2 && lookup.front() == '[' && lookup.back() == ']') {
    lookup = lookup.substr(1, lookup.size() - 2);
  }
  const std::string port_text = std::to_string(port);
  auto dialed = DialTcp(host, port, deadline, policy);
  if (!dialed) return std::unexpected(dialed.error());
  const int fd = *dialed;
  Fd sock(fd);
  const bool ipv6 = lookup.find(':') != std::string::npos;
  std::string host_header = ipv6 && host.front() != '[' ? "[" + host + "]" : host;
  if (port != 80) host_header += ":" + port_text;
  const std::string request = "GET /.well-known/acme-challenge/" + std::string(token) +
                              " HTTP/1.1\r\nHost: " + host_header +
                              "\r\nUser-Agent: arca-acme\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitReady(fd, POLLOUT, deadline)) return MakeProblem("connection", "timed out sending to " + host);
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return MakeProblem("connection", "could not send the challenge request to " + host);
    }
    if (n > 0) sent += n;
  }
  std::string response;
  char buf[4096];
  while (response.size() < kMaxResponse) {
    if (!WaitReady(fd, POLLIN, deadline)) return MakeProblem("connection", "timed out reading from " + host);
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return MakeProblem("connection", "error reading the challenge response from " + host);
    }
    response.append(buf, n);
  }
  const size_t header_end = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/1.") || header_end == std::string::npos || response.size() < 12) {
    return MakeProblem("incorrectResponse", "the challenge response from " + host + " is not HTTP");
  }
  const std::string status = response.substr(9, 3);
  if (status != "200") {
    return MakeProblem("incorrectResponse",
                       "the challenge URL on " + host + " answered HTTP " + status);
  }
  std::string_view body = std::string_view(response).substr(header_end + 4);
  // Chunked bodies: the key authorization is short and arrives as one chunk.
  std::string headers_lower = response.substr(0, header_end);
  for (char& c : headers_lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string dechunked;
  if (headers_lower.find("transfer-encoding: chunked") != std::string::npos) {
    size_t pos = 0;
    while (pos < body.size()) {
      size_t eol = body.find("\r\n", pos);
      if (eol == std::string_view::npos) break;
      size_t len = std::strtoul(std::string(body.substr(pos, eol - pos)).c_str(), nullptr, 16);
      if (len == 0 || eol + 2 + len > body.size()) break;
      dechunked.append(body.substr(eol + 2, len));
      pos = eol + 2 + len + 2;
    }
    body = dechunked;
  }
  if (TrimWhitespace(body) != key_authorization) {
    return MakeProblem("incorrectResponse",
                       "the key authorization served by " + host + " does not match");
  }
  return {};
}

}  // namespace arca::pki::acme
