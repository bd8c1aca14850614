// jwt/oidc auth: the OIDC authorization code flow with PKCE (oidc/auth_url, oidc/callback).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "auth/cidr.h"
#include "auth/jwt_internal.h"
#include "common/encoding.h"
#include "crypto/compare.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace arca::auth::jwt {

using logical::Operation;
using logical::Request;
using logical::Response;

namespace {

constexpr auto kRequestTimeout = std::chrono::minutes(10);
constexpr size_t kMaxPendingRequests = 10000;

fw::FieldSchema F(fw::FieldType t, const char* desc) {
  return fw::FieldSchema{.type = t, .description = desc};
}

// application/x-www-form-urlencoded / query component encoding (RFC 3986 unreserved kept).
std::string Escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Form(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string out;
  for (const auto& [k, v] : kv) {
    if (!out.empty()) out += '&';
    out += Escape(k) + "=" + Escape(v);
  }
  return out;
}

// Splits "scheme://host[:port]/rest" into the host (without port) and the URL without the port.
struct UriParts {
  std::string host;
  std::string without_port;
};
std::optional<UriParts> SplitUri(std::string_view uri) {
  size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  size_t start = scheme + 3;
  size_t end = uri.find_first_of("/?#", start);
  std::string_view authority =
      uri.substr(start, end == std::string_view::npos ? uri.npos : end - start);
  std::string_view host = authority;
  if (host.starts_with('[')) {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = host.substr(1, close - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  UriParts p;
  p.host = std::string(host);
  std::string h = authority.starts_with('[') ? "[" + p.host + "]" : p.host;
  p.without_port =
      std::string(uri.substr(0, start)) + h +
      std::string(end == std::string_view::npos ? std::string_view() : uri.substr(end));
  return p;
}

// Vault's validRedirect: exact match, except that loopback URIs match whatever their port.
bool ValidRedirect(const std::string& uri, const std::vector<std::string>& allowed) {
  auto in = SplitUri(uri);
  if (!in) return false;
  if (in->host != "localhost" && in->host != "127.0.0.1" && in->host != "::1") {
    return std::find(allowed.begin(), allowed.end(), uri) != allowed.end();
  }
  for (const auto& a : allowed) {
    auto ap = SplitUri(a);
    if (ap && ap->without_port == in->without_port) return true;
  }
  return false;
}

std::string RandomToken(size_t bytes) { return Base64UrlEncode(crypto::RandomBytesString(bytes)); }

}  // namespace

fw::Path AuthUrlPath(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "oidc/auth_url";
  p.help_synopsis = "Request an authorization URL to start an OIDC login flow.";
  p.fields["role"] =
      F(fw::FieldType::kLowerCaseString, "The role to issue an OIDC authorization URL against.");
  p.fields["redirect_uri"] =
      F(fw::FieldType::kString, "The OAuth redirect_uri to use in the authorization URL.");
  p.fields["client_nonce"] = F(
      fw::FieldType::kString, "Client-provided nonce that must match during callback, if present.");
  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto config, LoadConfig(*s));
        if (!config) return InvalidRequest("could not load configuration");
        if (!config->IsOidcFlow())
          return InvalidRequest("OIDC login is not configured for this mount");
        std::string role_name = d.GetString("role");
        if (role_name.empty()) role_name = config->default_role;
        if (role_name.empty()) return InvalidRequest("missing role");
        ARCA_ASSIGN_OR_RETURN(auto role, LoadRole(*s, role_name));
        if (!role) return InvalidRequest("role \"" + role_name + "\" could not be found");
        std::string redirect_uri = d.GetString("redirect_uri");
        if (redirect_uri.empty()) return InvalidRequest("missing redirect_uri");
        // As Vault: a redirect_uri the role does not allow gives an empty auth_url (the
        // CLI turns that into "Unable to authorize role ...").
        Response resp = Response::WithData(json::object{{"auth_url", ""}});
        if (!ValidRedirect(redirect_uri, role->allowed_redirect_uris)) return resp;
        auto disc = Discover(*st, *config, false);
        if (!disc)
          return MakeError(ErrorKind::kUpstream,
                           "error getting provider for login operation: " + disc.error().message());
        if (disc->authorization_endpoint.empty()) {
          return MakeError(ErrorKind::kUpstream, "the OIDC provider has no authorization_endpoint");
        }
        OidcRequest o;
        o.role = role_name;
        o.redirect_uri = redirect_uri;
        o.nonce = RandomToken(20);
        o.code_verifier = RandomToken(32);
        o.client_nonce = d.GetString("client_nonce");
        o.expires = st->Now() + kRequestTimeout;
        std::string state = RandomToken(20);
        std::string challenge = Base64UrlEncode(crypto::Sha256(o.code_verifier));
        std::string scopes = "openid";
        for (const auto& sc : role->oidc_scopes) {
          if (sc != "openid") scopes += " " + sc;
        }
        std::vector<std::pair<std::string, std::string>> q = {{"client_id", config->oidc_client_id},
                                                              {"code_challenge", challenge},
                                                              {"code_challenge_method", "S256"},
                                                              {"nonce", o.nonce},
                                                              {"redirect_uri", redirect_uri},
                                                              {"response_type", "code"},
                                                              {"scope", scopes},
                                                              {"state", state}};
        if (role->max_age > 0) q.emplace_back("max_age", std::to_string(role->max_age));
        const std::string& ep = disc->authorization_endpoint;
        std::string url = ep + (ep.find('?') == std::string::npos ? "?" : "&") + Form(q);
        {
          std::lock_guard lock(st->mu);
          auto now = st->Now();
          for (auto it = st->oidc_requests.begin(); it != st->oidc_requests.end();) {
            it = it->second.expires <= now ? st->oidc_requests.erase(it) : std::next(it);
          }
          if (st->oidc_requests.size() >= kMaxPendingRequests) {
            return MakeError(ErrorKind::kRateLimited, "too many pending OIDC requests");
          }
          st->oidc_requests[state] = std::move(o);
        }
        resp.data["auth_url"] = url;
        return resp;
      },
      "Request an authorization URL to start an OIDC login flow."};
  return p;
}

fw::Path CallbackPath(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "oidc/callback";
  p.help_synopsis = "Callback endpoint to complete an OIDC login.";
  p.fields["state"] = F(fw::FieldType::kString, "State parameter of the authorization request.");
  p.fields["code"] = F(fw::FieldType::kString, "The authorization code from the provider.");
  p.fields["id_token"] = F(fw::FieldType::kString, "Not supported (implicit flow).");
  p.fields["client_nonce"] = F(fw::FieldType::kString, "The client_nonce given to oidc/auth_url.");
  p.fields["error"] = F(fw::FieldType::kString, "An error from the provider.");
  p.fields["error_description"] = F(fw::FieldType::kString, "Its description.");
  p.fields["error_uri"] = F(fw::FieldType::kString, "Its URI.");
  p.operations[Operation::kRead] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        const std::string failed = std::string(kLoginFailed) + " ";
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto config, LoadConfig(*s));
        if (!config) return InvalidRequest(failed + "Could not load configuration");
        // The state is good for one attempt: taken out of the table whatever happens next.
        std::optional<OidcRequest> o;
        {
          std::lock_guard lock(st->mu);
          auto it = st->oidc_requests.find(d.GetString("state"));
          if (it != st->oidc_requests.end()) {
            if (it->second.expires > st->Now()) o = std::move(it->second);
            st->oidc_requests.erase(it);
          }
        }
        if (!o) return InvalidRequest(failed + "Expired or missing OAuth state.");
        ARCA_ASSIGN_OR_RETURN(auto role, LoadRole(*s, o->role));
        if (!role) return InvalidRequest(failed + "Role could not be found");
        std::string oidc_error = Lower(d.GetString("error"));
        if (!oidc_error.empty()) {
          static const std::vector<std::string> kKnown = {
              "invalid_request",           "unauthorized_client", "access_denied",
              "unsupported_response_type", "invalid_scope",       "server_error",
              "temporarily_unavailable"};
          if (std::find(kKnown.begin(), kKnown.end(), oidc_error) != kKnown.end()) {
            return InvalidRequest(failed + oidc_error);
          }
          return InvalidRequest(failed +
                                "An unknown error occurred during OIDC authentication. Check "
                                "server logs for details");
        }
        if (!o->client_nonce.empty() &&
            !crypto::ConstantTimeEquals(o->client_nonce, d.GetString("client_nonce"))) {
          return InvalidRequest("invalid client_nonce");
        }
        if (!role->token.bound_cidrs.empty() &&
            !AddressAllowed(req.remote_addr, role->token.bound_cidrs)) {
          return PermissionDenied();
        }
        std::string code = d.GetString("code");
        if (code.empty()) return InvalidRequest(failed + "No code or id_token received.");
        auto disc = Discover(*st, *config, false);
        if (!disc)
          return MakeError(ErrorKind::kUpstream,
                           "error getting provider for login operation: " + disc.error().message());
        if (!st->opts.http) return Internal("jwt: no HTTP client configured");
        HttpFetchRequest tr;
        tr.method = "POST";
        tr.url = disc->token_endpoint;
        tr.ca_pem = config->oidc_discovery_ca_pem;
        tr.headers = {
            {"Content-Type", "application/x-www-form-urlencoded"},
            {"Accept", "application/json"},
            {"Authorization", "Basic " + Base64Encode(Escape(config->oidc_client_id) + ":" +
                                                      Escape(config->oidc_client_secret))}};
        tr.body = Form({{"grant_type", "authorization_code"},
                        {"code", code},
                        {"redirect_uri", o->redirect_uri},
                        {"code_verifier", o->code_verifier}});
        tr.timeout = std::chrono::seconds(10);
        auto tresp = st->opts.http(tr);
        if (!tresp) {
          return InvalidRequest(failed + "Error exchanging oidc code: \"" +
                                tresp.error().message() + "\".");
        }
        if (tresp->status != 200) {
          return InvalidRequest(failed +
                                "Error exchanging oidc code: \"token endpoint answered HTTP " +
                                std::to_string(tresp->status) + "\".");
        }
        auto body = ParseJsonObject(tresp->body);
        if (!body) {
          return InvalidRequest(failed +
                                "Error exchanging oidc code: \"the token response is not JSON\".");
        }
        std::string id_token = StringOr(*body, "id_token");
        if (id_token.empty())
          return InvalidRequest("Token verification failed. No id_token found in response.");
        crypto::JwtExpectations e;
        e.algorithms = config->jwt_supported_algs;
        if (e.algorithms.empty()) e.algorithms = {"RS256"};  // OIDC's default, as Vault
        e.issuer = disc->issuer;
        e.audiences = role->bound_audiences.empty()
                          ? std::vector<std::string>{config->oidc_client_id}
                          : role->bound_audiences;
        e.require_exp = true;
        e.clock_skew_leeway = std::chrono::seconds(role->clock_skew_leeway);
        e.expiration_leeway = std::chrono::seconds(0);
        e.not_before_leeway = std::chrono::seconds(0);
        auto claims = VerifyWithConfig(*st, *config, id_token, e);
        if (!claims) {
          return InvalidRequest(failed + "Error exchanging oidc code: \"" +
                                claims.error().message() + "\".");
        }
        if (role->verbose_oidc_logging && st->logger) {
          // The claims only, never the token or its signature (Vault logs the same at debug).
          st->logger->debug("OIDC provider response: id_token claims: {}",
                            json::serialize(*claims));
        }
        const json::value* nonce = claims->if_contains("nonce");
        if (nonce == nullptr || !nonce->is_string() ||
            !crypto::ConstantTimeEquals(std::string_view(nonce->as_string()), o->nonce)) {
          return InvalidRequest(failed + "invalid ID token nonce.");
        }
        claims->erase("nonce");
        if (role->max_age > 0) {
          // OIDC Core 3.1.2.1: with max_age, auth_time is required and must be recent enough.
          const json::value* at = claims->if_contains("auth_time");
          const double now = std::chrono::duration<double>(st->Now().time_since_epoch()).count();
          const double skew = static_cast<double>(std::max<int64_t>(role->clock_skew_leeway, 0));
          if (at == nullptr || !at->is_number() ||
              now - at->to_number<double>() > static_cast<double>(role->max_age) + skew) {
            return InvalidRequest(failed + "auth_time claim is missing or older than max_age.");
          }
        }
        if (!role->bound_subject.empty()) {
          const json::value* sub = claims->if_contains("sub");
          if (sub == nullptr || !sub->is_string() || sub->as_string() != role->bound_subject) {
            return InvalidRequest(failed + "sub claim does not match bound subject");
          }
        }
        ARCA_ASSIGN_OR_RETURN(logical::Auth a, AuthFromClaims(*claims, o->role, *role, failed));
        Response r;
        r.auth = std::move(a);
        return r;
      },
      "Callback endpoint to complete an OIDC login."};
  return p;
}

}  // namespace arca::auth::jwt
