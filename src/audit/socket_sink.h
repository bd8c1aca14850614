// audit::SocketSink: the `socket` device's writer. Sends each line over TCP, UDP (one datagram
// per line) or a Unix stream socket. Connects lazily (and on Connect(), the test run at enable)
// with a timeout; every send waits at most write_timeout for the socket to become writable, so a
// peer that stops reading makes Write fail instead of hanging. On a failed write the connection
// is dropped and Write reconnects and retries once, as Vault does; a line half-sent when the
// timeout hit is not resent (the stream is reset by reconnecting).
//
// Thread-safety: none; used by one Device writer thread (Connect may be called before that).
#pragma once

#include <chrono>
#include <string>

#include "audit/device.h"

namespace arca::audit {

enum class SocketType { kTcp, kUdp, kUnix };

// "tcp" | "udp" | "unix" (InvalidRequest otherwise).
Result<SocketType> ParseSocketType(std::string_view name);

struct SocketSinkOptions {
  std::string address;  // "host:port" ("[v6]:port") for tcp/udp, a path for unix
  SocketType type = SocketType::kTcp;
  std::chrono::milliseconds write_timeout{2000};
};

class SocketSink : public Sink {
 public:
  explicit SocketSink(SocketSinkOptions options);
  ~SocketSink() override;

  // Connects now (no-op when connected). Error (InvalidRequest) when it cannot.
  Status Connect();
  Status Write(std::string_view line) override;
  Status Reopen() override;
  void Close() override;

 private:
  Status WriteOnce(std::string_view line);

  SocketSinkOptions options_;
  int fd_ = -1;
};

}  // namespace arca::audit
