#include "core/token/token_backend.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/token/token_store.h"
#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

std::string UnixToRfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::object LookupData(const TokenEntry& e, std::string_view id) {
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
  json::array pol;
  for (const auto& p : e.policies) pol.emplace_back(p);
  d["policies"] = std::move(pol);
  d["renewable"] = e.renewable && e.expire_time > 0;
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  d["ttl"] = e.expire_time > 0 ? std::max<int64_t>(0, e.expire_time - now) : 0;
  if (e.expire_time > 0) d["expire_time"] = UnixToRfc3339(e.expire_time);
  d["type"] = e.type;
  return d;
}

}  // namespace

// The `auth` block of a create or renew response.
Response AuthResponse(const TokenEntry& e, std::string_view token, std::chrono::seconds ttl) {
  logical::Auth auth;
  auth.client_token = std::string(token);
  auth.accessor = e.accessor;
  auth.policies = e.policies;
  auth.token_policies = e.policies;
  auth.metadata = e.meta;
  auth.lease_duration = ttl;
  auth.renewable = e.renewable && e.expire_time > 0;
  auth.token_type = e.type;
  auth.orphan = e.orphan;
  auth.num_uses = static_cast<int>(e.num_uses);
  Response resp;
  resp.auth = std::move(auth);
  return resp;
}

Result<Response> CreateToken(TokenStore& store, const logical::SystemView* system, Request& req,
                             fw::FieldData& d, bool orphan_path) {
  ARCA_ASSIGN_OR_RETURN(auto parent, store.Lookup(req.client_token));
  if (!parent) return PermissionDenied();
  const bool parent_root = parent->IsRoot();

  std::vector<std::string> policies;
  for (auto& p : d.GetStringSlice("policies")) {
    std::string lower = p;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!lower.empty() && std::find(policies.begin(), policies.end(), lower) == policies.end()) {
      policies.push_back(lower);
    }
  }
  if (policies.empty()) policies = parent->policies;
  if (!parent_root) {
    for (const auto& p : policies) {
      if (p == "default") continue;
      if (std::find(parent->policies.begin(), parent->policies.end(), p) == parent->policies.end()) {
        return InvalidRequest("child policies must be subset of parent");
      }
    }
  }
  bool is_root_child = std::find(policies.begin(), policies.end(), "root") != policies.end();
  if (!d.GetBool("no_default_policy") && !is_root_child &&
      std::find(policies.begin(), policies.end(), "default") == policies.end()) {
    policies.push_back("default");
  }
  if (!d.GetString("id").empty() && !parent_root) {
    return InvalidRequest("root or sudo privileges required to specify token id");
  }
  if (d.GetBool("no_parent") && !parent_root && !orphan_path) {
    return InvalidRequest("root or sudo privileges required to create orphan token");
  }
  int64_t num_uses = d.GetInt("num_uses");
  if (num_uses < 0) return InvalidRequest("number of uses cannot be negative");
  std::string type = d.GetString("type");
  if (type.empty()) type = "service";
  if (type != "service") return InvalidRequest("token type "" + type + "" is not supported yet");

  TokenEntry e;
  e.policies = policies;
  e.path = "auth/token/create";
  for (const auto& kv : d.GetMap("meta")) {
    if (!kv.value().is_string()) return InvalidRequest("meta values must be strings");
    e.meta[std::string(kv.key())] = std::string(kv.value().as_string());
  }
  std::string display = d.GetString("display_name");
  e.display_name = display.empty() ? "token" : "token-" + display;
  e.num_uses = num_uses;
  e.orphan = orphan_path || d.GetBool("no_parent");
  e.renewable = !d.Has("renewable") || d.GetBool("renewable");
  auto ttl = d.GetDuration("ttl");
  auto explicit_max = d.GetDuration("explicit_max_ttl");
  auto max = system ? system->MaxLeaseTtl() : std::chrono::seconds(768 * 3600);
  if (ttl.count() == 0 && !is_root_child) ttl = system ? system->DefaultLeaseTtl() : max;
  if (explicit_max.count() > 0 && (ttl.count() == 0 || ttl > explicit_max)) ttl = explicit_max;
  if (ttl > max && !is_root_child) ttl = max;
  e.ttl = ttl;
  e.explicit_max_ttl = explicit_max;
  ARCA_ASSIGN_OR_RETURN(std::string token, store.CreateToken(e, d.GetString("id")));
  ARCA_ASSIGN_OR_RETURN(auto created, store.Lookup(token));
  if (!created) return Internal("token vanished after creation");

  return AuthResponse(*created, token, created->ttl);
}

std::shared_ptr<logical::Backend> NewTokenBackend(TokenStore& store,
                                                  const logical::SystemView* system) {
  fw::FrameworkBackend::Options opts;
  opts.type = "token";
  opts.kind = logical::BackendKind::kCredential;
  opts.help = "The token credential backend is always enabled and builtin to Arca.";

  auto lookup_token = [&store](std::string_view token) -> Result<Response> {
    if (token.empty()) return InvalidRequest("missing token");
    ARCA_ASSIGN_OR_RETURN(auto entry, store.Lookup(token));
    if (!entry) return InvalidRequest("bad token");
    return Response::WithData(LookupData(*entry, token));
  };

  fw::Path self;
  self.pattern = "lookup-self";
  self.help_synopsis = "Display information about the calling token.";
  self.operations[Operation::kRead] = {[lookup_token](Request& req, fw::FieldData&) {
    return lookup_token(req.client_token);
  }, "Look up the calling token."};
  opts.paths.push_back(std::move(self));

  fw::Path lookup;
  lookup.pattern = "lookup";
  lookup.help_synopsis = "Display information about a token.";
  lookup.fields["token"] = fw::FieldSchema{fw::FieldType::kString, "Token to look up."};
  auto by_field = [lookup_token](Request&, fw::FieldData& d) {
    return lookup_token(d.GetString("token"));
  };
  lookup.operations[Operation::kUpdate] = {by_field, "Look up a token."};
  lookup.operations[Operation::kRead] = {by_field, "Look up a token (deprecated form)."};
  opts.paths.push_back(std::move(lookup));

  fw::Path accessor;
  accessor.pattern = "lookup-accessor";
  accessor.help_synopsis = "Display information about a token by its accessor.";
  accessor.fields["accessor"] = fw::FieldSchema{fw::FieldType::kString, "Accessor of the token."};
  accessor.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
    std::string acc = d.GetString("accessor");
    if (acc.empty()) return InvalidRequest("missing accessor");
    ARCA_ASSIGN_OR_RETURN(auto entry, store.LookupByAccessor(acc));
    if (!entry) return InvalidRequest("invalid accessor");
    return Response::WithData(LookupData(*entry, ""));
  }, "Look up a token by accessor."};
  opts.paths.push_back(std::move(accessor));

  fw::Path create;
  create.pattern = "create";
  create.help_synopsis = "Create a token: a child of the calling token.";
  create.fields["id"] = fw::FieldSchema{fw::FieldType::kString, "Token ID (root only)."};
  create.fields["policies"] = fw::FieldSchema{fw::FieldType::kCommaStringSlice, "Policies of the token; a subset of the caller's unless the caller is root."};
  create.fields["meta"] = fw::FieldSchema{fw::FieldType::kMap, "Metadata (string values)."};
  create.fields["no_parent"] = fw::FieldSchema{fw::FieldType::kBool, "Create an orphan token (root only)."};
  create.fields["no_default_policy"] = fw::FieldSchema{fw::FieldType::kBool, "Do not attach the default policy."};
  create.fields["renewable"] = fw::FieldSchema{fw::FieldType::kBool, "Whether the token is renewable."};
  create.fields["ttl"] = fw::FieldSchema{fw::FieldType::kDuration, "Time to live."};
  create.fields["explicit_max_ttl"] = fw::FieldSchema{fw::FieldType::kDuration, "Hard limit on the token's life."};
  create.fields["display_name"] = fw::FieldSchema{fw::FieldType::kString, "Display name."};
  create.fields["num_uses"] = fw::FieldSchema{fw::FieldType::kInt, "Number of uses; 0 = unlimited."};
  create.fields["period"] = fw::FieldSchema{fw::FieldType::kDuration, "Period (not supported yet)."};
  create.fields["type"] = fw::FieldSchema{fw::FieldType::kString, "service (batch not supported yet)."};
  create.fields["entity_alias"] = fw::FieldSchema{fw::FieldType::kString, "Entity alias (not supported yet)."};
  fw::Path create_orphan = create;
  create.operations[Operation::kUpdate] = {[&store, system](Request& req, fw::FieldData& d) {
    return CreateToken(store, system, req, d, false);
  }, "Create a token."};
  opts.paths.push_back(std::move(create));
  create_orphan.pattern = "create-orphan";
  create_orphan.help_synopsis = "Create a token with no parent (it outlives its creator).";
  create_orphan.operations[Operation::kUpdate] = {[&store, system](Request& req, fw::FieldData& d) {
    return CreateToken(store, system, req, d, true);
  }, "Create an orphan token."};
  opts.paths.push_back(std::move(create_orphan));

  fw::Path accessors;
  accessors.pattern = "accessors/?";
  accessors.help_synopsis = "List the accessors of all tokens (sudo).";
  accessors.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto list, store.ListAccessors());
    return Response::ListResponse(list);
  }, "List token accessors."};
  opts.paths.push_back(std::move(accessors));
  opts.special_paths.root = {"accessors*", "revoke-orphan/*"};

  auto renew = [&store, system](std::string_view token, fw::FieldData& d) -> Result<Response> {
    if (token.empty()) return InvalidRequest("missing token");
    auto max = system ? system->MaxLeaseTtl() : std::chrono::seconds(0);
    ARCA_ASSIGN_OR_RETURN(auto ttl, store.Renew(token, d.GetDuration("increment"), max));
    ARCA_ASSIGN_OR_RETURN(auto entry, store.Lookup(token));
    if (!entry) return InvalidRequest("invalid token");
    return AuthResponse(*entry, token, ttl);
  };
  fw::Path renew_self;
  renew_self.pattern = "renew-self";
  renew_self.help_synopsis = "Renew the calling token.";
  renew_self.fields["increment"] = fw::FieldSchema{fw::FieldType::kDuration, "Requested extension (default: the token's TTL)."};
  renew_self.operations[Operation::kUpdate] = {[renew](Request& req, fw::FieldData& d) {
    return renew(req.client_token, d);
  }, "Renew the calling token."};
  opts.paths.push_back(std::move(renew_self));
  fw::Path renew_one;
  renew_one.pattern = "renew";
  renew_one.help_synopsis = "Renew a token.";
  renew_one.fields["token"] = fw::FieldSchema{fw::FieldType::kString, "Token to renew."};
  renew_one.fields["increment"] = fw::FieldSchema{fw::FieldType::kDuration, "Requested extension (default: the token's TTL)."};
  renew_one.operations[Operation::kUpdate] = {[renew](Request&, fw::FieldData& d) {
    return renew(d.GetString("token"), d);
  }, "Renew a token."};
  opts.paths.push_back(std::move(renew_one));

  fw::Path revoke_self;
  revoke_self.pattern = "revoke-self";
  revoke_self.help_synopsis = "Revoke the calling token.";
  revoke_self.operations[Operation::kUpdate] = {[&store](Request& req, fw::FieldData&) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(store.Revoke(req.client_token));
    return Response{};
  }, "Revoke the calling token."};
  opts.paths.push_back(std::move(revoke_self));

  fw::Path revoke;
  revoke.pattern = "revoke";
  revoke.help_synopsis = "Revoke a token.";
  revoke.fields["token"] = fw::FieldSchema{fw::FieldType::kString, "Token to revoke."};
  revoke.operations[Operation::kUpdate] = {[&store](Request&, fw::FieldData& d) -> Result<Response> {
    std::string token = d.GetString("token");
    if (token.empty()) return InvalidRequest("missing token");
    ARCA_RETURN_IF_ERROR(store.Revoke(token));
    return Response{};
  }, "Revoke a token."};
  opts.paths.push_back(std::move(revoke));

  return std::make_shared<fw::FrameworkBackend>(std::move(opts));
}

}  // namespace arca::core
