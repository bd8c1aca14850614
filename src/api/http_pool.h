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

#include "common/status.h"

namespace arca::api {

struct HttpPoolOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};  // connect, write, and read
  std::string ca_file;    // PEM bundle to verify an https server; empty = system roots
  std::string cert_file;  // client certificate (PEM chain) for mutual TLS
  std::string key_file;   // its private key (PEM)
  size_t max_body = 16u << 20;
  size_t max_idle = 32;  // idle connections kept; more are closed after use
};

struct HttpPoolResponse {
  int status = 0;
  std::string body;
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

  // Closes every idle connection (after a failover, so a recovered server is dialled afresh).
  void CloseIdle();

  const std::string& origin() const;

  struct Impl;

 private:
  explicit HttpPool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arca::api
