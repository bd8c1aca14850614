// jwt/oidc auth: role/:name and the role list.
#include <algorithm>
#include <set>

#include "auth/jwt_internal.h"
#include "common/duration.h"

namespace arca::auth::jwt {

using logical::Operation;
using logical::Request;
using logical::Response;

namespace {

constexpr char kRolePrefix[] = "role/";

fw::FieldSchema F(fw::FieldType t, const char* desc) {
  return fw::FieldSchema{.type = t, .description = desc};
}

json::object MapToJson(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

// A bound claim value: a string, bool, number or a list of them.
bool ScalarOk(const json::value& v) {
  return v.is_string() || v.is_bool() || v.is_int64() || v.is_uint64() || v.is_double();
}

// A leeway: signed seconds (a number or numeric string; -1 = no leeway) or a duration string.
Result<int64_t> SignedSeconds(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  if (v.is_double()) return static_cast<int64_t>(v.as_double());
  if (!v.is_string()) return InvalidRequest("not a number of seconds or a duration");
  std::string s(v.as_string());
  if (s.starts_with('-')) {
    ARCA_ASSIGN_OR_RETURN(auto secs, SignedSeconds(json::value(s.substr(1))));
    return -secs;
  }
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 16) {
    return std::stoll(s);
  }
  ARCA_ASSIGN_OR_RETURN(auto d, ParseDuration(s));
  return static_cast<int64_t>(d.count());
}

}  // namespace

json::object Role::ToJson() const {
  json::object o = token.ToJson();
  o["role_type"] = role_type;
  o["bound_audiences"] = ToJsonArray(bound_audiences);
  o["user_claim"] = user_claim;
  o["user_claim_json_pointer"] = user_claim_json_pointer;
  o["bound_subject"] = bound_subject;
  o["bound_claims"] = bound_claims;
  o["bound_claims_type"] = bound_claims_type;
  o["claim_mappings"] = MapToJson(claim_mappings);
  o["groups_claim"] = groups_claim;
  o["allowed_redirect_uris"] = ToJsonArray(allowed_redirect_uris);
  o["oidc_scopes"] = ToJsonArray(oidc_scopes);
  o["verbose_oidc_logging"] = verbose_oidc_logging;
  o["clock_skew_leeway"] = clock_skew_leeway;
  o["expiration_leeway"] = expiration_leeway;
  o["not_before_leeway"] = not_before_leeway;
  o["max_age"] = max_age;
  return o;
}

Result<Role> Role::FromJson(const json::object& o) {
  Role r;
  ARCA_ASSIGN_OR_RETURN(r.token, TokenFields::FromJson(o));
  r.role_type = StringOr(o, "role_type", "oidc");
  r.bound_audiences = StringsOf(o, "bound_audiences");
  r.user_claim = StringOr(o, "user_claim");
  r.user_claim_json_pointer = BoolOr(o, "user_claim_json_pointer");
  r.bound_subject = StringOr(o, "bound_subject");
  r.bound_claims = ObjectOr(o, "bound_claims");
  r.bound_claims_type = StringOr(o, "bound_claims_type", "string");
  for (const auto& [k, v] : ObjectOr(o, "claim_mappings")) {
    if (v.is_string()) r.claim_mappings[std::string(k)] = std::string(v.as_string());
  }
  r.groups_claim = StringOr(o, "groups_claim");
  r.allowed_redirect_uris = StringsOf(o, "allowed_redirect_uris");
  r.oidc_scopes = StringsOf(o, "oidc_scopes");
  r.verbose_oidc_logging = BoolOr(o, "verbose_oidc_logging");
  r.clock_skew_leeway = IntOr(o, "clock_skew_leeway", 60);
  r.expiration_leeway = IntOr(o, "expiration_leeway", 150);
  r.not_before_leeway = IntOr(o, "not_before_leeway", 150);
  r.max_age = IntOr(o, "max_age", 0);
  return r;
}

Result<std::optional<Role>> LoadRole(logical::Storage& s, const std::string& name) {
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(s, kRolePrefix + name));
  if (!v) return std::optional<Role>();
  if (!v->is_object()) return Internal("jwt: corrupt role entry");
  ARCA_ASSIGN_OR_RETURN(Role r, Role::FromJson(v->as_object()));
  return std::optional<Role>(std::move(r));
}

fw::Path RoleListPath() {
  fw::Path p;
  p.pattern = "role/?";
  p.help_synopsis = "Lists all the roles registered with the backend.";
  p.operations[Operation::kList] = {[](Request& req, fw::FieldData&) -> Result<Response> {
                                      ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                      ARCA_ASSIGN_OR_RETURN(auto keys, s->List(kRolePrefix));
                                      return Response::ListResponse(keys);
                                    },
                                    "List the roles."};
  return p;
}

fw::Path RolePath(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "role/" + fw::GenericNameRegex("name");
  p.help_synopsis = "Register a role with the backend.";
  p.fields["name"] = F(fw::FieldType::kLowerCaseString, "Name of the role.");
  p.fields["role_type"] = F(fw::FieldType::kString, "\"oidc\" (default) or \"jwt\".");
  p.fields["bound_audiences"] =
      F(fw::FieldType::kCommaStringSlice, "Audiences (aud) a token must have one of.");
  p.fields["user_claim"] =
      F(fw::FieldType::kString, "The claim that names the user (entity alias).");
  p.fields["user_claim_json_pointer"] = F(fw::FieldType::kBool, "user_claim is a JSON pointer.");
  p.fields["bound_subject"] = F(fw::FieldType::kString, "The value the sub claim must have.");
  p.fields["bound_claims"] =
      F(fw::FieldType::kMap, "Claims a token must have, with their accepted values.");
  p.fields["bound_claims_type"] = F(fw::FieldType::kString, "\"string\" (default) or \"glob\".");
  p.fields["claim_mappings"] =
      F(fw::FieldType::kKVPairs, "Claims copied into alias metadata (claim: key).");
  p.fields["groups_claim"] = F(fw::FieldType::kString, "The claim that lists the user's groups.");
  p.fields["allowed_redirect_uris"] =
      F(fw::FieldType::kCommaStringSlice, "Redirect URIs allowed in the OIDC flow.");
  p.fields["oidc_scopes"] = F(fw::FieldType::kCommaStringSlice, "Scopes asked for besides openid.");
  p.fields["verbose_oidc_logging"] =
      F(fw::FieldType::kBool, "Log OIDC responses (claims, not signatures).");
  p.fields["clock_skew_leeway"] =
      F(fw::FieldType::kString, "Leeway for clock skew (seconds; -1: none).");
  p.fields["expiration_leeway"] = F(fw::FieldType::kString, "Leeway for exp (seconds; -1: none).");
  p.fields["not_before_leeway"] = F(fw::FieldType::kString, "Leeway for nbf (seconds; -1: none).");
  p.fields["max_age"] =
      F(fw::FieldType::kDuration, "OIDC max_age: seconds since the user authenticated.");
  AddTokenFieldSchemas(p.fields);
  p.existence_check = [](Request& req, fw::FieldData& d) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(*s, d.GetString("name")));
    return r.has_value();
  };
  auto write = [st](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    std::string name = d.GetString("name");
    ARCA_ASSIGN_OR_RETURN(auto existing, LoadRole(*s, name));
    Role r = existing.value_or(Role{});
    std::string role_type = d.GetString("role_type");
    if (role_type.empty()) role_type = existing ? existing->role_type : "oidc";
    if (role_type != "jwt" && role_type != "oidc") {
      return InvalidRequest("invalid 'role_type': " + role_type);
    }
    r.role_type = role_type;
    ARCA_RETURN_IF_ERROR(ParseTokenFields(d, r.token));
    if (st->system != nullptr && r.token.period > st->system->MaxLeaseTtl()) {
      return InvalidRequest("'period' of '" + std::to_string(r.token.period.count()) +
                            "s' is greater than the backend's maximum lease TTL of '" +
                            std::to_string(st->system->MaxLeaseTtl().count()) + "s'");
    }
    for (auto [field, dst] : {std::pair{"expiration_leeway", &r.expiration_leeway},
                              std::pair{"not_before_leeway", &r.not_before_leeway},
                              std::pair{"clock_skew_leeway", &r.clock_skew_leeway}}) {
      if (!d.Has(field)) continue;
      auto v = SignedSeconds(d.GetRaw(field));
      if (!v) return InvalidRequest(std::string("invalid '") + field + "': " + v.error().message());
      *dst = *v;
    }
    if (d.Has("bound_audiences")) r.bound_audiences = d.GetStringSlice("bound_audiences");
    if (d.Has("bound_subject")) r.bound_subject = d.GetString("bound_subject");
    if (d.Has("verbose_oidc_logging")) r.verbose_oidc_logging = d.GetBool("verbose_oidc_logging");
    if (d.Has("max_age")) r.max_age = d.GetDuration("max_age").count();
    std::string bct =
        d.Has("bound_claims_type") ? d.GetString("bound_claims_type") : r.bound_claims_type;
    if (bct != "string" && bct != "glob")
      return InvalidRequest("invalid 'bound_claims_type': " + bct);
    r.bound_claims_type = bct;
    if (d.Has("bound_claims")) r.bound_claims = d.GetMap("bound_claims");
    for (const auto& [k, v] : r.bound_claims) {
      bool ok = ScalarOk(v);
      if (v.is_array()) {
        ok = true;
        for (const auto& item : v.as_array()) ok = ok && ScalarOk(item);
      }
      if (!ok) return InvalidRequest("claim is not a string or list: " + json::serialize(v));
      if (bct == "glob") {
        auto check = [](const json::value& x) { return x.is_string(); };
        bool all_strings =
            v.is_array() ? std::all_of(v.as_array().begin(), v.as_array().end(), check) : check(v);
        if (!all_strings) return InvalidRequest("claim is not a string: " + json::serialize(v));
      }
    }
    if (d.Has("claim_mappings")) {
      std::map<std::string, std::string> m = d.GetKvPairs("claim_mappings");
      std::set<std::string> targets;
      for (const auto& [claim, key] : m) {
        if (key == "role") {
          return InvalidRequest(
              "metadata key \"role\" is reserved and may not be a mapping destination");
        }
        if (!targets.insert(key).second) {
          return InvalidRequest("multiple keys are mapped to metadata key \"" + key + "\"");
        }
      }
      r.claim_mappings = std::move(m);
    }
    if (d.Has("user_claim")) r.user_claim = d.GetString("user_claim");
    if (r.user_claim.empty()) return InvalidRequest("a user claim must be defined on the role");
    if (d.Has("user_claim_json_pointer"))
      r.user_claim_json_pointer = d.GetBool("user_claim_json_pointer");
    if (d.Has("groups_claim")) r.groups_claim = d.GetString("groups_claim");
    if (d.Has("oidc_scopes")) r.oidc_scopes = d.GetStringSlice("oidc_scopes");
    if (d.Has("allowed_redirect_uris"))
      r.allowed_redirect_uris = d.GetStringSlice("allowed_redirect_uris");
    if (r.role_type == "oidc" && r.allowed_redirect_uris.empty()) {
      return InvalidRequest(
          "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
    }
    if (r.role_type != "oidc" && r.bound_audiences.empty() && r.token.bound_cidrs.empty() &&
        r.bound_subject.empty() && r.bound_claims.empty()) {
      return InvalidRequest(
          "must have at least one bound constraint when creating/updating a role");
    }
    if (r.token.max_ttl.count() > 0 && r.token.ttl > r.token.max_ttl) {
      return InvalidRequest("ttl should not be greater than max ttl");
    }
    Response resp;
    if (st->system != nullptr && r.token.max_ttl > st->system->MaxLeaseTtl()) {
      resp.warnings.push_back(
          "token max ttl is greater than the system or backend mount's maximum TTL value; issued "
          "tokens' max TTL value will be truncated");
    }
    if (r.verbose_oidc_logging) {
      resp.warnings.push_back(
          "verbose_oidc_logging has been enabled for this role. This is not recommended in "
          "production since sensitive information may be present in OIDC responses.");
    }
    ARCA_RETURN_IF_ERROR(logical::PutJson(*s, kRolePrefix + name, r.ToJson()));
    return resp;
  };
  p.operations[Operation::kCreate] = {write, "Create a role."};
  p.operations[Operation::kUpdate] = {write, "Update a role."};
  p.operations[Operation::kRead] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(*s, d.GetString("name")));
        if (!r) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
        json::object data = r->ToJson();
        // The stored token fields, replaced by Vault's token_* read shape.
        for (const char* k : {"ttl", "max_ttl", "explicit_max_ttl", "period", "policies",
                              "bound_cidrs", "no_default_policy", "num_uses", "type"}) {
          data.erase(k);
        }
        r->token.AddToResponse(data);
        data["callback_mode"] = "client";
        return Response::WithData(std::move(data));
      },
      "Read a role."};
  p.operations[Operation::kDelete] = {
      [](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_RETURN_IF_ERROR(s->Delete(kRolePrefix + d.GetString("name")));
        return Response{};
      },
      "Delete a role."};
  return p;
}

}  // namespace arca::auth::jwt
