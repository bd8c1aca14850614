// AppRole secret IDs: generation (random or custom), listing by accessor, lookup and
// destruction by value or accessor, login and tidy.
#include "auth/approle_internal.h"
#include "auth/cidr.h"
#include "common/uuid.h"

namespace arca::auth::approle {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;

constexpr char kInvalidLogin[] = "invalid role or secret ID";

fw::FieldSchema Field(fw::FieldType t, const char* desc) {
  return fw::FieldSchema{.type = t, .description = desc};
}

std::string RolePattern(std::string_view suffix) {
  return "role/" + fw::GenericNameRegex("role_name") + std::string(suffix);
}

Result<Role> RequireRole(logical::Storage& s, const fw::FieldData& d) {
  ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(s, Lower(d.GetString("role_name"))));
  if (!r) return InvalidRequest("role \"" + Lower(d.GetString("role_name")) + "\" does not exist");
  return *r;
}

// Creates a secret ID entry for `value` from the request's parameters, bounded by the role.
Result<Response> Issue(State& st, logical::Storage& s, const Role& role, const std::string& value,
                       const fw::FieldData& d) {
  SecretId e;
  if (d.Has("metadata")) {
    std::string raw = d.GetString("metadata");
    if (!raw.empty()) {
      auto obj = ParseJsonObject(raw);
      if (!obj) return InvalidRequest("failed to parse metadata: must be a JSON object of strings");
      for (const auto& [k, v] : *obj) {
        if (!v.is_string()) return InvalidRequest("metadata values must be strings");
        e.metadata[std::string(k)] = std::string(v.as_string());
      }
    }
  }
  e.cidr_list = d.GetStringSlice("cidr_list");
  if (Status c = ValidateCidrs(e.cidr_list); !c) {
    return std::unexpected(c.error().WithContext("invalid cidr_list"));
  }
  e.token_bound_cidrs = d.GetStringSlice("token_bound_cidrs");
  if (Status c = ValidateCidrs(e.token_bound_cidrs); !c) {
    return std::unexpected(c.error().WithContext("invalid token_bound_cidrs"));
  }
  e.num_uses = role.secret_id_num_uses;
  if (d.Has("num_uses")) {
    int64_t n = d.GetInt("num_uses");
    if (n < 0) return InvalidRequest("num_uses cannot be negative");
    if (role.secret_id_num_uses > 0 && (n == 0 || n > role.secret_id_num_uses)) {
      return InvalidRequest("num_uses cannot be higher than the role's secret_id_num_uses");
    }
    e.num_uses = n;
  }
  e.ttl = role.secret_id_ttl.count();
  if (d.Has("ttl")) {
    int64_t t = d.GetDuration("ttl").count();
    if (role.secret_id_ttl.count() > 0 && (t == 0 || t > role.secret_id_ttl.count())) {
      return InvalidRequest("ttl cannot be longer than the role's secret_id_ttl");
    }
    e.ttl = t;
  }
  int64_t now = st.Now();
  e.creation_time = e.last_updated_time = now;
  e.expiration_time = e.ttl > 0 ? now + e.ttl : 0;
  e.accessor = GenerateUuid();

  ARCA_ASSIGN_OR_RETURN(std::string h, st.Hmac(s, value));
  ARCA_ASSIGN_OR_RETURN(std::string ah, st.Hmac(s, e.accessor));
  {
    std::lock_guard l(st.StripeFor(h));
    ARCA_ASSIGN_OR_RETURN(auto existing, LoadSecretId(s, role.name, h));
    if (existing) return InvalidRequest("secret ID is already registered");
    ARCA_RETURN_IF_ERROR(
        logical::PutJson(s, AccessorKey(ah), json::object{{"role", role.name}, {"hmac", h}}));
    ARCA_RETURN_IF_ERROR(logical::PutJson(s, SecretKey(role.name, h), e.ToJson()));
  }
  return Response::WithData(json::object{{"secret_id", value},
                                         {"secret_id_accessor", e.accessor},
                                         {"secret_id_ttl", e.ttl},
                                         {"secret_id_num_uses", e.num_uses}});
}

void AddIssueFields(fw::FieldMap& f) {
  f["role_name"] = Field(fw::FieldType::kString, "Name of the role.");
  f["metadata"] = Field(fw::FieldType::kString, "JSON object of string metadata.");
  f["cidr_list"] = Field(fw::FieldType::kCommaStringSlice, "CIDR blocks allowed to use it.");
  f["token_bound_cidrs"] =
      Field(fw::FieldType::kCommaStringSlice, "CIDR blocks of the tokens it logs in.");
  f["num_uses"] = Field(fw::FieldType::kInt, "Uses of the secret ID (0 = unlimited).");
  f["ttl"] = Field(fw::FieldType::kDuration, "Lifetime of the secret ID.");
}

fw::Path SecretIdGenerate(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = RolePattern("/secret-id/?");
  p.help_synopsis = "Generate a secret ID, or list the accessors of a role's secret IDs.";
  AddIssueFields(p.fields);
  p.operations[Operation::kUpdate] = {[st](Request& req, fw::FieldData& d) -> Result<Response> {
                                        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                        ARCA_ASSIGN_OR_RETURN(Role role, RequireRole(*s, d));
                                        return Issue(*st, *s, role, GenerateUuid(), d);
                                      },
                                      "Generate a secret ID."};
  p.operations[Operation::kList] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        ARCA_ASSIGN_OR_RETURN(Role role, RequireRole(*s, d));
        ARCA_ASSIGN_OR_RETURN(auto hmacs, s->List("secret_id/" + role.name + "/"));
        std::vector<std::string> accessors;
        int64_t now = st->Now();
        for (const auto& h : hmacs) {
          ARCA_ASSIGN_OR_RETURN(auto e, LoadSecretId(*s, role.name, h));
          if (e && !e->Expired(now)) accessors.push_back(e->accessor);
        }
        std::sort(accessors.begin(), accessors.end());
        return Response::ListResponse(accessors);
      },
      "List secret ID accessors."};
  return p;
}

fw::Path CustomSecretId(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = RolePattern("/custom-secret-id");
  p.help_synopsis = "Register a secret ID of your choosing.";
  AddIssueFields(p.fields);
  p.fields["secret_id"] = Field(fw::FieldType::kString, "The secret ID.");
  p.fields["secret_id"].required = true;
  p.operations[Operation::kUpdate] = {[st](Request& req, fw::FieldData& d) -> Result<Response> {
                                        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
                                        ARCA_ASSIGN_OR_RETURN(Role role, RequireRole(*s, d));
                                        std::string value = d.GetString("secret_id");
                                        if (value.empty())
                                          return InvalidRequest("missing secret_id");
                                        return Issue(*st, *s, role, value, d);
                                      },
                                      "Register a custom secret ID."};
  return p;
}

// Finds the entry of a secret ID (by value) or accessor of the role: {hmac, entry}.
struct Found {
  std::string hmac;
  SecretId entry;
};
Result<std::optional<Found>> Find(State& st, logical::Storage& s, const Role& role,
                                  const fw::FieldData& d, bool by_accessor) {
  std::string h;
  if (by_accessor) {
    std::string acc = d.GetString("secret_id_accessor");
    if (acc.empty()) return InvalidRequest("missing secret_id_accessor");
    ARCA_ASSIGN_OR_RETURN(std::string ah, st.Hmac(s, acc));
    ARCA_ASSIGN_OR_RETURN(auto idx, logical::GetJson(s, AccessorKey(ah)));
    if (!idx || !idx->is_object()) return std::optional<Found>();
    const auto* role_v = idx->as_object().if_contains("role");
    const auto* h_v = idx->as_object().if_contains("hmac");
    if (!role_v || !h_v || !role_v->is_string() || !h_v->is_string()) {
      return Internal("approle: corrupt accessor entry");
    }
    if (role_v->as_string() != role.name) return std::optional<Found>();
    h = std::string(h_v->as_string());
  } else {
    std::string value = d.GetString("secret_id");
    if (value.empty()) return InvalidRequest("missing secret_id");
    ARCA_ASSIGN_OR_RETURN(h, st.Hmac(s, value));
  }
  ARCA_ASSIGN_OR_RETURN(auto e, LoadSecretId(s, role.name, h));
  if (!e || e->Expired(st.Now())) return std::optional<Found>();
  return std::optional<Found>(Found{h, std::move(*e)});
}

fw::Path LookupOrDestroy(std::shared_ptr<State> st, bool by_accessor, bool destroy) {
  fw::Path p;
  p.pattern = RolePattern(std::string(by_accessor ? "/secret-id-accessor/" : "/secret-id/") +
                          (destroy ? "destroy" : "lookup"));
  p.help_synopsis = std::string(destroy ? "Destroy" : "Look up") + " a secret ID" +
                    (by_accessor ? " by its accessor." : ".");
  p.fields["role_name"] = Field(fw::FieldType::kString, "Name of the role.");
  const char* key = by_accessor ? "secret_id_accessor" : "secret_id";
  p.fields[key] = Field(fw::FieldType::kString, by_accessor ? "The accessor." : "The secret ID.");
  auto handler = [st, by_accessor, destroy](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
    ARCA_ASSIGN_OR_RETURN(Role role, RequireRole(*s, d));
    ARCA_ASSIGN_OR_RETURN(auto found, Find(*st, *s, role, d, by_accessor));
    if (!destroy) {
      if (!found) {
        if (by_accessor) return NotFound("no secret ID with this accessor");
        return Response{};  // Vault: 204 for an unknown secret ID
      }
      return Response::WithData(found->entry.LookupResponse());
    }
    if (!found) return Response{};
    std::lock_guard l(st->StripeFor(found->hmac));
    ARCA_ASSIGN_OR_RETURN(auto e, LoadSecretId(*s, role.name, found->hmac));
    if (e) ARCA_RETURN_IF_ERROR(DeleteSecretId(*st, *s, role.name, found->hmac, *e));
    return Response{};
  };
  p.operations[Operation::kUpdate] = {handler, p.help_synopsis};
  if (destroy) p.operations[Operation::kDelete] = {handler, p.help_synopsis};
  return p;
}

// Consumes one use of the secret ID `h` of `role` after checking its expiry and cidr_list.
// Serialized per secret ID: read, check, decrement or delete, under the stripe lock.
Result<SecretId> UseSecretId(State& st, logical::Storage& s, const Role& role, const std::string& h,
                             std::string_view remote_addr) {
  std::lock_guard l(st.StripeFor(h));
  ARCA_ASSIGN_OR_RETURN(auto e, LoadSecretId(s, role.name, h));
  if (!e) return InvalidRequest(kInvalidLogin);
  if (e->Expired(st.Now())) {
    ARCA_RETURN_IF_ERROR(DeleteSecretId(st, s, role.name, h, *e));
    return InvalidRequest(kInvalidLogin);
  }
  if (!AddressAllowed(remote_addr, e->cidr_list)) {
    return InvalidRequest("source address \"" + std::string(remote_addr) +
                          "\" unauthorized through CIDR restrictions on the secret ID");
  }
  if (e->num_uses == 1) {
    ARCA_RETURN_IF_ERROR(DeleteSecretId(st, s, role.name, h, *e));
  } else if (e->num_uses > 1) {
    SecretId updated = *e;
    updated.num_uses--;
    updated.last_updated_time = st.Now();
    ARCA_RETURN_IF_ERROR(logical::PutJson(s, SecretKey(role.name, h), updated.ToJson()));
  }
  return *e;
}

}  // namespace

std::vector<fw::Path> SecretIdPaths(std::shared_ptr<State> st) {
  return {LookupOrDestroy(st, false, false),
          LookupOrDestroy(st, false, true),
          LookupOrDestroy(st, true, false),
          LookupOrDestroy(st, true, true),
          SecretIdGenerate(st),
          CustomSecretId(st)};
}

fw::Path LoginPath(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "login";
  p.help_synopsis = "Log in with a role ID and a secret ID.";
  p.fields["role_id"] = Field(fw::FieldType::kString, "The role ID.");
  p.fields["secret_id"] = Field(fw::FieldType::kString, "The secret ID.");
  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        std::string role_id = d.GetString("role_id");
        if (role_id.empty()) return InvalidRequest("missing role_id");
        ARCA_ASSIGN_OR_RETURN(auto role, RoleByRoleId(*st, *s, role_id));
        if (!role) return InvalidRequest(kInvalidLogin);
        if (!AddressAllowed(req.remote_addr, role->secret_id_bound_cidrs)) {
          return InvalidRequest("source address \"" + req.remote_addr +
                                "\" unauthorized by CIDR restrictions on the role");
        }
        logical::Auth a;
        role->token.FillAuth(a);
        std::vector<std::string> token_cidrs = role->token.bound_cidrs;
        if (role->bind_secret_id) {
          std::string secret = d.GetString("secret_id");
          if (secret.empty()) return InvalidRequest("missing secret_id");
          ARCA_ASSIGN_OR_RETURN(std::string h, st->Hmac(*s, secret));
          ARCA_ASSIGN_OR_RETURN(SecretId e, UseSecretId(*st, *s, *role, h, req.remote_addr));
          if (!e.token_bound_cidrs.empty()) token_cidrs = e.token_bound_cidrs;
          a.metadata = e.metadata;
        }
        if (!AddressAllowed(req.remote_addr, token_cidrs)) {
          return InvalidRequest("source address \"" + req.remote_addr +
                                "\" unauthorized by token_bound_cidrs");
        }
        a.bound_cidrs = token_cidrs;
        a.metadata["role_name"] = role->name;
        a.alias = logical::Auth::Alias{role->role_id, a.metadata};  // Vault: alias = role_id
        Response r;
        r.auth = std::move(a);
        return r;
      },
      "Log in."};
  return p;
}

fw::Path TidyPath(std::shared_ptr<State> st) {
  fw::Path p;
  p.pattern = "tidy/secret-id";
  p.help_synopsis = "Remove expired secret IDs and dangling accessors.";
  p.operations[Operation::kUpdate] = {
      [st](Request& req, fw::FieldData&) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(logical::Storage * s, StorageOf(req));
        int64_t now = st->Now(), removed = 0;
        ARCA_ASSIGN_OR_RETURN(auto roles, s->List("secret_id/"));
        for (const auto& dir : roles) {
          if (!dir.ends_with('/')) continue;
          std::string role = dir.substr(0, dir.size() - 1);
          ARCA_ASSIGN_OR_RETURN(auto hmacs, s->List("secret_id/" + dir));
          for (const auto& h : hmacs) {
            std::lock_guard l(st->StripeFor(h));
            ARCA_ASSIGN_OR_RETURN(auto e, LoadSecretId(*s, role, h));
            if (e && e->Expired(now)) {
              ARCA_RETURN_IF_ERROR(DeleteSecretId(*st, *s, role, h, *e));
              removed++;
            }
          }
        }
        ARCA_ASSIGN_OR_RETURN(auto accessors, s->List("accessor/"));
        for (const auto& a : accessors) {
          ARCA_ASSIGN_OR_RETURN(auto idx, logical::GetJson(*s, "accessor/" + a));
          if (!idx || !idx->is_object()) continue;
          const auto* rv = idx->as_object().if_contains("role");
          const auto* hv = idx->as_object().if_contains("hmac");
          if (!rv || !hv || !rv->is_string() || !hv->is_string()) continue;
          ARCA_ASSIGN_OR_RETURN(
              auto e, LoadSecretId(*s, std::string(rv->as_string()), std::string(hv->as_string())));
          if (!e) ARCA_RETURN_IF_ERROR(s->Delete("accessor/" + a));
        }
        Response r;
        r.data["removed"] = removed;
        return r;
      },
      "Tidy secret IDs."};
  return p;
}

}  // namespace arca::auth::approle
