// A generic one-shot HTTP(S) request, for talking to services that are not Vault-compatible (AWS
// KMS for the awskms seal). api::Client is for the Vault API: it prefixes /v1/ and adds
// X-Vault-* headers; this sends exactly the method, target, headers and body it is given.
//
// Each call opens its own connection (Connection: close), so calls are independent and
// thread-safe. TLS verifies the server against the system roots (or `ca_cert`) and its name.
// Failure behaviour: transport failures (bad URL, DNS, refused, TLS, timeout, a response larger
// than max_body) are kUnavailable errors whose message reads like Go's, e.g.
//   Post "http://127.0.0.1:9/": dial tcp 127.0.0.1:9: connect: connection refused
// Any HTTP status is a successful HttpResponse; the caller judges it.
// Memory: the copy of the request body and the read buffer are wiped; the response body is the
// caller's to wipe (SecureWipe) when it holds a secret.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_fetch.h"
#include "common/status.h"

namespace arca::api {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct HttpRequestOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // connect, and each read/write
  std::string ca_cert;           // PEM file or directory of PEM files; empty = system roots
  std::string ca_pem;            // PEM certificates (text) to trust instead; wins over ca_cert
  bool tls_skip_verify = false;  // tests only
  size_t max_body = 16u << 20;
};

// The parts of an http:// or https:// URL. InvalidRequest for anything else.
struct HttpUrl {
  std::string scheme;       // "http" or "https"
  std::string host;         // without brackets, for DNS and TLS names
  std::string port;         // "443" when not given for https, "80" for http
  std::string host_header;  // what a Host header carries: host, and ":port" when not the default
  std::string path;         // "/" when empty; as written (percent-encoding kept)
  std::string query;        // without '?'
};
Result<HttpUrl> ParseHttpUrl(std::string_view url);

// Sends `method` to `url` with `headers` (a Host header is added from the URL unless given;
// Content-Length is set from `body`) and returns the response.
Result<HttpResponse> HttpRequest(std::string_view method, std::string_view url,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string_view body, const HttpRequestOptions& options = {});

// HttpRequest behind common/http_fetch.h's interface (what auth methods are given).
Result<HttpFetchResponse> HttpFetch(const HttpFetchRequest& request);

}  // namespace arca::api
