// -output-curl-string and -output-policy: instead of sending a command's request, print the
// curl command line that would send it, or the policy that would allow it (as Vault's CLI).
// A CapturingClient stands in for the API client: it forwards the KV mount preflight
// (sys/internal/ui/mounts/...) and records the first other request instead of sending it.
// Internal to cli/.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/client.h"

namespace arca::cli {

struct CapturedRequest {
  std::string method;  // as the command asked: GET PUT POST DELETE LIST PATCH HEAD
  std::string path;    // API path without /v1/
  std::string url;     // full URL, query string included
  std::string body;    // serialized JSON, "" without a body
};

class CapturingClient : public api::Client {
 public:
  // The captured request is written to *out, which must outlive the client's use.
  CapturingClient(const api::ClientConfig& config, std::unique_ptr<api::Client> inner,
                  std::optional<CapturedRequest>* out);
  Result<api::ApiResponse> Request(std::string_view method, std::string_view path,
                                   const json::object* body,
                                   const api::QueryParams& query) override;

 private:
  std::unique_ptr<api::Client> inner_;
  std::optional<CapturedRequest>& captured_;
};

// Vault's layout: curl [--insecure] [-X METHOD] [--cacert ...] -H "Name: value"... [-d 'body'] URL;
// the token header reads $(arca print token).
std::string CurlString(const CapturedRequest& r, const api::ClientConfig& config);
// path "<path>" {\n  capabilities = ["..."]\n}
std::string PolicyString(const CapturedRequest& r);

}  // namespace arca::cli
