// A local listener for socket-device tests: TCP, UDP or a Unix stream socket, bound to an
// ephemeral address. In reading mode a thread collects everything received; otherwise the
// connection is left unaccepted / unread so the sender's buffers fill.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "audit/socket_sink.h"

namespace arca::audit::testing {

class Listener {
 public:
  Listener(SocketType type, bool read, std::string unix_path = "") : type_(type) {
    if (type == SocketType::kUnix) {
      fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::strncpy(a.sun_path, unix_path.c_str(), sizeof(a.sun_path) - 1);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
      address_ = unix_path;
    } else {
      fd_ = ::socket(AF_INET, type == SocketType::kTcp ? SOCK_STREAM : SOCK_DGRAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
      socklen_t len = sizeof(a);
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
      address_ = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    }
    if (type != SocketType::kUdp) ::listen(fd_, 16);
    if (read) thread_ = std::thread([this] { Serve(); });
  }
  ~Listener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  const std::string& address() const { return address_; }
  std::string Received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  // Waits until `n` bytes have arrived (or 10 s); returns what has arrived.
  std::string WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return received_.size() >= n; });
    return received_;
  }

 private:
  void Serve() {
    int conn = -1;
    char buf[65536];
    while (!stop_) {
      int fd = type_ == SocketType::kUdp ? fd_ : conn;
      if (fd < 0) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) conn = ::accept(fd_, nullptr, nullptr);
        continue;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        if (type_ != SocketType::kUdp) {
          ::close(conn);
          conn = -1;
        }
        continue;
      }
      std::lock_guard lock(mu_);
      received_.append(buf, static_cast<size_t>(n));
      cv_.notify_all();
    }
    if (conn >= 0) ::close(conn);
  }

  SocketType type_;
  int fd_ = -1;
  std::string address_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;  // notified when received_ grows
  std::string received_;
};

}  // namespace arca::audit::testing
