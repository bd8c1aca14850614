// login: a service account JWT, checked locally and by the TokenReview API, for a role.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <map>

#include "auth/cidr.h"
#include "auth/kubernetes/internal.h"
#include "common/glob.h"
#include "crypto/jwt.h"

namespace arca::auth::kubernetes {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;

// The algorithms Kubernetes signs service account tokens with (its OIDC verifier's list).
constexpr std::array<std::string_view, 9> kKubernetesAlgorithms = {
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"};

// The service account a JWT's claims name: projected tokens carry "kubernetes.io":
// {namespace, serviceaccount: {name, uid}}, older secret-based ones flat
// "kubernetes.io/serviceaccount/..." claims. The projected form wins when both are present.
struct ServiceAccount {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string secret_name;
  std::vector<std::string> audiences;
};

Result<ServiceAccount> AccountFromClaims(const json::object& claims) {
  auto str = [](const json::object& o, std::string_view key, std::string& out) -> Status {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return OkStatus();
    if (!v->is_string())
      return PermissionDenied("invalid service account claim \"" + std::string(key) + "\"");
    out = std::string(v->as_string());
    return OkStatus();
  };
  ServiceAccount sa;
  ARCA_RETURN_IF_ERROR(str(claims, "kubernetes.io/serviceaccount/namespace", sa.namespace_name));
  ARCA_RETURN_IF_ERROR(str(claims, "kubernetes.io/serviceaccount/service-account.name", sa.name));
  ARCA_RETURN_IF_ERROR(str(claims, "kubernetes.io/serviceaccount/service-account.uid", sa.uid));
  ARCA_RETURN_IF_ERROR(str(claims, "kubernetes.io/serviceaccount/secret.name", sa.secret_name));
  if (const json::value* k = claims.if_contains("kubernetes.io"); k && !k->is_null()) {
    if (!k->is_object()) return PermissionDenied("invalid service account claim \"kubernetes.io\"");
    const json::object& ko = k->as_object();
    ARCA_RETURN_IF_ERROR(str(ko, "namespace", sa.namespace_name));
    if (const json::value* a = ko.if_contains("serviceaccount"); a && !a->is_null()) {
      if (!a->is_object()) {
        return PermissionDenied("invalid service account claim \"kubernetes.io\"");
      }
      ARCA_RETURN_IF_ERROR(str(a->as_object(), "name", sa.name));
      ARCA_RETURN_IF_ERROR(str(a->as_object(), "uid", sa.uid));
    }
  }
  auto aud = crypto::JwtAudiences(claims);
  if (!aud) return PermissionDenied(aud.error().message());
  sa.audiences = std::move(*aud);
  return sa;
}

bool MatchesAny(const std::vector<std::string>& patterns, const std::string& value) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return GlobMatch(p, value); });
}

// A small file of the pod's service account (token or CA), or nullopt when it cannot be read.
std::optional<std::string> ReadLocalFile(const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::string text;
  constexpr size_t kMax = 1u << 20;
  char buf[4096];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) {
    text.append(buf, static_cast<size_t>(f.gcount()));
    if (text.size() > kMax) return std::nullopt;
  }
  return text;
}

std::string TrimSpace(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// The parsed JWT checked as Vault does before the TokenReview: the algorithm, the signature
// when pem_keys are configured, the time claims, the issuer when asked for and the role's
// audience. 403 with a reason; a bad signature is a bare "permission denied".
Result<json::object> CheckJwt(const State& st, const Config& c, const Role& role,
                              const std::string& jwt) {
  auto parsed = crypto::ParseJwt(jwt);
  if (!parsed) return PermissionDenied(parsed.error().message());
  if (std::find(kKubernetesAlgorithms.begin(), kKubernetesAlgorithms.end(), parsed->alg) ==
      kKubernetesAlgorithms.end()) {
    return PermissionDenied("unsupported signing algorithm \"" + parsed->alg + "\"");
  }
  if (!c.pem_keys.empty()) {
    std::vector<crypto::JwtPublicKey> keys;
    for (const std::string& pem : c.pem_keys) {
      ARCA_ASSIGN_OR_RETURN(auto ks, crypto::ParsePemKeys(pem));
      keys.insert(keys.end(), ks.begin(), ks.end());
    }
    const std::vector<std::string> algs(kKubernetesAlgorithms.begin(), kKubernetesAlgorithms.end());
    if (!crypto::VerifyJwtSignature(*parsed, keys, algs)) return PermissionDenied();
  }
  crypto::JwtExpectations e;
  e.algorithms.assign(kKubernetesAlgorithms.begin(), kKubernetesAlgorithms.end());
  if (!c.disable_iss_validation) e.issuer = c.issuer;
  if (!role.audience.empty()) e.audiences = {role.audience};
  e.require_time_claim = false;
  e.clock_skew_leeway = std::chrono::seconds(60);
  e.expiration_leeway = std::chrono::seconds(0);
  e.not_before_leeway = std::chrono::seconds(0);
  e.now = st.Now();
  if (Status v = crypto::ValidateJwtClaims(parsed->claims, e); !v) {
    return PermissionDenied(v.error().message());
  }
  return std::move(parsed->claims);
}

void LogRefusal(const State& st, const std::string& role, const std::string& why) {
  auto* logger = st.logger ? st.logger.get() : spdlog::default_logger_raw();
  logger->info("kubernetes login for role \"{}\" refused: {}", role, why);
}

}  // namespace

fw::Path LoginPath(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "login";
  p.help_synopsis = "Authenticates Kubernetes service accounts.";
  p.fields["role"] = {.type = fw::FieldType::kString,
                      .description = "Name of the role the login is for."};
  p.fields["jwt"] = {.type = fw::FieldType::kString,
                     .description = "The service account's signed JWT."};
  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        const std::string role_name = d.GetString("role");
        if (role_name.empty()) return InvalidRequest("missing role");
        const std::string jwt = d.GetString("jwt");
        if (jwt.empty()) return InvalidRequest("missing jwt");
        ARCA_ASSIGN_OR_RETURN(auto role, LoadRole(*s, role_name));
        if (!role) return InvalidRequest("invalid role name \"" + role_name + "\"");
        if (!AddressAllowed(req.remote_addr, role->token.bound_cidrs)) return PermissionDenied();
        ARCA_ASSIGN_OR_RETURN(auto config, LoadConfig(*s));
        if (!config) return Internal("could not load backend configuration");
        Config c = std::move(*config);
        if (!c.disable_local_ca_jwt) {
          // In a pod, its own token reviews and its CA verifies, unless the config names them.
          if (c.token_reviewer_jwt.empty()) {
            if (auto t = ReadLocalFile(st->opts.local_jwt_path)) {
              c.token_reviewer_jwt = TrimSpace(*t);
              SecureWipe(*t);
            }
          }
          if (c.kubernetes_ca_cert.empty()) {
            if (auto ca = ReadLocalFile(st->opts.local_ca_cert_path)) c.kubernetes_ca_cert = *ca;
          }
        }

        ARCA_ASSIGN_OR_RETURN(json::object claims, CheckJwt(*st, c, *role, jwt));
        ARCA_ASSIGN_OR_RETURN(ServiceAccount sa, AccountFromClaims(claims));
        const auto& names = role->bound_service_account_names;
        if (!(names.size() == 1 && names[0] == "*") && !MatchesAny(names, sa.name)) {
          return PermissionDenied("service account name not authorized");
        }
        const auto& namespaces = role->bound_service_account_namespaces;
        if (namespaces.empty() ||
            !(namespaces[0] == "*" || MatchesAny(namespaces, sa.namespace_name))) {
          return PermissionDenied("namespace not authorized");
        }
        if (sa.uid.empty()) return PermissionDenied("could not parse UID from claims");
        std::string alias_name = sa.uid;
        if (role->alias_name_source == kAliasSourceName) {
          if (sa.namespace_name.empty() || sa.name.empty()) {
            return PermissionDenied("service account namespace and name must be set");
          }
          alias_name = sa.namespace_name + "/" + sa.name;
        }

        // The API server decides: is the token (still) valid, and for whom?
        auto base = ApiBaseUrl(c.kubernetes_host);
        if (!base) return Internal(base.error().message());
        const std::vector<std::string> audiences =
            role->audience.empty() ? sa.audiences : std::vector<std::string>{role->audience};
        const std::string& bearer = c.token_reviewer_jwt.empty() ? jwt : c.token_reviewer_jwt;
        auto reviewed = ReviewToken(st->opts.fetch, *base, c.kubernetes_ca_cert, bearer, jwt,
                                    audiences, st->opts.review_timeout);
        if (!reviewed) {
          if (reviewed.error().kind() != ErrorKind::kPermissionDenied) {
            return std::unexpected(reviewed.error());
          }
          LogRefusal(*st, role_name, reviewed.error().message());
          return PermissionDenied();
        }
        std::string mismatch;
        if (reviewed->name != sa.name) mismatch = "JWT names did not match";
        if (reviewed->uid != sa.uid) mismatch = "JWT UIDs did not match";
        if (reviewed->namespace_name != sa.namespace_name)
          mismatch = "JWT namespaces did not match";
        if (!mismatch.empty()) {
          LogRefusal(*st, role_name, mismatch);
          return PermissionDenied();
        }

        std::map<std::string, std::string> meta = {{"service_account_uid", sa.uid},
                                                   {"service_account_name", sa.name},
                                                   {"service_account_namespace", sa.namespace_name},
                                                   {"service_account_secret_name", sa.secret_name}};
        logical::Auth a;
        role->token.FillAuth(a);
        a.alias = logical::Auth::Alias{alias_name, meta};
        meta["role"] = role_name;
        a.metadata = std::move(meta);
        a.display_name = sa.namespace_name + "-" + sa.name;
        Response r;
        r.auth = std::move(a);
        return r;
      },
      "Log in with a service account JWT."};
  return p;
}

}  // namespace arca::auth::kubernetes
