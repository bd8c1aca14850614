#include "api/api_response.h"

namespace arca::api {

std::vector<std::string> ApiResponse::errors() const {
  std::vector<std::string> out;
  if (!json.is_object()) return out;
  const auto* errs = json.as_object().if_contains("errors");
  if (errs == nullptr || !errs->is_array()) return out;
  for (const auto& e : errs->as_array()) {
    if (e.is_string()) {
      out.emplace_back(e.as_string());
    } else {
      out.push_back(json::serialize(e));
    }
  }
  return out;
}

json::object ApiResponse::object() const {
  if (json.is_object()) return json.as_object();
  return {};
}

std::string FormatResponseError(const ApiResponse& r) {
  bool raw = true;
  std::vector<std::string> errs;
  if (r.json.is_object() && r.json.as_object().contains("errors")) {
    raw = false;
    errs = r.errors();
  }
  std::string out = "Error making API request.\n\nURL: " + r.method + " " + r.url +
                    "\nCode: " + std::to_string(r.status) + ". " +
                    (raw ? "Raw Message" : "Errors") + ":\n\n";
  if (raw) {
    out += r.body;
    return out;
  }
  for (size_t i = 0; i < errs.size(); ++i) {
    if (i > 0) out += "\n";
    out += "* " + errs[i];
  }
  return out;
}

ErrorKind ErrorKindForStatus(int status) {
  switch (status) {
    case 400:
      return ErrorKind::kInvalidRequest;
    case 401:
    case 403:
      return ErrorKind::kPermissionDenied;
    case 404:
      return ErrorKind::kNotFound;
    case 405:
      return ErrorKind::kUnsupportedOperation;
    case 412:
      return ErrorKind::kPreconditionFailed;
    case 413:
      return ErrorKind::kPayloadTooLarge;
    case 415:
      return ErrorKind::kUnsupportedMediaType;
    case 429:
      return ErrorKind::kRateLimited;
    case 502:
      return ErrorKind::kUpstream;
    case 503:
      return ErrorKind::kUnavailable;
    default:
      return ErrorKind::kInternal;
  }
}

Error ResponseError(const ApiResponse& r) {
  return Error(ErrorKindForStatus(r.status), FormatResponseError(r));
}

}  // namespace arca::api
