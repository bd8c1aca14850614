// logical::Response / Error -> HTTP response (see translate.h).
#include <cctype>

#include "http/translate.h"
#include "logical/envelope.h"

namespace arca::http {
namespace {

using logical::Strings;

constexpr std::string_view kJson = "application/json";

void AddCommonHeaders(HttpResponseOut& out) {
  out.headers.emplace_back("Cache-Control", "no-store");
}

void SetJsonBody(HttpResponseOut& out, const json::value& v, bool head_request) {
  out.headers.emplace_back("Content-Type", std::string(kJson));
  if (!head_request) out.body = json::serialize(v);
}

bool SameHeaderName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Replaces a header of the same name (any case) or adds it.
void SetHeader(HttpResponseOut& out, const std::string& name, const std::string& value) {
  for (auto& [n, v] : out.headers) {
    if (SameHeaderName(n, name)) {
      v = value;
      return;
    }
  }
  out.headers.emplace_back(name, value);
}

}  // namespace

HttpResponseOut ErrorResponse(const Error& err, bool head_request) {
  HttpResponseOut out;
  out.status = err.http_status();
  AddCommonHeaders(out);
  json::object o;
  o["errors"] = Strings(err.messages());
  SetJsonBody(out, o, head_request);
  return out;
}

HttpResponseOut OverloadedResponse(bool head_request) {
  HttpResponseOut out = ErrorResponse(
      Error(ErrorKind::kUnavailable, "server is overloaded, retry later"), head_request);
  out.headers.emplace_back("Retry-After", "1");
  return out;
}

HttpResponseOut BuildResponse(const logical::Request& req, const Result<logical::Response>& result,
                              bool head_request) {
  if (!result) return ErrorResponse(result.error(), head_request);
  const logical::Response& resp = *result;
  HttpResponseOut out;
  if (resp.stream) {
    out.status = 200;
    AddCommonHeaders(out);
    out.headers.emplace_back("Content-Type", resp.stream->content_type());
    if (!head_request) out.stream = resp.stream;
  } else if (resp.raw) {
    out.status = resp.raw->status;
    AddCommonHeaders(out);
    if (!resp.raw->content_type.empty()) {
      out.headers.emplace_back("Content-Type", resp.raw->content_type);
    }
    if (!head_request) out.body = resp.raw->body;
  } else if (req.operation == logical::Operation::kHelp && !resp.wrap_info) {
    // Vault answers ?help=1 with the response's data alone: {"help", "openapi", "see_also"}.
    out.status = 200;
    AddCommonHeaders(out);
    SetJsonBody(out, resp.data, head_request);
  } else if (resp.empty_list ||
             (req.operation == logical::Operation::kRead && !resp.HasContent() &&
              resp.status_code == 0)) {
    // Vault answers a read that found nothing (a nil response) with 404 {"errors":[]}.
    out = ErrorResponse(Error(ErrorKind::kNotFound, std::vector<std::string>{}), head_request);
  } else if (resp.HasContent()) {
    out.status = resp.status_code != 0 ? resp.status_code : 200;
    AddCommonHeaders(out);
    if (out.status != 204 && out.status != 304) {
      out.headers.emplace_back("Content-Type", std::string(kJson));
      if (!head_request) out.body = logical::SerializeEnvelope(req, resp);
    }
  } else {
    out.status = resp.status_code != 0 ? resp.status_code : 204;
    AddCommonHeaders(out);
  }
  for (const auto& [name, value] : resp.headers) SetHeader(out, name, value);
  if (out.status < 200 || out.status == 204 || out.status == 304) out.body.clear();
  return out;
}

}  // namespace arca::http
