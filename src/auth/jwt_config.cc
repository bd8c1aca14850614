// jwt/oidc auth: the config path, key resolution (PEM keys, JWKS URL, OIDC discovery) and the
// backend factory.
#include <algorithm>
#include <cctype>

#include "auth/jwt_internal.h"
#include "logical/framework/framework_backend.h"

namespace arca::auth::jwt {

using logical::Operation;
using logical::Request;
using logical::Response;

namespace {

constexpr char kConfigKey[] = "config";
constexpr auto kCacheLifetime = std::chrono::minutes(5);
constexpr auto kMinRefetch = std::chrono::seconds(5);

std::vector<std::string> Strings(const json::object& o, std::string_view key) {
  return StringsOf(o, key);
}

fw::FieldSchema F(fw::FieldType t, const char* desc) {
  return fw::FieldSchema{.type = t, .description = desc};
}

}  // namespace

json::object Config::ToJson() const {
  return json::object{{"oidc_discovery_url", oidc_discovery_url},
                      {"oidc_discovery_ca_pem", oidc_discovery_ca_pem},
                      {"oidc_client_id", oidc_client_id},
                      {"oidc_client_secret", oidc_client_secret},
                      {"oidc_response_mode", oidc_response_mode},
                      {"oidc_response_types", ToJsonArray(oidc_response_types)},
                      {"jwks_url", jwks_url},
                      {"jwks_ca_pem", jwks_ca_pem},
                      {"jwt_validation_pubkeys", ToJsonArray(jwt_validation_pubkeys)},
                      {"jwt_supported_algs", ToJsonArray(jwt_supported_algs)},
                      {"bound_issuer", bound_issuer},
                      {"default_role", default_role},
                      {"namespace_in_state", namespace_in_state}};
}

Config Config::FromJson(const json::object& o) {
  Config c;
  c.oidc_discovery_url = StringOr(o, "oidc_discovery_url");
  c.oidc_discovery_ca_pem = StringOr(o, "oidc_discovery_ca_pem");
  c.oidc_client_id = StringOr(o, "oidc_client_id");
  c.oidc_client_secret = StringOr(o, "oidc_client_secret");
  c.oidc_response_mode = StringOr(o, "oidc_response_mode");
  c.oidc_response_types = Strings(o, "oidc_response_types");
  c.jwks_url = StringOr(o, "jwks_url");
  c.jwks_ca_pem = StringOr(o, "jwks_ca_pem");
  c.jwt_validation_pubkeys = Strings(o, "jwt_validation_pubkeys");
  c.jwt_supported_algs = Strings(o, "jwt_supported_algs");
  c.bound_issuer = StringOr(o, "bound_issuer");
  c.default_role = StringOr(o, "default_role");
  c.namespace_in_state = BoolOr(o, "namespace_in_state", true);
  return c;
}

Result<logical::Storage*> StorageOf(const Request& req) {
  if (req.storage == nullptr) return Internal("jwt: no storage");
  return req.storage;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<std::optional<Config>> LoadConfig(logical::Storage& s) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, kConfigKey));
  if (!v) return std::optional<Config>();
  if (!v->is_object()) return Internal("jwt: corrupt config entry");
  return std::optional<Config>(Config::FromJson(v->as_object()));
}

Result<std::string> State::Fetch(const std::string& url, const std::string& ca_pem, bool refresh) {
  auto now = Now();
  {
    std::lock_guard lock(mu);
    auto it = fetched.find(url);
    if (it != fetched.end()) {
      auto age = now - it->second.fetched;
      if (age < kCacheLifetime && (!refresh || age < kMinRefetch)) return it->second.body;
    }
  }
  if (!opts.http) return Internal("jwt: no HTTP client configured");
  HttpFetchRequest r;
  r.url = url;
  r.ca_pem = ca_pem;
  r.headers = {{"Accept", "application/json"}};
  r.timeout = std::chrono::seconds(10);
  auto resp = opts.http(r);
  if (!resp) return InvalidRequest("fetching \"" + url + "\": " + resp.error().message());
  if (resp->status != 200) {
    return InvalidRequest("fetching \"" + url + "\": HTTP status " + std::to_string(resp->status));
  }
  std::lock_guard lock(mu);
  fetched[url] = Cached{resp->body, now};
  return std::move(resp->body);
}

void State::DropCache() {
  std::lock_guard lock(mu);
  fetched.clear();
}

Result<Discovery> Discover(State& st, const Config& c, bool refresh) {
  std::string base = c.oidc_discovery_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  ARCA_ASSIGN_OR_RETURN(std::string body, st.Fetch(base + "/.well-known/openid-configuration",
                                                   c.oidc_discovery_ca_pem, refresh));
  auto doc = ParseJsonObject(body);
  if (!doc) return InvalidRequest("the OIDC discovery document is not a JSON object");
  Discovery d;
  d.issuer = StringOr(*doc, "issuer");
  d.authorization_endpoint = StringOr(*doc, "authorization_endpoint");
  d.token_endpoint = StringOr(*doc, "token_endpoint");
  d.jwks_uri = StringOr(*doc, "jwks_uri");
  // OIDC Discovery 1.0 §4.3: the issuer must be the URL the document was found under.
  std::string issuer = d.issuer;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  if (issuer != base) {
    return InvalidRequest("issuer did not match the issuer returned by provider, expected \"" +
                          c.oidc_discovery_url + "\" got \"" + d.issuer + "\"");
  }
  if (d.jwks_uri.empty()) return InvalidRequest("the OIDC discovery document has no jwks_uri");
  return d;
}

Result<std::vector<crypto::JwtPublicKey>> ResolveKeys(State& st, const Config& c, bool refresh) {
  if (!c.jwt_validation_pubkeys.empty()) {
    std::vector<crypto::JwtPublicKey> keys;
    for (const auto& pem : c.jwt_validation_pubkeys) {
      ARCA_ASSIGN_OR_RETURN(auto k, crypto::JwtPublicKey::FromPem(pem));
      keys.push_back(std::move(k));
    }
    return keys;
  }
  std::string url = c.jwks_url, ca = c.jwks_ca_pem;
  if (url.empty()) {
    if (c.oidc_discovery_url.empty()) return InvalidRequest("no keys configured");
    ARCA_ASSIGN_OR_RETURN(Discovery d, Discover(st, c, refresh));
    url = d.jwks_uri;
    ca = c.oidc_discovery_ca_pem;
  }
  ARCA_ASSIGN_OR_RETURN(std::string body, st.Fetch(url, ca, refresh));
  return crypto::ParseJwks(body);
}

Result<json::object> VerifyWithConfig(State& st, const Config& c, std::string_view token,
                                      crypto::JwtExpectations e) {
  if (e.algorithms.empty()) e.algorithms = c.jwt_supported_algs;
  if (e.now == std::chrono::system_clock::time_point{}) e.now = st.Now();
  ARCA_ASSIGN_OR_RETURN(crypto::ParsedJwt parsed, crypto::ParseJwt(token));
  ARCA_ASSIGN_OR_RETURN(auto keys, ResolveKeys(st, c, false));
  auto sig = crypto::VerifyJwtSignature(parsed, keys, e.algorithms);
  if (!sig && c.jwt_validation_pubkeys.empty() &&
      sig.error().message() == "failed to verify signature") {
    // The provider may have rotated its keys: fetch them again (rate-limited) and retry.
    ARCA_ASSIGN_OR_RETURN(keys, ResolveKeys(st, c, true));
    sig = crypto::VerifyJwtSignature(parsed, keys, e.algorithms);
  }
  if (!sig) return std::unexpected(sig.error());
  ARCA_RETURN_IF_ERROR(crypto::ValidateJwtClaims(parsed.claims, e));
  return std::move(parsed.claims);
}

fw::Path ConfigPath(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "config";
  p.help_synopsis = "Configure the JWT authentication backend.";
  p.fields["oidc_discovery_url"] =
      F(fw::FieldType::kString, "OIDC discovery URL, without the .well-known component.");
  p.fields["oidc_discovery_ca_pem"] =
      F(fw::FieldType::kString, "PEM CA certificates for the discovery URL.");
  p.fields["oidc_client_id"] = F(fw::FieldType::kString, "The OAuth client ID.");
  p.fields["oidc_client_secret"] =
      F(fw::FieldType::kString, "The OAuth client secret (never returned).");
  p.fields["oidc_response_mode"] =
      F(fw::FieldType::kString, "\"query\" (default) or \"form_post\".");
  p.fields["oidc_response_types"] = F(fw::FieldType::kCommaStringSlice, "\"code\" (default).");
  p.fields["jwks_url"] = F(fw::FieldType::kString, "JWKS URL to fetch keys from.");
  p.fields["jwks_ca_pem"] = F(fw::FieldType::kString, "PEM CA certificates for the JWKS URL.");
  p.fields["jwt_validation_pubkeys"] =
      F(fw::FieldType::kCommaStringSlice, "PEM public keys that verify JWTs.");
  p.fields["jwt_supported_algs"] =
      F(fw::FieldType::kCommaStringSlice, "Accepted signing algorithms.");
  p.fields["bound_issuer"] = F(fw::FieldType::kString, "The value the iss claim must have.");
  p.fields["default_role"] =
      F(fw::FieldType::kLowerCaseString, "The role used when none is given.");
  p.fields["provider_config"] =
      F(fw::FieldType::kMap, "Provider-specific configuration (not supported).");
  p.fields["namespace_in_state"] = F(fw::FieldType::kBool, "Pass the namespace in the OIDC state.");
  p.operations[Operation::kRead] = {
      [st](Request& req, fw::FieldData&) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto c, LoadConfig(*s));
        if (!c) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
        Response r;
        r.data = c->ToJson();
        r.data.erase("oidc_client_secret");
        r.data["provider_config"] = json::object{};
        auto keys = ResolveKeys(*st, *c, false);
        if (!keys) {
          r.warnings.push_back("failed to construct JWK validator: " + keys.error().message());
          r.data["status"] = "invalid";
        } else {
          r.data["status"] = "valid";
        }
        return r;
      },
      "Read the configuration."};
  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto existing, LoadConfig(*s));
        Config c;
        c.oidc_discovery_url = d.GetString("oidc_discovery_url");
        c.oidc_discovery_ca_pem = d.GetString("oidc_discovery_ca_pem");
        c.oidc_client_id = d.GetString("oidc_client_id");
        c.oidc_client_secret = d.GetString("oidc_client_secret");
        c.oidc_response_mode = d.GetString("oidc_response_mode");
        c.oidc_response_types = d.GetStringSlice("oidc_response_types");
        c.jwks_url = d.GetString("jwks_url");
        c.jwks_ca_pem = d.GetString("jwks_ca_pem");
        c.jwt_validation_pubkeys = d.GetStringSlice("jwt_validation_pubkeys");
        c.jwt_supported_algs = d.GetStringSlice("jwt_supported_algs");
        c.bound_issuer = d.GetString("bound_issuer");
        c.default_role = d.GetString("default_role");
        if (d.Has("namespace_in_state")) {
          c.namespace_in_state = d.GetBool("namespace_in_state");
        } else if (existing) {
          c.namespace_in_state = existing->namespace_in_state;
        }
        if (d.Has("provider_config") && !d.GetMap("provider_config").empty()) {
          return InvalidRequest(
              "invalid provider_config: provider-specific configuration is not supported");
        }
        int methods = (!c.oidc_discovery_url.empty()) + (!c.jwt_validation_pubkeys.empty()) +
                      (!c.jwks_url.empty());
        if (methods != 1) {
          return InvalidRequest(
              "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be "
              "set");
        }
        if (c.oidc_client_id.empty() != c.oidc_client_secret.empty()) {
          return InvalidRequest(
              "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
        }
        if (!c.oidc_client_id.empty() && c.oidc_discovery_url.empty()) {
          return InvalidRequest("'oidc_discovery_url' must be set for OIDC");
        }
        for (const auto& alg : c.jwt_supported_algs) {
          if (!crypto::IsJwtAlgorithm(alg)) {
            return InvalidRequest("invalid jwt_supported_algs: unsupported signing algorithm \"" +
                                  alg + "\"");
          }
        }
        for (const auto& t : c.oidc_response_types) {
          if (t == "id_token") {
            return InvalidRequest(
                "invalid response_types: the id_token (implicit) flow is not supported, use "
                "'code'");
          }
          if (t != "code") {
            return InvalidRequest("invalid response_types [" + t +
                                  "]. 'code' and 'id_token' are allowed");
          }
        }
        if (!c.oidc_response_mode.empty() && c.oidc_response_mode != "query") {
          if (c.oidc_response_mode == "form_post") {
            return InvalidRequest(
                "invalid response_mode: \"form_post\" is not supported, use \"query\"");
          }
          return InvalidRequest("invalid response_mode: \"" + c.oidc_response_mode + "\"");
        }
        // Check the key source now, as Vault does, with fresh fetches.
        State probe;
        probe.opts = st->opts;
        if (!c.oidc_discovery_url.empty()) {
          if (c.oidc_discovery_url.find(".well-known/openid-configuration") != std::string::npos) {
            return InvalidRequest("'oidc_discovery_url' contains '.well-known' component");
          }
          auto keys = ResolveKeys(probe, c, false);
          if (!keys) {
            return InvalidRequest("error checking oidc discovery URL: " + keys.error().message());
          }
        } else if (!c.jwks_url.empty()) {
          if (!c.jwks_ca_pem.empty() && !crypto::ParsePemKeys(c.jwks_ca_pem)) {
            return InvalidRequest("error checking jwks_ca_pem");
          }
          auto keys = ResolveKeys(probe, c, false);
          if (!keys) return InvalidRequest("error checking jwks URL: " + keys.error().message());
        } else {
          for (const auto& pem : c.jwt_validation_pubkeys) {
            auto k = crypto::JwtPublicKey::FromPem(pem);
            if (!k) return InvalidRequest("error parsing public key: " + k.error().message());
          }
        }
        ARCA_RETURN_IF_ERROR(logical::PutJson(*s, kConfigKey, c.ToJson()));
        st->DropCache();
        return Response{};
      },
      "Configure the backend."};
  return p;
}

}  // namespace arca::auth::jwt

namespace arca::auth {

namespace fw = logical::framework;

Result<std::unique_ptr<logical::Backend>> NewJwtBackend(const logical::BackendConfig& config,
                                                        JwtOptions options) {
  auto st = std::make_shared<jwt::State>();
  st->opts = std::move(options);
  st->system = config.system;
  st->logger = config.logger;
  fw::FrameworkBackend::Options o;
  o.type = st->opts.type;
  o.kind = logical::BackendKind::kCredential;
  o.special_paths.unauthenticated = {"login", "oidc/auth_url", "oidc/callback", "oidc/poll"};
  o.help =
      "The JWT/OIDC auth method authenticates JSON Web Tokens signed by a trusted key and users "
      "of an OpenID Connect provider (authorization code flow).";
  o.paths = {jwt::ConfigPath(st), jwt::RoleListPath(),  jwt::RolePath(st),
             jwt::LoginPath(st),  jwt::AuthUrlPath(st), jwt::CallbackPath(st)};
  ARCA_ASSIGN_OR_RETURN(auto b, fw::FrameworkBackend::Create(std::move(o)));
  return std::unique_ptr<logical::Backend>(std::move(b));
}

}  // namespace arca::auth
