// identity/oidc/*: identity tokens (Vault's identity_store_oidc.go, same paths, fields,
// defaults, shapes and error wording).
#include "core/identity/oidc.h"

#include <algorithm>

#include "common/encoding.h"
#include "common/json.h"
#include "core/identity/oidc_keys.h"
#include "core/identity/oidc_store.h"
#include "crypto/random.h"
#include <spdlog/spdlog.h>

namespace arca::core::identity {

namespace {

namespace fw = logical::framework;
using logical::Operation;
using logical::Request;
using logical::Response;
using namespace oidc;

constexpr int64_t kLeewaySeconds = 60;  // clock skew allowed on exp/iat/nbf (go-jose's)

constexpr const char* kReservedClaims[] = {"iat", "aud",       "exp",     "iss",   "sub",
                                           "namespace", "nonce", "auth_time", "at_hash", "c_hash"};

std::string ReservedList() {
  std::string out;
  for (const char* c : kReservedClaims) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  return out;
}

bool IsReserved(std::string_view k) {
  return std::any_of(std::begin(kReservedClaims), std::end(kReservedClaims),
                     [&](const char* c) { return k == c; });
}

fw::FieldSchema Str(std::string d) { return {.type = fw::FieldType::kString, .description = std::move(d)}; }
fw::FieldSchema Dur(std::string d, std::string def = "") {
  fw::FieldSchema f{.type = fw::FieldType::kDuration, .description = std::move(d)};
  if (!def.empty()) f.default_value = json::string(def);
  return f;
}

Response Raw(const json::value& body) {
  Response r;
  r.raw = logical::RawBody{200, "application/json", json::serialize(body)};
  return r;
}

std::string EffectiveIssuer(const OidcContext& ctx, const Config& c) {
  std::string base = c.issuer.empty() ? (ctx.api_addr ? ctx.api_addr() : "") : c.issuer;
  return base + "/v1/identity/oidc";
}

// http(s)://host[:port] and nothing more.
bool ValidIssuer(std::string_view s) {
  std::string_view rest;
  if (s.starts_with("https://")) {
    rest = s.substr(8);
  } else if (s.starts_with("http://")) {
    rest = s.substr(7);
  } else {
    return false;
  }
  return !rest.empty() && rest.find_first_of("/?#@ ") == std::string_view::npos &&
         rest.front() != ':';
}

// ---------------------------------------------------------------- config

fw::Path ConfigPath(std::shared_ptr<OidcContext> ctx) {
  fw::Path p;
  p.pattern = "oidc/config/?";
  p.fields = {{"issuer", Str("Issuer URL to be used in the iss claim of the token. If not set, "
                             "the server's api_addr is used.")}};
  p.operations[Operation::kRead] = {[ctx](Request& req, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(Config c, LoadConfig(*req.storage));
    Response r = Response::WithData({{"issuer", c.issuer}});
    r.data_even_if_empty = true;
    if (c.issuer.empty() && (!ctx->api_addr || ctx->api_addr().empty())) {
      r.warnings.push_back(
          "Both \"issuer\" and Arca's \"api_addr\" are empty. The issuer claim in generated "
          "tokens will not be network reachable.");
    }
    return r;
  }, "Read the identity token configuration."};
  p.operations[Operation::kUpdate] = {[ctx](Request& req, fw::FieldData& d) -> Result<Response> {
    if (!d.Has("issuer")) return Response{};
    std::string issuer = d.GetString("issuer");
    Response r;
    if (!issuer.empty()) {
      if (!ValidIssuer(issuer)) {
        return InvalidRequest(
            "invalid issuer, which must include only a scheme, host, and optional port (e.g. "
            "https://example.com:8200)");
      }
      r.warnings.push_back(
          "If \"issuer\" is set explicitly, all tokens must be validated against that address, "
          "including those issued by secondary clusters. Setting issuer to \"\" will restore the "
          "default behavior of using the cluster's api_addr as the issuer.");
    }
    std::lock_guard lock(ctx->mu);
    ARCA_RETURN_IF_ERROR(logical::PutJson(*req.storage, kConfigKey, json::object{{"issuer", issuer}}));
    return r;
  }, "Update the identity token configuration."};
  p.help_synopsis = "OIDC configuration";
  p.help_description = "Update the OIDC configuration for the identity backend.";
  return p;
}

// ---------------------------------------------------------------- keys

Status CreateDefaultKeyIfMissing(OidcContext& ctx, logical::Storage& s) {
  // REQUIRES: ctx.mu held.
  ARCA_ASSIGN_OR_RETURN(auto existing, LoadKey(s, kDefaultKeyName));
  if (existing) return OkStatus();
  NamedKey k;
  k.name = std::string(kDefaultKeyName);
  k.allowed_client_ids = {"*"};
  k.next_rotation = UnixSeconds(ctx.Now()) + k.rotation_period;
  std::vector<logical::WriteOp> ops;
  ARCA_ASSIGN_OR_RETURN(k.signing, GenerateKey(k, ops));
  ARCA_ASSIGN_OR_RETURN(k.next, GenerateKey(k, ops));
  return SaveKey(s, k, std::move(ops));
}

Result<Response> WriteKey(OidcContext& ctx, Request& req, fw::FieldData& d) {
  const std::string name = d.GetString("name");
  std::lock_guard lock(ctx.mu);
  logical::Storage& s = *req.storage;
  ARCA_ASSIGN_OR_RETURN(auto existing, LoadKey(s, name));
  const bool create = !existing;
  NamedKey key = create ? NamedKey{} : std::move(*existing);
  key.name = name;
  if (d.Has("rotation_period") || create) key.rotation_period = d.GetDuration("rotation_period").count();
  if (key.rotation_period < 60) return InvalidRequest("rotation_period must be at least one minute");
  if (d.Has("verification_ttl") || create) key.verification_ttl = d.GetDuration("verification_ttl").count();
  if (key.verification_ttl > 10 * key.rotation_period) {
    return InvalidRequest("verification_ttl cannot be longer than 10x rotation_period");
  }
  if (!create) {
    ARCA_ASSIGN_OR_RETURN(auto roles, AllRoles(s));
    for (const auto& r : roles) {
      if (r.key == name && r.ttl > key.verification_ttl) {
        return InvalidRequest("unable to update key \"" + name +
                              "\" because it is currently referenced by one or more roles with a "
                              "token ttl greater than " +
                              std::to_string(key.verification_ttl) + " seconds");
      }
    }
  }
  if (d.Has("allowed_client_ids") || create) key.allowed_client_ids = d.GetStringSlice("allowed_client_ids");
  const std::string prev_alg = create ? "" : key.algorithm;
  if (d.Has("algorithm") || create) key.algorithm = d.GetString("algorithm");
  if (!IsOidcAlgorithm(key.algorithm)) {
    return InvalidRequest("unknown signing algorithm \"" + key.algorithm + "\"");
  }
  const TimePoint now = ctx.Now();
  const int64_t next = UnixSeconds(now) + key.rotation_period;
  if (key.next_rotation == 0 || next < key.next_rotation) key.next_rotation = next;
  std::vector<logical::WriteOp> ops;
  if (key.algorithm != prev_alg) {
    // New keys of the new algorithm; the old signing key stays published for verification_ttl
    // (tokens it signed still verify), the unused old next key goes at once.
    const int64_t t = UnixSeconds(now);
    for (auto& e : key.key_ring) {
      if (e.expire_at != 0) continue;
      e.expire_at = e.kid == key.signing.kid ? t + key.verification_ttl : t;
    }
    ARCA_ASSIGN_OR_RETURN(key.signing, GenerateKey(key, ops));
    ARCA_ASSIGN_OR_RETURN(key.next, GenerateKey(key, ops));
  }
  ARCA_RETURN_IF_ERROR(SaveKey(s, key, std::move(ops)));
  return Response{};
}

std::vector<fw::Path> KeyPaths(std::shared_ptr<OidcContext> ctx) {
  fw::Path key;
  key.pattern = "oidc/key/" + fw::GenericNameRegex("name") + "/?";
  key.fields = {
      {"name", Str("Name of the key")},
      {"rotation_period", Dur("How often to generate a new keypair.", "24h")},
      {"verification_ttl",
       Dur("Controls how long the public portion of a key will be available for verification "
           "after being rotated.",
           "24h")},
      {"algorithm", {.type = fw::FieldType::kString,
                     .description = "Signing algorithm to use. This will default to RS256.",
                     .default_value = json::string("RS256")}},
      {"allowed_client_ids",
       {.type = fw::FieldType::kCommaStringSlice,
        .description = "Comma separated string or array of role client ids allowed to use this "
                       "key for signing. If empty no roles are allowed. If \"*\" all roles are "
                       "allowed."}},
  };
  auto write = [ctx](Request& req, fw::FieldData& d) { return WriteKey(*ctx, req, d); };
  key.operations[Operation::kCreate] = {write, "Create a named key."};
  key.operations[Operation::kUpdate] = {write, "Update a named key."};
  key.operations[Operation::kRead] = {[ctx](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto k, LoadKey(*req.storage, d.GetString("name")));
    if (!k) return Response{};
    return Response::WithData({{"rotation_period", k->rotation_period},
                               {"verification_ttl", k->verification_ttl},
                               {"algorithm", k->algorithm},
                               {"allowed_client_ids", ToJsonArray(k->allowed_client_ids)}});
  }, "Read a named key (never its private part)."};
  key.operations[Operation::kDelete] = {[ctx](Request& req, fw::FieldData& d) -> Result<Response> {
    const std::string name = d.GetString("name");
    if (name == kDefaultKeyName) {
      return InvalidRequest("deletion of key \"" + name + "\" not allowed");
    }
    std::lock_guard lock(ctx->mu);
    ARCA_ASSIGN_OR_RETURN(auto roles, AllRoles(*req.storage));
    std::vector<std::string> users;
    for (const auto& r : roles) {
      if (r.key == name) users.push_back(r.name);
    }
    std::sort(users.begin(), users.end());
    if (!users.empty()) {
      std::string list;
      for (const auto& u : users) list += (list.empty() ? "" : ", ") + u;
      return InvalidRequest("unable to delete key \"" + name +
                            "\" because it is currently referenced by these roles: " + list);
    }
    ARCA_RETURN_IF_ERROR(req.storage->Delete(std::string(kNamedKeysPrefix) + name));
    ARCA_RETURN_IF_ERROR(ExpireKeys(*req.storage, ctx->Now()));
    return Response{};
  }, "Delete a named key (refused while a role uses it)."};
  key.existence_check = [](Request& req, fw::FieldData& d) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(auto v, req.storage->Get(std::string(kNamedKeysPrefix) + d.GetString("name")));
    return v.has_value();
  };
  key.help_synopsis = "CRUD operations for OIDC keys.";
  key.help_description = "Create, Read, Update, and Delete OIDC named keys.";

  fw::Path rotate;
  rotate.pattern = "oidc/key/" + fw::GenericNameRegex("name") + "/rotate/?";
  rotate.fields = {{"name", Str("Name of the key")},
                   {"verification_ttl",
                    Dur("Controls how long the public portion of a key will be available for "
                        "verification after being rotated. Setting verification_ttl here will "
                        "override the verification_ttl set on the key.")}};
  rotate.operations[Operation::kUpdate] = {[ctx](Request& req, fw::FieldData& d) -> Result<Response> {
    const std::string name = d.GetString("name");
    std::lock_guard lock(ctx->mu);
    ARCA_ASSIGN_OR_RETURN(auto k, LoadKey(*req.storage, name));
    if (!k) return InvalidRequest("no named key found at \"" + name + "\"");
    const int64_t override_ttl = d.Has("verification_ttl") ? d.GetDuration("verification_ttl").count() : -1;
    ARCA_RETURN_IF_ERROR(Rotate(*req.storage, *k, override_ttl, ctx->Now()));
    return Response{};
  }, "Rotate a named key."};
  rotate.help_synopsis = "Rotate a named OIDC key.";
  rotate.help_description =
      "Manually rotate a named OIDC key. Rotating a named key will cause a new underlying "
      "signing key to be generated. The public portion of the underlying rotated signing key "
      "will continue to live for the verification_ttl duration.";

  fw::Path list;
  list.pattern = "oidc/key/?";
  list.operations[Operation::kList] = {[](Request& req, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto keys, req.storage->List(kNamedKeysPrefix));
    return Response::ListResponse(keys);
  }, "List OIDC keys."};
  list.help_synopsis = "List OIDC keys";
  list.help_description = "List all named OIDC keys";
  return {std::move(rotate), std::move(key), std::move(list)};
}

// ---------------------------------------------------------------- roles

Result<Response> WriteRole(OidcContext& ctx, Request& req, fw::FieldData& d) {
  const std::string name = d.GetString("name");
  std::lock_guard lock(ctx.mu);
  logical::Storage& s = *req.storage;
  ARCA_ASSIGN_OR_RETURN(auto existing, LoadRole(s, name));
  const bool create = !existing;
  Role role = create ? Role{} : std::move(*existing);
  role.name = name;
  if (d.Has("key") || create) role.key = d.GetString("key");
  if (role.key.empty()) return InvalidRequest("the key parameter is required");
  if (role.key == kDefaultKeyName) ARCA_RETURN_IF_ERROR(CreateDefaultKeyIfMissing(ctx, s));
  if (d.Has("template") || create) role.templ = d.GetString("template");
  if (!role.templ.empty() && role.templ.find_first_of("{}") == std::string::npos) {
    // Vault accepts the template base64-encoded too.
    if (auto decoded = Base64Decode(role.templ)) role.templ = std::move(*decoded);
  }
  if (!role.templ.empty()) {
    policy::IdentityData empty;
    auto populated = policy::PopulateTemplate(role.templ, policy::TemplateMode::kJson, &empty,
                                              ctx.Now());
    if (!populated) return InvalidRequest("error parsing template: " + populated.error().message());
    auto parsed = ParseJsonObject(populated->text);
    if (!parsed) return InvalidRequest("error parsing template JSON: " + parsed.error().message());
    for (const auto& [k, v] : *parsed) {
      if (IsReserved(k)) {
        return InvalidRequest("top level key \"" + std::string(k) +
                              "\" not allowed. Restricted keys: " + ReservedList());
      }
    }
  }
  if (d.Has("ttl") || create) role.ttl = d.GetDuration("ttl").count();
  ARCA_ASSIGN_OR_RETURN(auto key, LoadKey(s, role.key));
  if (!key) return InvalidRequest("cannot find key \"" + role.key + "\"");
  if (role.ttl > key->verification_ttl) {
    return InvalidRequest(
        "a role's token ttl cannot be longer than the verification_ttl of the key it references");
  }
  if (d.Has("client_id")) role.client_id = d.GetString("client_id");
  if (role.client_id.empty()) role.client_id = crypto::RandomBase62(26);
  ARCA_RETURN_IF_ERROR(SaveRole(s, role));
  return Response{};
}

std::vector<fw::Path> RolePaths(std::shared_ptr<OidcContext> ctx) {
  fw::Path role;
  role.pattern = "oidc/role/" + fw::GenericNameRegex("name") + "/?";
  role.fields = {
      {"name", Str("Name of the role")},
      {"key", Str("The OIDC key to use for generating tokens. The specified key must already "
                  "exist.")},
      {"template", Str("The template string to use for generating tokens. This may be in "
                       "string-ified JSON or base64 format.")},
      {"ttl", Dur("TTL of the tokens generated against the role.", "24h")},
      {"client_id", Str("Optional client_id")},
  };
  auto write = [ctx](Request& req, fw::FieldData& d) { return WriteRole(*ctx, req, d); };
  role.operations[Operation::kCreate] = {write, "Create an OIDC role."};
  role.operations[Operation::kUpdate] = {write, "Update an OIDC role."};
  role.operations[Operation::kRead] = {[](Request& req, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto r, LoadRole(*req.storage, d.GetString("name")));
    if (!r) return Response{};
    return Response::WithData({{"client_id", r->client_id},
                               {"key", r->key},
                               {"template", r->templ},
                               {"ttl", r->ttl}});
  }, "Read an OIDC role."};
  role.operations[Operation::kDelete] = {[ctx](Request& req, fw::FieldData& d) -> Result<Response> {
    std::lock_guard lock(ctx->mu);
    ARCA_RETURN_IF_ERROR(req.storage->Delete(std::string(kRolesPrefix) + d.GetString("name")));
    return Response{};
  }, "Delete an OIDC role."};
  role.existence_check = [](Request& req, fw::FieldData& d) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(auto v, req.storage->Get(std::string(kRolesPrefix) + d.GetString("name")));
    return v.has_value();
  };
  role.help_synopsis = "CRUD operations on OIDC Roles";
  role.help_description = "Create, Update, Read, and Delete OIDC Roles.";

  fw::Path list;
  list.pattern = "oidc/role/?";
  list.operations[Operation::kList] = {[](Request& req, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto keys, req.storage->List(kRolesPrefix));
    return Response::ListResponse(keys);
  }, "List configured OIDC roles."};
  list.help_synopsis = "List configured OIDC roles";
  list.help_description = "List all configured OIDC roles in the identity backend.";
  return {std::move(role), std::move(list)};
}

// ---------------------------------------------------------------- tokens

Result<Response> IssueToken(OidcContext& ctx, Request& req, fw::FieldData& d) {
  const std::string name = d.GetString("name");
  logical::Storage& s = *req.storage;
  ARCA_ASSIGN_OR_RETURN(auto role, LoadRole(s, name));
  if (!role) return InvalidRequest("role \"" + name + "\" not found");
  ARCA_ASSIGN_OR_RETURN(auto key, LoadKey(s, role->key));
  if (!key) return InvalidRequest("key \"" + role->key + "\" not found");
  const auto& allowed = key->allowed_client_ids;
  if (std::find(allowed.begin(), allowed.end(), "*") == allowed.end() &&
      std::find(allowed.begin(), allowed.end(), role->client_id) == allowed.end()) {
    return InvalidRequest("the key \"" + role->key + "\" does not list the client ID of the role \"" +
                          name + "\" as an allowed client ID");
  }
  if (req.entity_id.empty()) return InvalidRequest("no entity associated with the request's token");
  ARCA_ASSIGN_OR_RETURN(Config config, LoadConfig(s));
  Response resp;
  int64_t expiry = role->ttl;
  if (expiry > key->verification_ttl) {
    expiry = key->verification_ttl;
    resp.warnings.push_back(
        "a role's token ttl cannot be longer than the verification_ttl of the key it "
        "references, setting token ttl to " + std::to_string(expiry));
  }
  std::shared_ptr<const policy::IdentityData> identity;
  if (ctx.identity) identity = ctx.identity(req.entity_id);
  if (!identity) return Internal("error loading entity ID \"" + req.entity_id + "\"");
  const TimePoint now = ctx.Now();
  json::object claims;
  claims["iss"] = EffectiveIssuer(ctx, config);
  claims["namespace"] = "root";
  claims["sub"] = req.entity_id;
  claims["aud"] = role->client_id;
  claims["exp"] = UnixSeconds(now) + expiry;
  claims["iat"] = UnixSeconds(now);
  // Template errors do not block the token (Vault): its claims are then left out.
  if (!role->templ.empty()) {
    auto populated =
        policy::PopulateTemplate(role->templ, policy::TemplateMode::kJson, identity.get(), now);
    if (populated) {
      if (auto extra = ParseJsonObject(populated->text)) {
        for (auto& [k, v] : *extra) {
          if (!IsReserved(k)) claims[k] = v;
        }
      }
    }
  }
  if (key->signing.empty()) return Internal("signing key is nil; rotate the key and try again");
  ARCA_ASSIGN_OR_RETURN(OidcSigningKey signer, OidcSigningKey::FromDer(key->algorithm, key->signing.der));
  ARCA_ASSIGN_OR_RETURN(std::string jwt, SignJwt(signer, key->signing.kid, claims));
  resp.data = {{"token", jwt}, {"client_id", role->client_id}, {"ttl", role->ttl}};
  return resp;
}

// {"active": true} or {"active": false, "error": why}.
Result<Response> Introspect(OidcContext& ctx, Request& req, fw::FieldData& d) {
  auto inactive = [](std::string why) {
    return Raw(json::object{{"active", false}, {"error", std::move(why)}});
  };
  const std::string token = d.GetString("token");
  const std::string client_id = d.GetString("client_id");
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string::npos || token.find('.', dot2 + 1) != std::string::npos) {
    return inactive("error parsing token: compact JWS format must have three parts");
  }
  auto header_raw = Base64UrlDecode(std::string_view(token).substr(0, dot1));
  auto payload_raw = Base64UrlDecode(std::string_view(token).substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = Base64UrlDecode(std::string_view(token).substr(dot2 + 1));
  if (!header_raw || !payload_raw || !sig) return inactive("error parsing token: illegal base64 data");
  auto header = ParseJsonObject(*header_raw);
  if (!header) return inactive("error parsing token: invalid header");
  const std::string alg = StringOr(*header, "alg");
  if (!IsOidcAlgorithm(alg)) {
    return inactive("error parsing token: unexpected signature algorithm \"" + alg + "\"");
  }
  const TimePoint now = ctx.Now();
  ARCA_ASSIGN_OR_RETURN(auto keys, PublishedKeys(*req.storage, now));
  const std::string_view input = std::string_view(token).substr(0, dot2);
  bool valid = false;
  for (const auto& k : keys) {
    if (k.alg != alg) continue;
    ARCA_ASSIGN_OR_RETURN(bool ok, VerifyJwsSignature(alg, k.der, input, *sig));
    if (ok) {
      valid = true;
      break;
    }
  }
  if (!valid) return inactive("unable to validate the token signature");
  auto claims = ParseJsonObject(*payload_raw);
  if (!claims) return inactive("error validating claims: invalid claims");
  ARCA_ASSIGN_OR_RETURN(Config config, LoadConfig(*req.storage));
  const int64_t t = UnixSeconds(now);
  auto claim_error = [&](std::string_view what) {
    return inactive("error validating claims: go-jose/go-jose/jwt: validation failed, " +
                    std::string(what));
  };
  if (StringOr(*claims, "iss") != EffectiveIssuer(ctx, config)) {
    return claim_error("invalid issuer claim (iss)");
  }
  if (!client_id.empty()) {
    bool match = false;
    if (auto* aud = claims->if_contains("aud")) {
      if (aud->is_string()) match = aud->as_string() == client_id;
      if (aud->is_array()) {
        for (const auto& a : aud->as_array()) match = match || (a.is_string() && a.as_string() == client_id);
      }
    }
    if (!match) return claim_error("invalid audience claim (aud)");
  }
  if (auto* nbf = claims->if_contains("nbf"); nbf && nbf->is_int64() && t + kLeewaySeconds < nbf->as_int64()) {
    return claim_error("token not valid yet (nbf)");
  }
  if (auto* exp = claims->if_contains("exp"); exp && exp->is_int64() && t - kLeewaySeconds > exp->as_int64()) {
    return claim_error("token is expired (exp)");
  }
  if (auto* iat = claims->if_contains("iat"); iat && iat->is_int64() && t + kLeewaySeconds < iat->as_int64()) {
    return claim_error("token issued in the future (iat)");
  }
  std::shared_ptr<const policy::IdentityData> entity;
  if (ctx.identity) entity = ctx.identity(StringOr(*claims, "sub"));
  if (!entity) return inactive("entity was not found");
  if (entity->disabled) return inactive("entity is disabled");
  return Raw(json::object{{"active", true}});
}

std::vector<fw::Path> TokenPaths(std::shared_ptr<OidcContext> ctx) {
  fw::Path token;
  token.pattern = "oidc/token/" + fw::GenericNameRegex("name");
  token.fields = {{"name", Str("Name of the role")}};
  token.operations[Operation::kRead] = {[ctx](Request& req, fw::FieldData& d) {
    return IssueToken(*ctx, req, d);
  }, "Generate an OIDC token."};
  token.help_synopsis = "Generate an OIDC token";
  token.help_description = "Generate an OIDC token against a configured role.";

  fw::Path introspect;
  introspect.pattern = "oidc/introspect/?";
  introspect.fields = {{"token", Str("Token to verify")},
                       {"client_id", Str("Optional client_id to verify")}};
  introspect.operations[Operation::kUpdate] = {[ctx](Request& req, fw::FieldData& d) {
    return Introspect(*ctx, req, d);
  }, "Verify the authenticity of an OIDC token."};
  introspect.help_synopsis = "Verify the authenticity of an OIDC token";
  introspect.help_description =
      "Use this path to verify the authenticity of an OIDC token and whether the associated "
      "entity is active and enabled.";

  fw::Path discovery;
  discovery.pattern = "oidc/\\.well-known/openid-configuration/?";
  discovery.operations[Operation::kRead] = {[ctx](Request& req, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(Config c, LoadConfig(*req.storage));
    const std::string issuer = EffectiveIssuer(*ctx, c);
    json::array algs;
    for (auto a : kOidcAlgorithms) algs.emplace_back(a);
    Response r = Raw(json::object{{"issuer", issuer},
                                  {"jwks_uri", issuer + "/.well-known/keys"},
                                  {"response_types_supported", json::array{"id_token"}},
                                  {"subject_types_supported", json::array{"public"}},
                                  {"id_token_signing_alg_values_supported", std::move(algs)}});
    r.headers["Cache-Control"] = "max-age=3600";
    return r;
  }, "Query OIDC configurations."};
  discovery.help_synopsis = "Query OIDC configurations";
  discovery.help_description = "Query this path to retrieve the configured OIDC Issuer and Keys endpoints, response types, subject types, and signing algorithms used by the OIDC backend.";

  fw::Path jwks;
  jwks.pattern = "oidc/\\.well-known/keys/?";
  jwks.operations[Operation::kRead] = {[ctx](Request& req, fw::FieldData&) -> Result<Response> {
    const TimePoint now = ctx->Now();
    TimePoint next_change;
    ARCA_ASSIGN_OR_RETURN(auto keys, PublishedKeys(*req.storage, now, &next_change));
    json::array out;
    for (auto& k : keys) out.push_back(std::move(k.jwk));
    Response r = Raw(json::object{{"keys", std::move(out)}});
    if (!keys.empty() && next_change > now) {
      r.headers["Cache-Control"] =
          "max-age=" + std::to_string(UnixSeconds(next_change) - UnixSeconds(now));
    }
    return r;
  }, "Retrieve public keys."};
  jwks.help_synopsis = "Retrieve public keys";
  jwks.help_description = "Query this path to retrieve the public portion of keys used to sign OIDC tokens. Clients can use this to validate the authenticity of the OIDC token claims.";
  return {std::move(token), std::move(introspect), std::move(discovery), std::move(jwks)};
}

}  // namespace

std::vector<fw::Path> OidcPaths(std::shared_ptr<OidcContext> ctx) {
  std::vector<fw::Path> out;
  out.push_back(ConfigPath(ctx));
  for (auto* group : {&KeyPaths, &RolePaths, &TokenPaths}) {
    for (auto& p : (*group)(ctx)) out.push_back(std::move(p));
  }
  return out;
}

void OidcPeriodic(OidcContext& ctx, logical::Storage& storage) {
  std::lock_guard lock(ctx.mu);
  const TimePoint now = ctx.Now();
  auto names = storage.List(kNamedKeysPrefix);
  if (!names) return;
  for (const auto& n : *names) {
    if (n.empty() || n.back() == '/') continue;
    auto key = LoadKey(storage, n);
    if (!key || !*key) continue;
    if ((*key)->next_rotation != 0 && (*key)->next_rotation <= UnixSeconds(now)) {
      if (Status st = Rotate(storage, **key, -1, now); !st) {
        spdlog::warn("identity tokens: rotating key \"{}\" failed: {}", n, st.error().message());
      }
    }
  }
  if (Status st = ExpireKeys(storage, now); !st) {
    spdlog::warn("identity tokens: expiring public keys failed: {}", st.error().message());
  }
}

}  // namespace arca::core::identity
