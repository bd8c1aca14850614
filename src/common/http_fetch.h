// A one-shot HTTP(S) request as a plain function type, so that modules without Boost.Beast
// (auth methods: OIDC discovery, JWKS, token endpoints, TokenReview) can be given a client.
// The implementation is api::HttpFetch (src/api/http_request.h); tests may pass their own.
//
// Contract of an HttpFetcher: transport failures (bad URL, DNS, refused, TLS verification,
// timeout, body larger than max_body) are errors; any HTTP status is a response. TLS verifies
// the server name and chain against `ca_pem` when given, else the system roots.
// Thread-safety: an HttpFetcher may be called from several threads at once.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace arca {

struct HttpFetchRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string ca_pem;  // PEM CA certificates to trust; empty = system roots
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  size_t max_body = 4u << 20;
};

struct HttpFetchResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

using HttpFetcher = std::function<Result<HttpFetchResponse>(const HttpFetchRequest&)>;

}  // namespace arca
