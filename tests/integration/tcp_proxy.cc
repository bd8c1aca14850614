#include "integration/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace arca::testing {
namespace {

int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TcpProxy::TcpProxy() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd_, 64) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::vector<std::thread> pipes;
  {
    std::lock_guard lock(mu_);
    pipes.swap(pipes_);
  }
  for (auto& t : pipes) t.join();
  if (fd_ >= 0) ::close(fd_);
}

void TcpProxy::SetTarget(int port) {
  target_ = port;
  ++generation_;
}

void TcpProxy::Serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    int gen = generation_;
    std::lock_guard lock(mu_);
    pipes_.emplace_back([this, c, gen] { Pipe(c, gen); });
  }
}

void TcpProxy::Pipe(int client, int generation) {
  int target = target_;
  int server = target > 0 ? ConnectLoopback(target) : -1;
  if (server < 0) {
    ::close(client);
    return;
  }
  char buf[16384];
  bool open = true;
  while (open && !stop_ && generation_ == generation) {
    pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    int n = ::poll(p, 2, 50);
    if (n <= 0) continue;
    for (int i = 0; i < 2 && open; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int from = i == 0 ? client : server;
      int to = i == 0 ? server : client;
      ssize_t r = ::read(from, buf, sizeof buf);
      if (r <= 0) {
        open = false;
        break;
      }
      for (ssize_t off = 0; off < r;) {
        ssize_t w = ::write(to, buf + off, r - off);
        if (w <= 0) {
          open = false;
          break;
        }
        off += w;
      }
    }
  }
  ::close(server);
  ::close(client);
}

}  // namespace arca::testing
