// The kubernetes auth method (type "kubernetes"), following Vault's API (API-NOTES §f and
// Vault's kubernetes auth API page):
//
//   POST/GET      config      {kubernetes_host (req.), kubernetes_ca_cert, token_reviewer_jwt,
//                              pem_keys, issuer, disable_iss_validation (true),
//                              disable_local_ca_jwt (false)}
//                 A write replaces the whole configuration (as Vault). A read never returns
//                 token_reviewer_jwt, only token_reviewer_jwt_set.
//   LIST          role
//   POST/GET/DEL  role/:name  {bound_service_account_names (req.), bound_service_account_namespaces
//                              (req.), audience, alias_name_source (serviceaccount_uid |
//                              serviceaccount_name), token_*}
//   POST          login       {role, jwt}  (unauthenticated) -> auth block
//
// Login, as Vault does it: the service account JWT is parsed (its signature verified with
// pem_keys when they are configured; exp/nbf/iat, the issuer when asked for and the role's
// audience checked), its namespace and name matched against the role's bound lists (globs), and
// then the JWT is sent to the Kubernetes TokenReview API
// (POST <kubernetes_host>/apis/authentication.k8s.io/v1/tokenreviews) with the reviewer JWT as
// bearer token (the local pod's token, or else the client's own JWT, when none is configured),
// over TLS verified against kubernetes_ca_cert (the pod's CA file, or else the system roots).
// The review must say authenticated, for a service account user
// (system:serviceaccount:<namespace>:<name>) whose namespace, name and uid are those of the JWT,
// and for the role's audience when it has one. Refusals are 403 ("permission denied", or
// "service account name not authorized" / "namespace not authorized"); why a review failed is
// logged (without any token), not returned.
//
// Auth: metadata {role, service_account_name, service_account_namespace, service_account_uid,
// service_account_secret_name}; display name "<namespace>-<name>"; the identity alias is the
// service account's uid, or "<namespace>/<name>" with alias_name_source=serviceaccount_name.
//
// Storage: config (holds the reviewer JWT: it is behind the barrier like all mount storage);
// role/<name> (names lowercased).
// Thread-safety: the backend is safe for concurrent requests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/http_fetch.h"
#include "common/status.h"
#include "logical/backend.h"

namespace arca::auth {

struct KubernetesOptions {
  // The HTTP client for TokenReview requests (the server passes api::HttpFetch). Without one,
  // logins fail with an internal error.
  HttpFetcher fetch;
  // Where a pod finds its service account's CA certificate and token (Vault's defaults). Used
  // unless disable_local_ca_jwt is set, when the config has none and the file exists.
  std::string local_ca_cert_path = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string local_jwt_path = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::chrono::milliseconds review_timeout{std::chrono::seconds(30)};
  std::function<std::chrono::system_clock::time_point()> clock;  // default: system clock
};

Result<std::unique_ptr<logical::Backend>> NewKubernetesBackend(const logical::BackendConfig& config,
                                                               KubernetesOptions options);

}  // namespace arca::auth
