// Vault's CORS handling in front of the API (http/cors.go in Vault): with CORS enabled and an
// Origin header,
//   - an origin that is not allowed -> 403 {"errors":["origin not allowed"]};
//   - OPTIONS (preflight) -> 204 with Access-Control-Allow-Origin/-Methods/-Headers/-Max-Age,
//     or 405 when Access-Control-Request-Method names a method Vault does not allow;
//   - any other method goes on, and its response gets Access-Control-Allow-Origin and Vary.
// Without an Origin header, or with CORS disabled, requests pass unchanged (OPTIONS then gets
// the usual 405).
//
// Thread-safety: a pure function.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/cors.h"
#include "http/translate.h"

namespace arca::http {

// nullopt: handle the request, then add `extra_headers` to its response; otherwise the
// response to send instead.
std::optional<HttpResponseOut> ApplyCors(
    const CorsConfig& cors, const HttpRequestView& req,
    std::vector<std::pair<std::string, std::string>>& extra_headers);

}  // namespace arca::http
