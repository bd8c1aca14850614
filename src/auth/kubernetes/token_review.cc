// The Kubernetes TokenReview API (authentication.k8s.io/v1): asks the API server whether a
// service account JWT is valid, and for whom.
#include <algorithm>

#include "auth/kubernetes/internal.h"

namespace arca::auth::kubernetes {
namespace {

// The reply's body may echo the reviewed token (the API server returns the spec it was sent):
// it is wiped however this function returns.
struct WipedString {
  std::string s;
  ~WipedString() { SecureWipe(s); }
};

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

// A short token-free description of a refused request: the status and, for a Kubernetes Status
// object, its reason.
std::string DescribeFailure(int status, const std::string& body) {
  std::string what = "HTTP " + std::to_string(status);
  auto parsed = ParseJsonObject(body);
  if (parsed) {
    std::string reason = StringOr(*parsed, "reason");
    if (!reason.empty() && reason.size() < 64) what += " (" + reason + ")";
  }
  return what;
}

}  // namespace

Result<ReviewedAccount> ReviewToken(const HttpFetcher& fetch, const std::string& base_url,
                                    const std::string& ca_pem, const std::string& bearer,
                                    const std::string& jwt,
                                    const std::vector<std::string>& audiences,
                                    std::chrono::milliseconds timeout) {
  if (!fetch) return Internal("kubernetes: no HTTP client");
  json::object spec{{"token", jwt}};
  if (!audiences.empty()) spec["audiences"] = ToJsonArray(audiences);
  HttpFetchRequest req;
  req.method = "POST";
  req.url = base_url + "/apis/authentication.k8s.io/v1/tokenreviews";
  req.ca_pem = ca_pem;
  req.timeout = timeout;
  req.max_body = 1u << 20;
  req.body = json::serialize(json::object{{"apiVersion", "authentication.k8s.io/v1"},
                                          {"kind", "TokenReview"},
                                          {"spec", std::move(spec)}});
  req.headers = {{"Authorization", "Bearer " + bearer},
                 {"Content-Type", "application/json"},
                 {"Accept", "application/json"}};
  auto resp = fetch(req);
  SecureWipe(req.body);
  SecureWipe(req.headers[0].second);
  if (!resp) {
    return PermissionDenied("lookup failed: TokenReview request: " + resp.error().message());
  }
  WipedString body{std::move(resp->body)};
  if (resp->status == 401) {
    return PermissionDenied(
        "lookup failed: service account unauthorized; this could mean it has been deleted or "
        "recreated with a new token");
  }
  if (resp->status < 200 || resp->status > 206) {
    return PermissionDenied("lookup failed: TokenReview answered " +
                            DescribeFailure(resp->status, body.s));
  }
  auto parsed = ParseJsonObject(body.s);
  if (!parsed) return PermissionDenied("lookup failed: TokenReview answer is not a JSON object");
  if (StringOr(*parsed, "kind") == "Status" && StringOr(*parsed, "status") != "Success") {
    return PermissionDenied("lookup failed: TokenReview answered a failure status");
  }
  const json::object status = ObjectOr(*parsed, "status");
  if (std::string e = StringOr(status, "error"); !e.empty()) {
    // Kubernetes' reasons name the check that failed, never the token.
    return PermissionDenied("lookup failed: " + e.substr(0, 512));
  }
  if (!BoolOr(status, "authenticated")) {
    return PermissionDenied("lookup failed: service account jwt not valid");
  }
  if (!audiences.empty()) {
    std::vector<std::string> got = StringsOf(status, "audiences");
    bool overlap = std::any_of(audiences.begin(), audiences.end(), [&](const std::string& a) {
      return std::find(got.begin(), got.end(), a) != got.end();
    });
    if (!overlap) {
      return PermissionDenied(
          "lookup failed: service account jwt valid for other audiences than those wanted");
    }
  }
  const json::object user = ObjectOr(status, "user");
  std::vector<std::string> parts = Split(StringOr(user, "username"), ':');
  if (parts.size() != 4) return PermissionDenied("lookup failed: unexpected username format");
  if (parts[0] != "system" || parts[1] != "serviceaccount") {
    return PermissionDenied("lookup failed: username returned is not a service account");
  }
  return ReviewedAccount{parts[2], parts[3], StringOr(user, "uid")};
}

}  // namespace arca::auth::kubernetes
