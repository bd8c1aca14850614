#include "audit/socket_sink.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace arca::audit {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on fd until the deadline. false on timeout or error.
bool PollUntil(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, RemainingMs(deadline));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

// Non-blocking connect with a deadline. Returns the fd or -1 with `err` set.
int ConnectAddr(const sockaddr* addr, socklen_t len, int family, int socktype,
                Clock::time_point deadline, std::string& err) {
  int fd = ::socket(family, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = std::strerror(errno);
    return -1;
  }
  if (::connect(fd, addr, len) != 0) {
    if (errno != EINPROGRESS) {
      err = std::strerror(errno);
      ::close(fd);
      return -1;
    }
    if (!PollUntil(fd, POLLOUT, deadline)) {
      err = "connection timed out";
      ::close(fd);
      return -1;
    }
    int so_error = 0;
    socklen_t sl = sizeof(so_error);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &sl);
    if (so_error != 0) {
      err = std::strerror(so_error);
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

}  // namespace

Result<SocketType> ParseSocketType(std::string_view name) {
  if (name == "tcp") return SocketType::kTcp;
  if (name == "udp") return SocketType::kUdp;
  if (name == "unix") return SocketType::kUnix;
  return InvalidRequest("invalid socket_type \"" + std::string(name) +
                        "\": must be tcp, udp or unix");
}

SocketSink::SocketSink(SocketSinkOptions options) : options_(std::move(options)) {}

SocketSink::~SocketSink() { Close(); }

void SocketSink::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status SocketSink::Reopen() {
  Close();
  return OkStatus();  // reconnects on the next write
}

Status SocketSink::Connect() {
  if (fd_ >= 0) return OkStatus();
  auto deadline = Clock::now() + options_.write_timeout;
  std::string err;
  const std::string& a = options_.address;
  if (options_.type == SocketType::kUnix) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (a.empty() || a.size() >= sizeof(sun.sun_path)) {
      return InvalidRequest("invalid unix socket address \"" + a + "\"");
    }
    std::memcpy(sun.sun_path, a.data(), a.size());
    fd_ = ConnectAddr(reinterpret_cast<sockaddr*>(&sun), sizeof(sun), AF_UNIX, SOCK_STREAM,
                      deadline, err);
  } else {
    size_t colon = a.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == a.size()) {
      return InvalidRequest("invalid socket address \"" + a + "\": want host:port");
    }
    std::string host = a.substr(0, colon), port = a.substr(colon + 1);
    if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = options_.type == SocketType::kTcp ? SOCK_STREAM : SOCK_DGRAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      return InvalidRequest("cannot resolve socket address \"" + a + "\": " + gai_strerror(rc));
    }
    for (addrinfo* ai = res; ai != nullptr && fd_ < 0; ai = ai->ai_next) {
      fd_ = ConnectAddr(ai->ai_addr, ai->ai_addrlen, ai->ai_family, ai->ai_socktype, deadline, err);
    }
    ::freeaddrinfo(res);
  }
  if (fd_ < 0) return InvalidRequest("failed to connect to audit socket " + a + ": " + err);
  return OkStatus();
}

Status SocketSink::WriteOnce(std::string_view line) {
  Status st = Connect();
  if (!st) return Internal(st.error().message());
  auto deadline = Clock::now() + options_.write_timeout;
  while (!line.empty()) {
    ssize_t n = ::send(fd_, line.data(), line.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      line.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (PollUntil(fd_, POLLOUT, deadline)) continue;
      Close();
      return Internal("audit socket write timed out after " +
                      std::to_string(options_.write_timeout.count()) + "ms");
    }
    std::string msg = std::string("audit socket write failed: ") + std::strerror(errno);
    Close();
    return Internal(msg);
  }
  return OkStatus();
}

Status SocketSink::Write(std::string_view line) {
  Status st = WriteOnce(line);
  if (st) return st;
  // Reconnect and retry once (a peer that restarted); not after a timeout, which would double
  // the time spent on a hung peer.
  if (st.error().message().find("timed out") != std::string::npos) return st;
  return WriteOnce(line);
}

}  // namespace arca::audit
