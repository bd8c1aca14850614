// arca::api::Client: a synchronous client of the Vault-compatible HTTP API (http:// and
// https://), the C++ counterpart of Vault's Go `api` package, used by the CLI and the agent.
//
// One Client keeps one keep-alive connection to the server and reconnects when the server has
// closed it. Requests go to "<address>/v1/<path>" with X-Vault-Request: true, X-Vault-Token (when a
// token is set), X-Vault-Wrap-TTL (when wrap_ttl is set) and the configured extra headers.
// No retries beyond re-opening a stale keep-alive connection once.
// Redirects: like Vault's client, one 301/302/307 with a Location is followed: the same
// method, body and headers (token included) are sent once to that URL (absolute, usually
// another node: a standby redirecting to the active node's api_addr) on a connection opened
// for it; an https -> http redirect is refused ("redirect would cause protocol downgrade").
// A second redirect (or any, with ClientConfig::disable_redirects) is returned as it is by
// Request() and is an error for Call() and the api.Logical methods.
//
// Thread-safety: a Client is NOT thread-safe; use one per thread. Not copyable.
// Failure behaviour: transport failures (bad address, DNS, connection refused, TLS, timeout)
// are kUnavailable errors whose message reads like Vault's, e.g.
//   Get "http://127.0.0.1:8200/v1/sys/seal-status": dial tcp 127.0.0.1:8200: connect: connection
//   refused
// HTTP error statuses are NOT errors for Request(): the caller gets the ApiResponse.
// Request() is virtual so tests of the CLI can substitute canned responses.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api_response.h"
#include "api/client_config.h"
#include "common/json.h"
#include "common/status.h"

namespace arca::api {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

class Client {
 public:
  explicit Client(ClientConfig config);
  virtual ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientConfig& config() const { return config_; }
  void SetToken(std::string token) { config_.token = std::move(token); }
  void SetWrapTtl(std::string ttl) { config_.wrap_ttl = std::move(ttl); }

  // method: GET PUT POST DELETE LIST PATCH HEAD. LIST is sent as GET with ?list=true (as Vault's
  // client does). `path` has no /v1/ prefix; a leading '/' is ignored. `body` (if any) is sent
  // as JSON; PATCH uses Content-Type application/merge-patch+json.
  virtual Result<ApiResponse> Request(std::string_view method, std::string_view path,
                                      const json::object* body = nullptr,
                                      const QueryParams& query = {});

  // A request with `body` sent as it is (e.g. a snapshot restore), with `content_type` unless
  // empty; otherwise as Request (one redirect followed, with the body).
  Result<ApiResponse> RequestRaw(std::string_view method, std::string_view path, std::string body,
                                 std::string_view content_type = {});

  // Sends a request and returns the body as a JSON object ({} for an empty body);
  // status >= 400 (or a redirect not followed) becomes ResponseError(response); a non-object
  // body is kInternal.
  Result<json::object> Call(std::string_view method, std::string_view path,
                            const json::object* body = nullptr, const QueryParams& query = {});

  // Vault's api.Logical semantics. The value is the response envelope ("secret"); nullopt
  // where Vault returns a nil secret: an empty body (204) and, for Read and List, any 404
  // whose body carries no data and no warnings. Other statuses >= 400 are ResponseError()s.
  Result<std::optional<json::object>> Read(std::string_view path, const QueryParams& query = {});
  Result<std::optional<json::object>> List(std::string_view path);
  Result<std::optional<json::object>> Write(std::string_view path, const json::object& data);
  Result<std::optional<json::object>> Delete(std::string_view path, const QueryParams& query = {});

  // GET `path` with a streamed body (sys/monitor): `on_data` receives the body piece by piece
  // as it arrives, with no timeout once the response head is in; it returns false to stop.
  // The result is the response (its body empty for a 2xx stream, the error body otherwise)
  // once the stream ends, or a transport error. The connection is closed afterwards.
  // `max_duration` (0: none) ends a 2xx stream normally once it has lasted that long.
  Result<ApiResponse> Stream(std::string_view path, const QueryParams& query,
                             const std::function<bool(std::string_view)>& on_data,
                             std::chrono::milliseconds max_duration = {});

  // The URL a request for `path` goes to (for messages), e.g. "http://host:8200/v1/sys/health".
  std::string UrlFor(std::string_view path) const;

 private:
  struct Impl;
  Result<ApiResponse> Send(std::string_view method, std::string_view path,
                           const json::object* body, std::string* raw_body,
                           std::string_view raw_content_type, const QueryParams& query);
  Result<std::optional<json::object>> ToSecret(Result<ApiResponse> r, bool lenient_404);

  ClientConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arca::api
