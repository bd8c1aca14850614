// jwt/oidc auth: login with a JWT, and the claims -> Auth mapping shared with the OIDC callback
// (user claim, claim_mappings, groups claim, bound claims).
#include <cmath>

#include "auth/cidr.h"
#include "auth/jwt_internal.h"
#include "common/glob.h"

namespace arca::auth::jwt {

using logical::Operation;
using logical::Request;
using logical::Response;

namespace {

fw::FieldSchema F(fw::FieldType t, const char* desc) {
  return fw::FieldSchema{.type = t, .description = desc};
}

// RFC 6901 reference token unescaping (~1 -> '/', ~0 -> '~').
std::string Unescape(std::string_view t) {
  std::string out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '~' && i + 1 < t.size() && (t[i + 1] == '0' || t[i + 1] == '1')) {
      out += t[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += t[i];
    }
  }
  return out;
}

// A scalar claim value as Vault compares it: strings as they are, bools, numbers as integers
// (Vault turns JSON numbers into integer json.Numbers). Tagged by type so "1" != 1.
std::optional<std::string> Scalar(const json::value& v) {
  if (v.is_string()) return "s:" + std::string(v.as_string());
  if (v.is_bool()) return std::string(v.as_bool() ? "b:true" : "b:false");
  if (v.is_int64()) return "n:" + std::to_string(v.as_int64());
  if (v.is_uint64()) return "n:" + std::to_string(v.as_uint64());
  if (v.is_double() && std::isfinite(v.as_double())) {
    return "n:" + std::to_string(static_cast<int64_t>(v.as_double()));
  }
  return std::nullopt;
}

// A claim normalized to a list (Vault's normalizeList): a list, or one string/bool/number.
std::optional<json::array> AsList(const json::value& v) {
  if (v.is_array()) return v.as_array();
  if (Scalar(v)) return json::array{v};
  return std::nullopt;
}

Status ValidateBoundClaims(const Role& role, const json::object& claims) {
  const bool globs = role.bound_claims_type == "glob";
  for (const auto& [name, expected] : role.bound_claims) {
    const json::value* actual = GetClaim(claims, name);
    if (actual == nullptr || actual->is_null()) {
      return InvalidRequest("claim \"" + std::string(name) + "\" is missing");
    }
    auto acts = AsList(*actual);
    if (!acts) return InvalidRequest("received claim is not a string, bool, int or list");
    auto exps = AsList(expected);
    if (!exps) return InvalidRequest("bound claim is not a string, bool, int or list");
    bool found = false;
    for (const auto& e : *exps) {
      for (const auto& a : *acts) {
        if (globs) {
          if (e.is_string() && a.is_string() &&
              GlobMatch(std::string_view(e.as_string()), std::string_view(a.as_string()))) {
            found = true;
          }
        } else {
          auto es = Scalar(e), as = Scalar(a);
          if (es && as && *es == *as) found = true;
        }
      }
    }
    if (!found) {
      return InvalidRequest("claim \"" + std::string(name) +
                            "\" does not match any associated bound claim values");
    }
  }
  return OkStatus();
}

}  // namespace

const json::value* GetClaim(const json::object& claims, std::string_view name) {
  if (!name.starts_with('/')) return claims.if_contains(name);
  const json::value* cur = nullptr;
  const json::object* obj = &claims;
  const json::array* arr = nullptr;
  size_t pos = 1;
  while (true) {
    size_t slash = name.find('/', pos);
    std::string token =
        Unescape(name.substr(pos, slash == std::string_view::npos ? name.npos : slash - pos));
    if (obj != nullptr) {
      cur = obj->if_contains(token);
    } else if (arr != nullptr) {
      if (token.empty() || token.size() > 9 ||
          token.find_first_not_of("0123456789") != std::string::npos) {
        return nullptr;
      }
      size_t i = std::stoul(token);
      cur = i < arr->size() ? &(*arr)[i] : nullptr;
    }
    if (cur == nullptr) return nullptr;
    if (slash == std::string_view::npos) return cur;
    obj = cur->is_object() ? &cur->as_object() : nullptr;
    arr = cur->is_array() ? &cur->as_array() : nullptr;
    if (obj == nullptr && arr == nullptr) return nullptr;
    pos = slash + 1;
  }
}

Result<logical::Auth> AuthFromClaims(const json::object& claims, const std::string& role_name,
                                     const Role& role, std::string_view prefix) {
  auto fail = [&](std::string m) { return InvalidRequest(std::string(prefix) + m); };
  const json::value* user = role.user_claim_json_pointer ? GetClaim(claims, role.user_claim)
                                                         : claims.if_contains(role.user_claim);
  if (user == nullptr || user->is_null()) {
    return fail("claim \"" + role.user_claim + "\" not found in token");
  }
  if (!user->is_string()) {
    return fail("claim \"" + role.user_claim + "\" could not be converted to string");
  }
  logical::Auth::Alias alias;
  alias.name = std::string(user->as_string());
  for (const auto& [claim, key] : role.claim_mappings) {
    const json::value* v = GetClaim(claims, claim);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_string()) return fail("error converting claim '" + claim + "' to string");
    alias.metadata[key] = std::string(v->as_string());
  }
  alias.metadata["role"] = role_name;
  std::vector<std::string> groups;
  if (!role.groups_claim.empty()) {
    const json::value* g = GetClaim(claims, role.groups_claim);
    if (g == nullptr || g->is_null()) {
      return fail("failed to fetch groups: \"" + role.groups_claim + "\" claim not found in token");
    }
    auto list = AsList(*g);
    if (!list)
      return fail("\"" + role.groups_claim + "\" claim could not be converted to string list");
    for (const auto& item : *list) {
      if (!item.is_string()) {
        return fail("value " + json::serialize(item) +
                    " in groups claim could not be parsed as string");
      }
      if (!item.as_string().empty()) groups.emplace_back(item.as_string());
    }
  }
  auto bound = ValidateBoundClaims(role, claims);
  if (!bound) return fail("error validating claims: " + bound.error().message());
  logical::Auth a;
  role.token.FillAuth(a);
  a.display_name = alias.name;
  a.metadata = alias.metadata;
  a.alias = std::move(alias);
  a.group_aliases = std::move(groups);
  return a;
}

fw::Path LoginPath(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "login";
  p.help_synopsis = "Authenticates to Vault using a JWT (or OIDC) token.";
  p.fields["role"] = F(fw::FieldType::kLowerCaseString, "The role to log in against.");
  p.fields["jwt"] = F(fw::FieldType::kString, "The signed JWT to validate.");
  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto config, LoadConfig(*s));
        if (!config) return InvalidRequest("could not load configuration");
        std::string role_name = d.GetString("role");
        if (role_name.empty()) role_name = config->default_role;
        if (role_name.empty()) return InvalidRequest("missing role");
        ARCA_ASSIGN_OR_RETURN(auto role, LoadRole(*s, role_name));
        if (!role) return InvalidRequest("role \"" + role_name + "\" could not be found");
        if (role->role_type == "oidc") {
          return InvalidRequest("role with oidc role_type is not allowed");
        }
        std::string token = d.GetString("jwt");
        if (token.empty()) return InvalidRequest("missing token");
        if (!role->token.bound_cidrs.empty() &&
            !AddressAllowed(req.remote_addr, role->token.bound_cidrs)) {
          return PermissionDenied();
        }
        crypto::JwtExpectations e;
        e.issuer = config->bound_issuer;
        e.subject = role->bound_subject;
        e.audiences = role->bound_audiences;
        // Vault's leeways: 0 = the default, negative = none.
        auto leeway = [](int64_t v, int64_t def) { return std::chrono::seconds(v == 0 ? def : v); };
        e.clock_skew_leeway = leeway(role->clock_skew_leeway, 60);
        e.expiration_leeway = leeway(role->expiration_leeway, 150);
        e.not_before_leeway = leeway(role->not_before_leeway, 150);
        auto claims = VerifyWithConfig(*st, *config, token, e);
        if (!claims) return InvalidRequest("error validating token: " + claims.error().message());
        ARCA_ASSIGN_OR_RETURN(auto aud, crypto::JwtAudiences(*claims));
        if (!aud.empty() && role->bound_audiences.empty()) {
          return InvalidRequest("audience claim found in JWT but no audiences bound to the role");
        }
        ARCA_ASSIGN_OR_RETURN(logical::Auth a, AuthFromClaims(*claims, role_name, *role, ""));
        Response r;
        r.auth = std::move(a);
        return r;
      },
      "Authenticates to Vault using a JWT (or OIDC) token."};
  return p;
}

}  // namespace arca::auth::jwt
