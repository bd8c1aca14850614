// A TCP forwarder on 127.0.0.1 for tests in which a server goes away and comes back on another
// port (an arca server restarted with a listener on port 0): clients keep one address, the
// proxy's, and the test points the proxy at the server's current port. The proxy binds its
// port once and keeps it until destroyed, so no other process can take it in between.
//
// While no target is set (or the target refuses), each accepted connection is closed at once:
// clients see a transport error, as they would with the server down.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace arca::testing {

class TcpProxy {
 public:
  TcpProxy();
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  bool ok() const { return fd_ >= 0; }
  int port() const { return port_; }
  // Where new connections go (0: nowhere). Open connections are cut when the target changes.
  void SetTarget(int port);

 private:
  void Serve();
  void Pipe(int client, int generation);

  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> target_{0};
  std::atomic<int> generation_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::thread> pipes_;
};

}  // namespace arca::testing
