// Token role management: auth/token/roles/:role_name (read, create/update, delete) and
// LIST auth/token/roles. Writes update only the fields given (a new role starts from the
// defaults); invalid input changes nothing.
#include <algorithm>

#include "core/token/token_paths.h"

namespace arca::core::token_paths {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;

std::vector<std::string> Deduped(std::vector<std::string> v) {
  std::erase_if(v, [](const std::string& s) { return s.empty(); });
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Applies the given fields of a write to `role`. `preferred` wins over its deprecated alias.
void ApplyFields(const fw::FieldData& d, TokenRole& role) {
  auto slice = [&](const char* name, std::vector<std::string>& out, bool policies) {
    if (!d.Has(name)) return;
    out = policies ? SanitizePolicies(d.GetStringSlice(name)) : Deduped(d.GetStringSlice(name));
  };
  slice("allowed_policies", role.allowed_policies, true);
  slice("disallowed_policies", role.disallowed_policies, true);
  slice("allowed_policies_glob", role.allowed_policies_glob, true);
  slice("disallowed_policies_glob", role.disallowed_policies_glob, true);
  slice("allowed_entity_aliases", role.allowed_entity_aliases, false);
  if (d.Has("orphan")) role.orphan = d.GetBool("orphan");
  if (d.Has("renewable")) role.renewable = d.GetBool("renewable");
  if (d.Has("path_suffix")) role.path_suffix = d.GetString("path_suffix");
  if (d.Has("token_type")) {
    role.token_type = d.GetString("token_type");
    if (role.token_type == "default" || role.token_type.empty()) {
      role.token_type = "default-service";
    }
  }
  auto duration = [&](const char* preferred, const char* alias, std::chrono::seconds& out) {
    if (d.Has(preferred)) {
      out = d.GetDuration(preferred);
    } else if (d.Has(alias)) {
      out = d.GetDuration(alias);
    }
  };
  duration("token_period", "period", role.token_period);
  duration("token_explicit_max_ttl", "explicit_max_ttl", role.token_explicit_max_ttl);
  if (d.Has("token_no_default_policy")) {
    role.token_no_default_policy = d.GetBool("token_no_default_policy");
  }
  if (d.Has("token_bound_cidrs")) {
    role.token_bound_cidrs = Deduped(d.GetStringSlice("token_bound_cidrs"));
  } else if (d.Has("bound_cidrs")) {
    role.token_bound_cidrs = Deduped(d.GetStringSlice("bound_cidrs"));
  }
  if (d.Has("token_num_uses")) role.token_num_uses = d.GetInt("token_num_uses");
}

fw::FieldMap RoleFields() {
  using fw::FieldType;
  fw::FieldMap f;
  f["role_name"] = {FieldType::kString, "Name of the role."};
  f["allowed_policies"] = {
      FieldType::kCommaStringSlice,
      "Policies tokens of this role may have (instead of a subset of the parent's)."};
  f["disallowed_policies"] = {FieldType::kCommaStringSlice,
                              "Policies tokens of this role may never have."};
  f["allowed_policies_glob"] = {FieldType::kCommaStringSlice,
                                "As allowed_policies, with '*' globs."};
  f["disallowed_policies_glob"] = {FieldType::kCommaStringSlice,
                                   "As disallowed_policies, with '*' globs."};
  f["allowed_entity_aliases"] = {FieldType::kCommaStringSlice,
                                 "Entity aliases allowed at creation (stored only)."};
  f["orphan"] = {FieldType::kBool, "Tokens of this role are orphans."};
  f["renewable"] = {FieldType::kBool, "Tokens of this role are renewable (default true)."};
  f["path_suffix"] = {FieldType::kString, "Appended to the tokens' creation path."};
  f["token_type"] = {FieldType::kString, "service, batch, default-service or default-batch."};
  f["token_period"] = {FieldType::kDuration, "Period of the tokens (periodic tokens)."};
  f["period"] = {FieldType::kDuration, "Deprecated: use token_period.", {}, false, {}, true};
  f["token_explicit_max_ttl"] = {FieldType::kDuration, "Hard limit on the tokens' lives."};
  f["explicit_max_ttl"] = {
      FieldType::kDuration, "Deprecated: use token_explicit_max_ttl.", {}, false, {}, true};
  f["token_no_default_policy"] = {FieldType::kBool, "Do not attach the default policy."};
  f["token_bound_cidrs"] = {FieldType::kCommaStringSlice,
                            "CIDR blocks the tokens may be used from."};
  f["bound_cidrs"] = {
      FieldType::kCommaStringSlice, "Deprecated: use token_bound_cidrs.", {}, false, {}, true};
  f["token_num_uses"] = {FieldType::kInt, "Use limit of the tokens; 0 = unlimited."};
  return f;
}

}  // namespace

std::vector<fw::Path> RolePaths(const Context& ctx) {
  TokenStore* store = ctx.store;
  std::vector<fw::Path> out;

  fw::Path list;
  list.pattern = "roles/?";
  list.help_synopsis = "List the token roles.";
  list.operations[Operation::kList] = {[store](Request&, fw::FieldData&) -> Result<Response> {
                                         ARCA_ASSIGN_OR_RETURN(auto names, store->roles().List());
                                         return Response::ListResponse(names);
                                       },
                                       "List token roles."};
  out.push_back(std::move(list));

  fw::Path role;
  role.pattern = "roles/" + fw::GenericNameRegex("role_name");
  role.help_synopsis = "Create, read, update or delete a token role.";
  role.fields = RoleFields();
  role.existence_check = [store](Request&, fw::FieldData& d) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(auto r, store->roles().Get(d.GetString("role_name")));
    return r.has_value();
  };
  role.operations[Operation::kRead] = {
      [store](Request&, fw::FieldData& d) -> Result<Response> {
        ARCA_ASSIGN_OR_RETURN(auto r, store->roles().Get(d.GetString("role_name")));
        if (!r) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
        return Response::WithData(r->ToJson());
      },
      "Read a token role."};
  auto write = [store](Request&, fw::FieldData& d) -> Result<Response> {
    std::string name = d.GetString("role_name");
    ARCA_ASSIGN_OR_RETURN(auto existing, store->roles().Get(name));
    TokenRole r = existing ? *existing : TokenRole{};
    r.name = name;
    ApplyFields(d, r);
    ARCA_RETURN_IF_ERROR(r.Validate());
    ARCA_RETURN_IF_ERROR(store->roles().Put(r));
    return Response{};
  };
  role.operations[Operation::kCreate] = {write, "Create a token role."};
  role.operations[Operation::kUpdate] = {write, "Update a token role."};
  role.operations[Operation::kDelete] = {
      [store](Request&, fw::FieldData& d) -> Result<Response> {
        ARCA_RETURN_IF_ERROR(store->roles().Delete(d.GetString("role_name")));
        return Response{};
      },
      "Delete a token role."};
  out.push_back(std::move(role));
  return out;
}

}  // namespace arca::core::token_paths
