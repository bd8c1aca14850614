// The seam between the HTTP edge and the core, and the options of the HTTP server.
//
// The http module never depends on core/: the server adapter in src/server/ implements Handler
// on top of the core and hands it to http::Server (server.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/cors.h"
#include "common/status.h"
#include "logical/request.h"
#include "logical/response.h"

namespace arca::http {

// A request as received, before translation (Handler::TakesRaw / HandleRaw). Views into the
// connection's buffers: valid during the call only.
struct RawRequest {
  std::string_view method;  // "GET", "LIST", ...
  std::string_view target;  // "/v1/secret/data/a?version=2" (with the query)
  std::span<const std::pair<std::string_view, std::string_view>> headers;  // any case, repeats
  std::string_view body;
  std::string_view remote_addr;  // the peer's IP
  bool cluster = false;          // arrived on the cluster listener (ListenerOptions::cluster)
  // The listener serves sys/metrics without a token (ListenerOptions).
  bool unauthenticated_metrics = false;
  // The second raw call for this request: the normal path answered kForwardToActive (a
  // read-serving standby met something only the active node may do); forward it as received.
  bool forward = false;
};

// The answer to a RawRequest, sent as is (Content-Length, Connection and Transfer-Encoding are
// the server's own and dropped from `headers`). Status 0 declines: the request then goes the
// normal way (translated, Handle), e.g. when the node became active in between.
struct RawResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Answers one API request. Implemented by the core adapter in src/server/.
//
// Thread-safety: Handle is called concurrently from the worker threads of the HTTP server (never
// from an I/O thread), so implementations must be thread-safe. It may block (storage, network).
// It should not throw; an escaping exception is answered 500 "internal error".
class Handler {
 public:
  virtual ~Handler() = default;
  // `req` was filled by the HTTP layer (see translate.h); the handler may modify it, and the
  // HTTP layer reads req.mount_type afterwards for the response envelope. An Error becomes
  // {"errors":[...]} with err.http_status(); a Response becomes Vault's envelope.
  virtual Result<logical::Response> Handle(logical::Request& req) = 0;
  // True when Handle(req) will neither block (fsync, network, another thread) nor run long, so
  // the I/O thread that parsed the request may call it itself: no hand-off to a worker thread
  // and back. Called on an I/O thread, before Handle; must be cheap and thread-safe.
  virtual bool RunsInline(const logical::Request& /*req*/) const { return false; }
  // The CORS settings in force (sys/config/cors), or null (CORS disabled). Called on an I/O
  // thread for every request: must be cheap and thread-safe.
  virtual std::shared_ptr<const CorsConfig> Cors() const { return nullptr; }
  // The raw hook (HA: a standby forwards requests to the active node as received). Called on an
  // I/O thread for every request before it is translated; must be cheap and thread-safe. True:
  // HandleRaw answers this request (on a worker thread; it may block) and Handle is not called.
  virtual bool TakesRaw(const RawRequest& /*req*/) const { return false; }
  virtual RawResponse HandleRaw(const RawRequest& /*req*/) { return RawResponse{500, {}, {}}; }
};

// One listener (Vault's `listener "tcp"` stanza).
struct ListenerOptions {
  std::string address = "127.0.0.1:8200";  // host:port or [v6]:port; port 0 = pick a free one
  bool tls_disable = false;
  std::string tls_cert_file, tls_key_file, tls_client_ca_file, tls_min_version = "tls12";
  bool tls_require_and_verify_client_cert = false, tls_disable_client_certs = false;
  uint64_t max_request_size =
      33554432;  // body limit in bytes; larger -> 413 and close; 0 = default
  // Timeouts: http_read_timeout covers the TLS handshake and reading one request;
  // http_idle_timeout the wait for the next request on a keep-alive connection (0: the read
  // timeout); max_request_duration bounds writing the response (the handler itself cannot be
  // cancelled). Zero disables a timeout.
  std::chrono::seconds max_request_duration{90}, http_read_timeout{30}, http_idle_timeout{300};
  // CIDRs (or bare IPs) of proxies whose X-Forwarded-For header is trusted (see translate.h).
  std::vector<std::string> x_forwarded_for_authorized_addrs;
  // telemetry { unauthenticated_metrics_access = true }: sys/metrics needs no token here.
  bool unauthenticated_metrics_access = false;
  // The HA cluster listener: TLS with the cluster's certificate, given later in memory
  // (Server::SetClusterTls; the tls_* file options are unused). A client must present the
  // cluster certificate itself (it is its own CA). Until SetClusterTls, accepted connections
  // are closed at once. Requests arrive with RawRequest::cluster = true.
  bool cluster = false;
  // The header that carries the original client's address on this listener (set by the node
  // that forwarded the request). Trusted only here: meant for the mTLS cluster listener, where
  // only cluster nodes can connect. Empty: none (the peer's address is the client's).
  std::string client_addr_header;
};

struct ServerOptions {
  // Threads running an Asio event loop each (one io_context per thread; accepted connections
  // are dealt round-robin and stay on their thread).
  int io_threads = 2;
  int worker_threads = 4;             // threads calling Handler::Handle for reads (GET, LIST, ...)
  // Threads for requests that may write (POST, PUT, PATCH, DELETE). Writes wait for fsync, so
  // this pool is larger: concurrent writers are what lets storage group-commit them.
  int write_worker_threads = 16;
  size_t max_queued_requests = 4096;  // requests waiting for a worker (per pool); beyond -> 503
  // Requests for which Handler::RunsInline is true run on the I/O thread that parsed them
  // instead of a pool. false: every request goes to a pool.
  bool inline_requests = true;
};

}  // namespace arca::http
