// http::Server: the HTTP/1.1 (+TLS) front end speaking Vault's API on one or more listeners.
//
// Each connection is one coroutine on one of ServerOptions::io_threads event loops (one thread
// each). Each parsed request is translated (translate.h) and either handled on that thread
// (Handler::RunsInline) or handed to a bounded worker pool that calls Handler::Handle; when the
// pool's queue is full the request is answered 503
// {"errors":["server is overloaded, retry later"]} with Retry-After: 1.
//
// Thread-safety: AddListener/Start/Stop/WaitForShutdownSignal may be called from any thread, but
// AddListener and Start are not meant to race with Stop. Stop is idempotent and also runs in the
// destructor. The Handler must outlive the Server.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/handler.h"

namespace arca::http {

class Server {
 public:
  Server(Handler& handler, ServerOptions opts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens now. Errors: kInvalidRequest for a malformed address, unknown
  // tls_min_version or unusable TLS files (missing, unreadable, key/cert mismatch, bad CA file);
  // kUnavailable when the address cannot be bound (e.g. port in use). May be called after Start.
  Status AddListener(const ListenerOptions& opts);

  // Gives the cluster listeners (ListenerOptions::cluster) their TLS material, in memory: the
  // cluster certificate and its key (PEM). Connections accepted afterwards use it; may be called
  // again (a new certificate applies to new connections). InvalidRequest for bad PEM or when
  // there is no cluster listener.
  Status SetClusterTls(std::string_view cert_pem, std::string_view key_pem);

  // The bound ports, in AddListener order (useful with port 0).
  std::vector<uint16_t> BoundPorts() const;

  // Requests waiting for a worker thread (both pools), for the queue-depth gauge.
  size_t QueuedRequests() const;

  // Starts the I/O threads and begins accepting; returns immediately. No-op after Stop.
  void Start();

  // Graceful shutdown: stops accepting, closes idle keep-alive connections, lets in-flight
  // requests finish and their responses be written (up to `grace`), then closes the remaining
  // connections, answers still-queued requests 503, waits for handler calls already running
  // (they cannot be interrupted), and joins all threads. Idempotent.
  void Stop(std::chrono::seconds grace = std::chrono::seconds(10));

  // Blocks until SIGINT or SIGTERM arrives (or Stop() is called from another thread), then
  // calls Stop(). With `on_sighup`, SIGHUP runs it (on the calling thread) instead of its
  // default action. The signal handlers are installed only while this call runs.
  void WaitForShutdownSignal(std::function<void()> on_sighup = {});

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arca::http
