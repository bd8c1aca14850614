// ApiResponse: one HTTP response of the Vault-compatible API, and the Vault-style error text
// built from an error response.
//
// Thread-safety: plain values.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace arca::api {

struct ApiResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  json::value json;  // the parsed body when it is JSON, else null

  // What was sent, for error messages: "GET" and "http://127.0.0.1:8200/v1/secret?list=true".
  std::string method;
  std::string url;

  // The strings of the `errors` array of the body (empty when there is none).
  std::vector<std::string> errors() const;
  // The body as an object (empty when the body is not a JSON object).
  json::object object() const;
};

// Vault's api.ResponseError text:
//   Error making API request.\n\nURL: GET <url>\nCode: 404. Errors:\n\n* msg
// A body that is not Vault's error JSON is shown as "Code: 500. Raw Message:\n\n<body>".
std::string FormatResponseError(const ApiResponse& r);

// The ErrorKind for an HTTP status (400 invalid request, 403 permission denied, 404 not found,
// 405 unsupported, 412, 413, 415, 429, 502, 503 unavailable, otherwise internal).
ErrorKind ErrorKindForStatus(int status);

// An Error of the status's kind whose single message is FormatResponseError(r).
Error ResponseError(const ApiResponse& r);

}  // namespace arca::api
