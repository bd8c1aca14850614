// The token backend: lookup, renew, revoke (by token, self and accessor), revoke-orphan,
// accessors, tidy; creation and roles come from token_create.cc and token_role_paths.cc.
#include "core/token/token_backend.h"

#include <algorithm>
#include <ctime>

#include "core/token/token_paths.h"
#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace token_paths {

logical::Response AuthResponse(const TokenEntry& e, std::string_view token,
                               std::chrono::seconds ttl) {
  logical::Auth auth;
  auth.client_token = std::string(token);
  auth.accessor = e.accessor;
  auth.policies = e.policies;
  auth.token_policies = e.policies;
  auth.metadata = e.meta;
  auth.lease_duration = ttl;
  auth.renewable = e.renewable && e.expire_time > 0;
  auth.entity_id = e.entity_id;
  auth.token_type = e.type;
  auth.orphan = e.orphan;
  auth.num_uses = static_cast<int>(e.num_uses);
  auth.display_name = e.display_name;
  logical::Response resp;
  resp.auth = std::move(auth);
  return resp;
}

}  // namespace token_paths

namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;
using token_paths::AuthResponse;
using token_paths::Context;

constexpr const char* kTidyWarning =
    "Tidy operation successfully started. Any information from the operation will be printed "
    "to Vault's server logs.";

std::string UnixToRfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::object LookupData(const TokenEntry& e, std::string_view id, int64_t now) {
  json::object d;
  d["accessor"] = e.accessor;
  d["creation_time"] = e.creation_time;
  d["creation_ttl"] = e.ttl.count();
  d["display_name"] = e.display_name;
  d["entity_id"] = e.entity_id;
  d["expire_time"] = nullptr;
  d["explicit_max_ttl"] = e.explicit_max_ttl.count();
  d["id"] = id;
  d["issue_time"] = UnixToRfc3339(e.creation_time);
  if (e.meta.empty()) {
    d["meta"] = nullptr;
  } else {
    json::object m;
    for (const auto& [k, v] : e.meta) m[k] = v;
    d["meta"] = std::move(m);
  }
  d["num_uses"] = e.num_uses;
  d["orphan"] = e.orphan;
  d["path"] = e.path;
  d["policies"] = ToArray(e.policies);
  d["renewable"] = e.renewable && e.expire_time > 0;
  d["ttl"] = e.expire_time > 0 ? std::max<int64_t>(0, e.expire_time - now) : 0;
  if (e.expire_time > 0) d["expire_time"] = UnixToRfc3339(e.expire_time);
  d["type"] = e.type;
  if (e.period.count() > 0) d["period"] = e.period.count();
  if (!e.role.empty()) d["role"] = e.role;
  if (!e.bound_cidrs.empty()) d["bound_cidrs"] = ToArray(e.bound_cidrs);
  return d;
}

Response NoContent() { return Response{}; }

fw::Path MakePath(std::string pattern, std::string synopsis, fw::FieldMap fields = {}) {
  fw::Path p;
  p.pattern = std::move(pattern);
  p.help_synopsis = std::move(synopsis);
  p.fields = std::move(fields);
  return p;
}

fw::FieldSchema Str(const char* description) { return {fw::FieldType::kString, description}; }
fw::FieldSchema Dur(const char* description) { return {fw::FieldType::kDuration, description}; }

// Lookup paths: lookup-self, lookup, lookup-accessor.
void AddLookupPaths(const Context& ctx, std::vector<fw::Path>& out) {
  TokenStore* store = ctx.store;
  // Vault adds identity_policies when the token's entity (and its groups) carry any.
  auto with_identity = [policies = ctx.identity.policies](json::object d, const TokenEntry& e) {
    if (policies && !e.entity_id.empty()) {
      if (auto p = policies(e.entity_id); !p.empty()) d["identity_policies"] = ToArray(p);
    }
    return Response::WithData(std::move(d));
  };
  auto lookup_token = [store, with_identity](std::string_view token) -> Result<Response> {
    if (token.empty()) return InvalidRequest("missing token");
    ARCA_ASSIGN_OR_RETURN(auto entry, store->Lookup(token));
    if (!entry) return PermissionDenied("bad token");  // Vault: 403
    return with_identity(LookupData(*entry, token, store->Now()), *entry);
  };

  fw::Path self = MakePath("lookup-self", "Display information about the calling token.");
  self.operations[Operation::kRead] = {
      [lookup_token](Request& req, fw::FieldData&) { return lookup_token(req.client_token); },
      "Look up the calling token."};
  out.push_back(std::move(self));

  fw::Path lookup = MakePath("lookup", "Display information about a token.",
                             {{"token", Str("Token to look up.")}});
  auto by_field = [lookup_token](Request&, fw::FieldData& d) {
    return lookup_token(d.GetString("token"));
  };
  lookup.operations[Operation::kUpdate] = {by_field, "Look up a token."};
  lookup.operations[Operation::kRead] = {by_field, "Look up a token (deprecated form)."};
  out.push_back(std::move(lookup));

  fw::Path accessor =
      MakePath("lookup-accessor", "Display information about a token by its accessor.",
               {{"accessor", Str("Accessor of the token.")}});
  accessor.operations[Operation::kUpdate] = {
      [store, with_identity](Request&, fw::FieldData& d) -> Result<Response> {
        std::string acc = d.GetString("accessor");
        if (acc.empty()) return InvalidRequest("missing accessor");
        ARCA_ASSIGN_OR_RETURN(auto entry, store->LookupByAccessor(acc));
        if (!entry) return InvalidRequest("invalid accessor");
        return with_identity(LookupData(*entry, "", store->Now()), *entry);
      },
      "Look up a token by accessor."};
  out.push_back(std::move(accessor));
}

// Renewal paths: renew-self, renew, renew-accessor.
void AddRenewPaths(const Context& ctx, std::vector<fw::Path>& out) {
  TokenStore* store = ctx.store;
  const logical::SystemView* system = ctx.system;
  auto renew_entry = [store, system](const std::shared_ptr<const TokenEntry>& entry,
                                     std::string_view token, fw::FieldData& d) -> Result<Response> {
    if (!entry) return InvalidRequest("invalid token");
    if (entry->IsBatch()) return InvalidRequest("batch tokens cannot be renewed");
    auto max = system ? system->MaxLeaseTtl() : std::chrono::seconds(0);
    ARCA_ASSIGN_OR_RETURN(auto renewed,
                          store->RenewByHash(entry->id_hash, d.GetDuration("increment"), max));
    return AuthResponse(*renewed.entry, token, renewed.ttl);
  };
  auto renew_token = [store, renew_entry](std::string_view token,
                                          fw::FieldData& d) -> Result<Response> {
    if (token.empty()) return InvalidRequest("missing token");
    ARCA_ASSIGN_OR_RETURN(auto entry, store->Lookup(token));
    return renew_entry(entry, token, d);
  };
  const auto increment = Dur("Requested extension (default: the token's TTL).");

  fw::Path self = MakePath("renew-self", "Renew the calling token.", {{"increment", increment}});
  self.operations[Operation::kUpdate] = {
      [renew_token](Request& req, fw::FieldData& d) { return renew_token(req.client_token, d); },
      "Renew the calling token."};
  out.push_back(std::move(self));

  fw::Path one = MakePath("renew", "Renew a token.",
                          {{"token", Str("Token to renew.")}, {"increment", increment}});
  one.operations[Operation::kUpdate] = {
      [renew_token](Request&, fw::FieldData& d) { return renew_token(d.GetString("token"), d); },
      "Renew a token."};
  out.push_back(std::move(one));

  fw::Path acc = MakePath("renew-accessor", "Renew a token by its accessor.",
                          {{"accessor", Str("Accessor of the token.")}, {"increment", increment}});
  acc.operations[Operation::kUpdate] = {
      [store, renew_entry](Request&, fw::FieldData& d) -> Result<Response> {
        std::string accessor = d.GetString("accessor");
        if (accessor.empty()) return InvalidRequest("missing accessor");
        ARCA_ASSIGN_OR_RETURN(auto entry, store->LookupByAccessor(accessor));
        if (!entry) return InvalidRequest("invalid accessor");
        return renew_entry(entry, "", d);
      },
      "Renew a token by accessor."};
  out.push_back(std::move(acc));
}

// Revocation paths: revoke-self, revoke, revoke-accessor, revoke-orphan.
void AddRevokePaths(const Context& ctx, std::vector<fw::Path>& out) {
  TokenStore* store = ctx.store;
  SudoCheck sudo = ctx.has_sudo;

  fw::Path self = MakePath("revoke-self", "Revoke the calling token and its children.");
  self.operations[Operation::kUpdate] = {[store](Request& req, fw::FieldData&) -> Result<Response> {
                                           ARCA_RETURN_IF_ERROR(store->Revoke(req.client_token));
                                           return NoContent();
                                         },
                                         "Revoke the calling token."};
  out.push_back(std::move(self));

  fw::Path one =
      MakePath("revoke", "Revoke a token and its children.", {{"token", Str("Token to revoke.")}});
  one.operations[Operation::kUpdate] = {[store](Request&, fw::FieldData& d) -> Result<Response> {
                                          std::string token = d.GetString("token");
                                          if (token.empty()) return InvalidRequest("missing token");
                                          ARCA_RETURN_IF_ERROR(store->Revoke(token));
                                          return NoContent();
                                        },
                                        "Revoke a token."};
  out.push_back(std::move(one));

  fw::Path acc = MakePath("revoke-accessor", "Revoke a token and its children by accessor.",
                          {{"accessor", Str("Accessor of the token.")}});
  acc.operations[Operation::kUpdate] = {[store](Request&, fw::FieldData& d) -> Result<Response> {
                                          std::string accessor = d.GetString("accessor");
                                          if (accessor.empty())
                                            return InvalidRequest("missing accessor");
                                          ARCA_ASSIGN_OR_RETURN(auto entry,
                                                                store->LookupByAccessor(accessor));
                                          if (!entry) return InvalidRequest("invalid accessor");
                                          ARCA_RETURN_IF_ERROR(store->RevokeTree(entry->id_hash));
                                          return NoContent();
                                        },
                                        "Revoke a token by accessor."};
  out.push_back(std::move(acc));

  fw::Path orphan = MakePath("revoke-orphan", "Revoke a token; its children become orphans (sudo).",
                             {{"token", Str("Token to revoke.")}});
  orphan.operations[Operation::kUpdate] = {
      [store, sudo](Request& req, fw::FieldData& d) -> Result<Response> {
        if (!sudo(req))
          return InvalidRequest("root or sudo privileges required to revoke and orphan");
        std::string token = d.GetString("token");
        if (token.empty()) return InvalidRequest("missing token");
        ARCA_ASSIGN_OR_RETURN(auto entry, store->Lookup(token));
        if (!entry) return NoContent();
        if (entry->IsBatch()) return InvalidRequest("batch tokens cannot be revoked");
        ARCA_RETURN_IF_ERROR(store->RevokeOrphan(entry->id_hash));
        return NoContent();
      },
      "Revoke a token, keeping its children as orphans."};
  out.push_back(std::move(orphan));
}

}  // namespace

std::shared_ptr<logical::Backend> NewTokenBackend(TokenStore& store,
                                                  const logical::SystemView* system,
                                                  SudoCheck has_sudo,
                                                  TokenIdentityHooks identity) {
  Context ctx;
  ctx.identity = std::move(identity);
  ctx.store = &store;
  ctx.system = system;
  ctx.has_sudo = has_sudo ? std::move(has_sudo)
                          : SudoCheck([](const Request& req) { return req.is_root_token; });

  fw::FrameworkBackend::Options opts;
  opts.type = "token";
  opts.kind = logical::BackendKind::kCredential;
  opts.help = "The token credential backend is always enabled and builtin to Arca.";
  // A read-serving HA standby answers lookups of existing tokens and role reads (core.h,
  // StandbyMayServe); creation, renewal and revocation go to the active node.
  opts.standby_safe = [](Operation op, std::string_view path) {
    if (op == Operation::kList) return path == "roles" || path == "roles/";
    if (op == Operation::kRead) {
      return path == "lookup-self" || path == "lookup" || path.starts_with("roles/");
    }
    if (op != Operation::kUpdate) return false;
    return path == "lookup" || path == "lookup-self" || path == "lookup-accessor";
  };

  AddLookupPaths(ctx, opts.paths);
  for (auto& p : token_paths::CreatePaths(ctx)) opts.paths.push_back(std::move(p));
  AddRenewPaths(ctx, opts.paths);
  AddRevokePaths(ctx, opts.paths);
  for (auto& p : token_paths::RolePaths(ctx)) opts.paths.push_back(std::move(p));

  fw::Path accessors = MakePath("accessors/?", "List the accessors of all tokens (sudo).");
  accessors.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
                                              ARCA_ASSIGN_OR_RETURN(auto list,
                                                                    store.ListAccessors());
                                              return Response::ListResponse(list);
                                            },
                                            "List token accessors."};
  opts.paths.push_back(std::move(accessors));

  fw::Path tidy = MakePath("tidy", "Clean up the token store: dangling indexes, expired tokens.");
  tidy.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
                                           ARCA_RETURN_IF_ERROR(store.Tidy());
                                           Response resp;
                                           resp.warnings.push_back(kTidyWarning);
                                           resp.status_code = 202;
                                           return resp;
                                         },
                                         "Tidy the token store."};
  opts.paths.push_back(std::move(tidy));

  opts.special_paths.root = {"accessors*", "revoke-orphan/*"};
  return std::make_shared<fw::FrameworkBackend>(std::move(opts));
}

}  // namespace arca::core
