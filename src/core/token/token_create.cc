// Token creation: auth/token/create, create-orphan and create/:role_name.
#include <algorithm>
#include <cctype>

#include "core/token/token_paths.h"

namespace arca::core::token_paths {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool MatchesAnyGlob(const std::vector<std::string>& globs, std::string_view s) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return GlobMatch(g, s); });
}

std::string Quoted(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " \"" : "\"") + v[i] + "\"";
  return out + "]";
}

// The lesser of two durations where 0 means "not set".
std::chrono::seconds LesserSet(std::chrono::seconds a, std::chrono::seconds b) {
  if (a.count() == 0) return b;
  if (b.count() == 0) return a;
  return std::min(a, b);
}

// The token's policies: the request's, checked against the role's allowed/disallowed lists
// when a role is used, else against the parent's (subset rule, root parents exempt).
Result<std::vector<std::string>> ResolvePolicies(const TokenEntry& parent, const TokenRole* role,
                                                 std::vector<std::string> requested,
                                                 bool add_default) {
  const bool parent_root = parent.IsRoot();
  std::vector<std::string> final_policies;
  const bool role_allows =
      role && (!role->allowed_policies.empty() || !role->allowed_policies_glob.empty());
  if (role_allows) {
    std::vector<std::string> allowed = SanitizePolicies(role->allowed_policies);
    if (add_default && !Contains(allowed, "default")) allowed.push_back("default");
    if (requested.empty()) {
      final_policies = allowed;
    } else {
      for (const auto& p : requested) {
        if (!Contains(allowed, p) && !MatchesAnyGlob(role->allowed_policies_glob, p)) {
          return InvalidRequest("token policies " + Quoted(requested) +
                                " must be subset of the role's allowed policies " +
                                Quoted(allowed) + " or glob policies " +
                                Quoted(role->allowed_policies_glob));
        }
      }
      final_policies = std::move(requested);
    }
  } else {
    final_policies = requested.empty() ? parent.policies : std::move(requested);
    if (!parent_root) {
      for (const auto& p : final_policies) {
        if (p != "default" && !Contains(parent.policies, p)) {
          return InvalidRequest("child policies must be subset of parent");
        }
      }
    }
  }
  if (role) {
    std::vector<std::string> disallowed = SanitizePolicies(role->disallowed_policies);
    for (const auto& p : final_policies) {
      if (Contains(disallowed, p) || MatchesAnyGlob(role->disallowed_policies_glob, p)) {
        return InvalidRequest("token policy \"" + p + "\" is disallowed by this role");
      }
    }
  }
  if (Contains(final_policies, "root") && !parent_root) {
    return InvalidRequest("root tokens may not be created without parent token being root");
  }
  if (add_default && !Contains(final_policies, "root") && !Contains(final_policies, "default")) {
    final_policies.push_back("default");
  }
  return SanitizePolicies(final_policies);
}

Result<Response> HandleCreate(const Context& ctx, Request& req, fw::FieldData& d,
                              bool orphan_path) {
  TokenStore& store = *ctx.store;
  ARCA_ASSIGN_OR_RETURN(auto parent, store.Lookup(req.client_token));
  if (!parent) return PermissionDenied();
  if (parent->IsBatch()) return InvalidRequest("batch tokens cannot create more tokens");
  const bool sudo = ctx.has_sudo(req);

  std::optional<TokenRole> role;
  if (std::string name = d.GetString("role_name"); !name.empty()) {
    ARCA_ASSIGN_OR_RETURN(role, store.roles().Get(name));
    if (!role) return InvalidRequest("unknown role " + name);
  }
  std::string alias_entity_id;
  std::string alias = d.GetString("entity_alias");
  if (!alias.empty()) {
    // Vault's checks, in its order; then the alias on this (token) mount gives the entity,
    // created with the alias when missing.
    if (!role) return InvalidRequest("'entity_alias' is only allowed in combination with token role");
    if (std::find(role->allowed_entity_aliases.begin(), role->allowed_entity_aliases.end(),
                  alias) == role->allowed_entity_aliases.end()) {
      return InvalidRequest("invalid 'entity_alias' value");
    }
    if (!ctx.identity.entity_for_alias) {
      return InvalidRequest("'entity_alias' needs the identity store");
    }
  }

  std::string type;
  if (role) {
    ARCA_ASSIGN_OR_RETURN(type, role->ResolveType(d.GetString("type")));
  } else {
    type = d.GetString("type");
    if (type.empty()) type = std::string(kServiceTokenType);
    if (type != kServiceTokenType && type != kBatchTokenType) {
      return InvalidRequest("invalid 'type' value \"" + type + "\"");
    }
  }
  const bool batch = type == kBatchTokenType;

  bool add_default = !d.GetBool("no_default_policy");
  if (role && (role->token_no_default_policy ||
               Contains(SanitizePolicies(role->disallowed_policies), "default"))) {
    add_default = false;
  }
  ARCA_ASSIGN_OR_RETURN(
      std::vector<std::string> policies,
      ResolvePolicies(*parent, role ? &*role : nullptr,
                      SanitizePolicies(d.GetStringSlice("policies")), add_default));
  const bool root_child = Contains(policies, "root");
  if (batch && root_child) return InvalidRequest("batch tokens cannot be root tokens");

  std::string id = d.GetString("id");
  if (!id.empty() && !sudo) {
    return InvalidRequest("root or sudo privileges required to specify token id");
  }
  bool orphan = orphan_path || (role && role->orphan);
  if (d.GetBool("no_parent")) {
    if (!sudo && !orphan_path) {
      return InvalidRequest("root or sudo privileges required to create orphan token");
    }
    orphan = true;
  }

  int64_t num_uses = d.GetInt("num_uses");
  if (num_uses < 0) return InvalidRequest("number of uses cannot be negative");
  if (role && role->token_num_uses > 0 && (num_uses == 0 || num_uses > role->token_num_uses)) {
    num_uses = role->token_num_uses;
  }
  if (batch && num_uses > 0) return InvalidRequest("batch tokens cannot have a use limit");

  std::chrono::seconds period = d.GetDuration("period");
  if (period.count() > 0 && !sudo) {
    return InvalidRequest("root or sudo privileges required to create periodic token");
  }
  std::chrono::seconds explicit_max = d.GetDuration("explicit_max_ttl");
  if (role) {
    period = LesserSet(period, role->token_period);
    explicit_max = LesserSet(explicit_max, role->token_explicit_max_ttl);
  }
  if (batch && period.count() > 0) return InvalidRequest("batch tokens cannot be periodic");

  TokenEntry e;
  e.type = type;
  e.policies = std::move(policies);
  e.path = role ? "auth/token/create/" + role->name : "auth/token/" + req.path;
  if (role && !role->path_suffix.empty()) e.path += "/" + role->path_suffix;
  if (role) {
    e.role = role->name;
    e.bound_cidrs = role->token_bound_cidrs;
  }
  for (const auto& kv : d.GetMap("meta")) {
    if (!kv.value().is_string()) return InvalidRequest("meta values must be strings");
    e.meta[std::string(kv.key())] = std::string(kv.value().as_string());
  }
  e.display_name = TokenDisplayName(d.GetString("display_name"));
  e.num_uses = num_uses;
  e.parent = orphan ? "" : parent->id_hash;
  e.entity_id = parent->entity_id;
  if (!alias.empty()) {
    // Last: nothing is created for a request refused by the checks above.
    ARCA_ASSIGN_OR_RETURN(alias_entity_id, ctx.identity.entity_for_alias(alias));
    e.entity_id = alias_entity_id;
  }
  e.renewable =
      !batch && (!d.Has("renewable") || d.GetBool("renewable")) && (!role || role->renewable);
  e.period = period;
  e.explicit_max_ttl = explicit_max;

  std::vector<std::string> warnings;
  std::chrono::seconds ttl;
  if (period.count() > 0) {
    ttl = period;
  } else {
    // `lease` is the deprecated name of `ttl`; `ttl` wins when both are given (as Vault).
    ttl = d.Has("ttl") || !d.Has("lease") ? d.GetDuration("ttl") : d.GetDuration("lease");
    const auto max = ctx.system ? ctx.system->MaxLeaseTtl() : std::chrono::seconds(768 * 3600);
    if (ttl.count() == 0 && !root_child) ttl = ctx.system ? ctx.system->DefaultLeaseTtl() : max;
    if (ttl > max && !root_child && max.count() > 0) {
      warnings.push_back("TTL of \"" + std::to_string(ttl.count()) +
                         "s\" exceeded the effective max_ttl of \"" + std::to_string(max.count()) +
                         "s\"; TTL value is capped accordingly");
      ttl = max;
    }
  }
  if (explicit_max.count() > 0 && (ttl.count() == 0 || ttl > explicit_max)) ttl = explicit_max;
  // Only a root token gets no TTL: a parent that expires may not outlive itself that way.
  if (ttl.count() == 0 && parent->ttl.count() != 0) {
    return InvalidRequest("expiring root tokens cannot create non-expiring root tokens");
  }
  e.ttl = ttl;

  ARCA_ASSIGN_OR_RETURN(std::string token, store.CreateToken(e, id));
  ARCA_ASSIGN_OR_RETURN(auto created, store.Lookup(token));
  if (!created) return Internal("token vanished after creation");
  Response resp = AuthResponse(*created, token, created->ttl);
  resp.warnings = std::move(warnings);
  return resp;
}

fw::FieldMap CreateFields() {
  fw::FieldMap f;
  f["id"] = {fw::FieldType::kString, "Token ID (sudo only); may not contain '.'."};
  f["role_name"] = {fw::FieldType::kString, "Token role to create the token from."};
  f["policies"] = {
      fw::FieldType::kCommaStringSlice,
      "Policies of the token: a subset of the caller's (or of the role's allowed policies)."};
  f["meta"] = {fw::FieldType::kMap, "Metadata (string values)."};
  f["no_parent"] = {fw::FieldType::kBool, "Create an orphan token (sudo)."};
  f["no_default_policy"] = {fw::FieldType::kBool, "Do not attach the default policy."};
  f["renewable"] = {fw::FieldType::kBool, "Whether the token is renewable (default true)."};
  f["ttl"] = {fw::FieldType::kDuration, "Time to live (default: the mount's default TTL)."};
  f["explicit_max_ttl"] = {fw::FieldType::kDuration, "Hard limit on the token's life."};
  f["display_name"] = {fw::FieldType::kString, "Display name (prefixed with \"token-\")."};
  f["num_uses"] = {fw::FieldType::kInt, "Number of uses; 0 = unlimited."};
  f["period"] = {fw::FieldType::kDuration, "Renewal period of a periodic token (sudo)."};
  f["type"] = {fw::FieldType::kString, "service or batch."};
  f["entity_alias"] = {fw::FieldType::kString,
                       "Entity alias (with a role that allows it; needs the identity store)."};
  f["lease"] = {fw::FieldType::kDuration, "Deprecated: use ttl."};
  return f;
}

}  // namespace

std::string TokenDisplayName(std::string_view requested) {
  if (requested.empty()) return "token";
  std::string full = "token-" + std::string(requested);
  for (auto& c : full) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '-';
  }
  while (full.ends_with('-')) full.pop_back();
  return full;
}

std::vector<fw::Path> CreatePaths(const Context& ctx) {
  std::vector<fw::Path> out;
  fw::Path create;
  create.pattern = "create";
  create.help_synopsis = "Create a token: a child of the calling token.";
  create.fields = CreateFields();
  create.operations[Operation::kUpdate] = {
      [ctx](Request& req, fw::FieldData& d) { return HandleCreate(ctx, req, d, false); },
      "Create a token."};
  out.push_back(create);

  fw::Path orphan = create;
  orphan.pattern = "create-orphan";
  orphan.help_synopsis = "Create a token with no parent (it outlives its creator).";
  orphan.operations[Operation::kUpdate] = {
      [ctx](Request& req, fw::FieldData& d) { return HandleCreate(ctx, req, d, true); },
      "Create an orphan token."};
  out.push_back(std::move(orphan));

  fw::Path role = std::move(create);
  role.pattern = "create/" + fw::GenericNameRegex("role_name");
  role.help_synopsis = "Create a token from a token role.";
  role.operations[Operation::kUpdate] = {
      [ctx](Request& req, fw::FieldData& d) { return HandleCreate(ctx, req, d, false); },
      "Create a token from a role."};
  out.push_back(std::move(role));
  return out;
}

}  // namespace arca::core::token_paths
