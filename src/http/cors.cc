#include "http/cors.h"

#include <boost/beast/core/string.hpp>

namespace arca::http {
namespace {

constexpr std::string_view kAllowedMethods = "DELETE, GET, OPTIONS, POST, PUT, LIST";

std::string_view Header(const HttpRequestView& req, std::string_view name) {
  for (const auto& [n, v] : req.headers) {
    if (boost::beast::iequals(n, name)) return v;
  }
  return {};
}

}  // namespace

std::optional<HttpResponseOut> ApplyCors(
    const CorsConfig& cors, const HttpRequestView& req,
    std::vector<std::pair<std::string, std::string>>& extra_headers) {
  if (!cors.enabled) return std::nullopt;
  const std::string_view origin = Header(req, "Origin");
  if (origin.empty()) return std::nullopt;
  if (!cors.OriginAllowed(origin)) {
    return ErrorResponse(Error(ErrorKind::kPermissionDenied, "origin not allowed"));
  }
  if (req.method == "OPTIONS") {
    const std::string_view wanted = Header(req, "Access-Control-Request-Method");
    if (!wanted.empty() && wanted != "DELETE" && wanted != "GET" && wanted != "OPTIONS" &&
        wanted != "POST" && wanted != "PUT" && wanted != "LIST") {
      HttpResponseOut out;
      out.status = 405;
      return out;
    }
    HttpResponseOut out;
    out.status = 204;
    out.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    out.headers.emplace_back("Access-Control-Allow-Methods", std::string(kAllowedMethods));
    std::string headers;
    for (const auto& h : cors.allowed_headers) {
      if (!headers.empty()) headers += ",";
      headers += h;
    }
    out.headers.emplace_back("Access-Control-Allow-Headers", std::move(headers));
    out.headers.emplace_back("Access-Control-Max-Age", "300");
    out.headers.emplace_back("Vary", "Origin");
    return out;
  }
  extra_headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  extra_headers.emplace_back("Vary", "Origin");
  return std::nullopt;
}

}  // namespace arca::http
