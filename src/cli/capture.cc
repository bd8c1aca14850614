#include "cli/capture.h"

#include <map>

namespace arca::cli {

CapturingClient::CapturingClient(const api::ClientConfig& config,
                                 std::unique_ptr<api::Client> inner,
                                 std::optional<CapturedRequest>* out)
    : api::Client(config), inner_(std::move(inner)), captured_(*out) {}

Result<api::ApiResponse> CapturingClient::Request(std::string_view method, std::string_view path,
                                                  const json::object* body,
                                                  const api::QueryParams& query) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string m(method);
  for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  // The KV commands' mount preflight is sent for real, as Vault does, so that the captured
  // request is the one the command would make on this server.
  if (m == "GET" && path.starts_with("sys/internal/ui/mounts/") && !captured_) {
    inner_->SetToken(config().token);
    return inner_->Request(method, path, body, query);
  }
  if (!captured_) {
    CapturedRequest r;
    r.method = m;
    r.path = std::string(path);
    r.url = UrlFor(path);
    api::QueryParams q = query;
    if (m == "LIST") q.emplace_back("list", "true");
    std::string qs;
    for (const auto& [k, v] : q) qs += (qs.empty() ? "" : "&") + k + "=" + v;
    if (!qs.empty()) r.url += "?" + qs;
    if (body != nullptr) r.body = json::serialize(*body);
    captured_ = std::move(r);
  }
  return Unavailable("request not sent: -output-curl-string or -output-policy was given");
}

std::string CurlString(const CapturedRequest& r, const api::ClientConfig& config) {
  std::string out = "curl ";
  if (config.tls_skip_verify) out += "--insecure ";
  std::string method = r.method == "LIST" ? "GET" : r.method;
  if (method != "GET") out += "-X " + method + " ";
  if (!config.ca_cert.empty()) out += "--cacert '" + config.ca_cert + "' ";
  if (!config.client_cert.empty()) out += "--cert '" + config.client_cert + "' ";
  if (!config.client_key.empty()) out += "--key '" + config.client_key + "' ";
  std::map<std::string, std::string> headers{{"X-Vault-Request", "true"}};
  if (!config.token.empty()) headers["X-Vault-Token"] = "$(arca print token)";
  if (!config.wrap_ttl.empty()) headers["X-Vault-Wrap-TTL"] = config.wrap_ttl;
  for (const auto& [k, v] : config.headers) headers[k] = v;
  for (const auto& [k, v] : headers) out += "-H \"" + k + ": " + v + "\" ";
  if (!r.body.empty()) {
    std::string escaped;
    for (char c : r.body) {
      if (c == '\'') {
        escaped += "'\"'\"'";
      } else {
        escaped += c;
      }
    }
    out += "-d '" + escaped + "' ";
  }
  return out + r.url;
}

std::string PolicyString(const CapturedRequest& r) {
  std::string caps;
  if (r.method == "GET" || r.method == "HEAD") {
    caps = R"("read")";
  } else if (r.method == "POST" || r.method == "PUT") {
    caps = R"("create", "update")";
  } else if (r.method == "PATCH") {
    caps = R"("patch")";
  } else if (r.method == "DELETE") {
    caps = R"("delete")";
  } else if (r.method == "LIST") {
    caps = R"("list")";
  }
  return "path \"" + r.path + "\" {\n  capabilities = [" + caps + "]\n}";
}

}  // namespace arca::cli
