// The kubernetes auth method: stored entries and the factory.
#include <cctype>

#include "auth/kubernetes/internal.h"

namespace arca::auth::kubernetes {

json::object Config::ToJson() const {
  return json::object{{"kubernetes_host", kubernetes_host},
                      {"kubernetes_ca_cert", kubernetes_ca_cert},
                      {"token_reviewer_jwt", token_reviewer_jwt},
                      {"pem_keys", ToJsonArray(pem_keys)},
                      {"issuer", issuer},
                      {"disable_iss_validation", disable_iss_validation},
                      {"disable_local_ca_jwt", disable_local_ca_jwt}};
}

Result<Config> Config::FromJson(const json::object& o) {
  const json::value* host = o.if_contains("kubernetes_host");
  if (host == nullptr || !host->is_string()) return Internal("kubernetes: corrupt config entry");
  Config c;
  c.kubernetes_host = std::string(host->as_string());
  c.kubernetes_ca_cert = StringOr(o, "kubernetes_ca_cert");
  c.token_reviewer_jwt = StringOr(o, "token_reviewer_jwt");
  c.pem_keys = StringsOf(o, "pem_keys");
  c.issuer = StringOr(o, "issuer");
  c.disable_iss_validation = BoolOr(o, "disable_iss_validation", true);
  c.disable_local_ca_jwt = BoolOr(o, "disable_local_ca_jwt", false);
  return c;
}

json::object Role::ToJson() const {
  json::object o = token.ToJson();
  o["bound_service_account_names"] = ToJsonArray(bound_service_account_names);
  o["bound_service_account_namespaces"] = ToJsonArray(bound_service_account_namespaces);
  o["audience"] = audience;
  o["alias_name_source"] = alias_name_source;
  return o;
}

Result<Role> Role::FromJson(const json::object& o) {
  Role r;
  ARCA_ASSIGN_OR_RETURN(r.token, TokenFields::FromJson(o));
  r.bound_service_account_names = StringsOf(o, "bound_service_account_names");
  r.bound_service_account_namespaces = StringsOf(o, "bound_service_account_namespaces");
  r.audience = StringOr(o, "audience");
  r.alias_name_source = StringOr(o, "alias_name_source", kAliasSourceUid);
  return r;
}

Result<logical::Storage*> StorageOf(const logical::Request& req) {
  if (req.storage == nullptr) return Internal("kubernetes: no storage");
  return req.storage;
}

Result<std::optional<Config>> LoadConfig(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, kConfigKey));
  if (!v) return std::optional<Config>();
  if (!v->is_object()) return Internal("kubernetes: corrupt config entry");
  ARCA_ASSIGN_OR_RETURN(Config c, Config::FromJson(v->as_object()));
  return std::optional<Config>(std::move(c));
}

Result<std::optional<Role>> LoadRole(logical::Storage& s, const std::string& name) {
  std::string key = kRolePrefix;
  for (char ch : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, key));
  if (!v) return std::optional<Role>();
  if (!v->is_object()) return Internal("kubernetes: corrupt role entry");
  ARCA_ASSIGN_OR_RETURN(Role r, Role::FromJson(v->as_object()));
  return std::optional<Role>(std::move(r));
}

Result<std::string> ApiBaseUrl(const std::string& host) {
  auto invalid = [&] {
    return InvalidRequest("invalid kubernetes_host \"" + host +
                          "\": must be a host, a host:port pair or an http(s) URL");
  };
  if (host.empty()) return InvalidRequest("no host provided");
  for (unsigned char ch : host) {
    if (ch <= ' ' || ch == 0x7f || ch == '\\' || ch == '?' || ch == '#') return invalid();
  }
  std::string url = host;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    url = "https://" + url;
    scheme_end = 5;
  } else {
    std::string scheme = url.substr(0, scheme_end);
    for (auto& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (scheme != "https" && scheme != "http") return invalid();
  }
  const std::string rest = url.substr(scheme_end + 3);
  const std::string authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.find('@') != std::string::npos || authority.front() == ':') {
    return invalid();
  }
  while (url.ends_with('/')) url.pop_back();
  return url;
}

}  // namespace arca::auth::kubernetes

namespace arca::auth {

Result<std::unique_ptr<logical::Backend>> NewKubernetesBackend(const logical::BackendConfig& config,
                                                               KubernetesOptions options) {
  namespace k = kubernetes;
  auto st = std::make_shared<k::State>();
  st->opts = std::move(options);
  st->system = config.system;
  st->logger = config.logger;
  k::fw::FrameworkBackend::Options o;
  o.type = "kubernetes";
  o.kind = logical::BackendKind::kCredential;
  o.special_paths.unauthenticated = {"login"};
  o.help =
      "The Kubernetes auth method validates service account JWTs and verifies their existence "
      "with the Kubernetes TokenReview API.";
  o.paths = {k::ConfigPath(st), k::LoginPath(st), k::RoleListPath(), k::RolePath(st)};
  ARCA_ASSIGN_OR_RETURN(auto b, k::fw::FrameworkBackend::Create(std::move(o)));
  return std::unique_ptr<logical::Backend>(std::move(b));
}

}  // namespace arca::auth
