// api::HttpPool: a pool of HTTP/1.1 keep-alive connections to one origin (scheme://host:port),
// for services spoken to with many small requests (etcd's v3 JSON gateway). Each request takes an
// idle connection or opens a new one, so concurrent callers never serialize on one socket; a
// connection goes back to the pool after a complete response that allows keep-alive.
//
// Light header (no Boost): the implementation lives in http_pool.cc.
//
// Thread-safety: Post() may be called from any number of threads at once.
// Failure behaviour: transport failures (refused, reset, timeout, TLS, a response over max_body)
// are kUnavailable errors naming the URL; a request on a reused connection that the server had
// closed while idle is retried once on a fresh connection (nothing was sent to a live server).
// Any HTTP status is a successful response; the caller judges it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/secure_bytes.h"
#include "common/status.h"

namespace arca::api {

struct HttpPoolOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};  // connect, write, and read
  std::string ca_file;    // PEM bundle to verify an https server; empty = system roots
  std::string cert_file;  // client certificate (PEM chain) for mutual TLS
  std::string key_file;   // its private key (PEM)
  // The same material in memory (PEM text), instead of files: nothing touches the disk (the HA
  // cluster's certificate). ca_pem replaces the system roots. The key is shared (the options
  // stay copyable) and lives in secure memory; the pool drops its reference once its TLS context
  // holds the key.
  std::string ca_pem, cert_pem;
  std::shared_ptr<const SecureBytes> key_pem;
  // The name the server's certificate must carry; empty = the host of the origin. Lets a client
  // connect by IP address and still verify a fixed name ("arca-cluster").
  std::string server_name;
  size_t max_body = 16u << 20;
  size_t max_idle = 32;  // idle connections kept; more are closed after use
};

struct HttpPoolResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;
};

// Why a request failed before any response (Send's `failure`).
enum class HttpPoolFailure {
  kNone,
  kRefused,  // the connection was refused (nothing listens there: the process is gone)
  kOther,    // timeout, reset, TLS, lookup, oversized response...
};

class HttpPool {
 public:
  // `origin` is "http://host:port" or "https://host:port" (a path is refused). TLS files are
  // loaded here: a missing or bad file is an InvalidRequest error.
  static Result<std::unique_ptr<HttpPool>> Create(std::string_view origin, HttpPoolOptions options);
  ~HttpPool();
  HttpPool(const HttpPool&) = delete;
  HttpPool& operator=(const HttpPool&) = delete;

  // POSTs `body` to `target` (an absolute path, e.g. "/v3/kv/range") with `headers`
  // (Content-Type: application/json unless given).
  Result<HttpPoolResponse> Post(
      std::string_view target, std::string_view body,
      const std::vector<std::pair<std::string, std::string>>& headers = {});

  // Sends any method ("GET", "LIST", ...) with `body` (may be empty) and exactly `headers` (no
  // Content-Type is added). On a transport failure, `failure` (when given) tells a refused
  // connection from the rest.
  Result<HttpPoolResponse> Send(std::string_view method, std::string_view target,
                                std::string_view body,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                HttpPoolFailure* failure = nullptr);

  // Closes every idle connection (after a failover, so a recovered server is dialled afresh).
  void CloseIdle();

  const std::string& origin() const;

  struct Impl;

 private:
  explicit HttpPool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arca::api
