// sys/policy (legacy), sys/policies/acl, sys/capabilities, sys/capabilities-self,
// sys/capabilities-accessor.
#include <algorithm>

#include "common/encoding.h"
#include "core/policy_store.h"
#include "core/sys/paths.h"
#include "core/token/token_store.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Policy text may be sent base64-encoded (sys/policies/acl accepts both).
std::string MaybeBase64(const std::string& text) {
  if (text.find_first_of("{}\"# \n") != std::string::npos) return text;
  auto decoded = Base64Decode(text);
  return decoded ? *decoded : text;
}

// {capabilities: [...], "<path>": [...]} for a token's policies.
Result<Response> CapabilitiesFor(Core& core, const std::vector<std::string>& policies, bool root,
                                 std::string_view entity_id, fw::FieldData& d) {
  std::vector<std::string> paths = d.GetStringSlice("paths");
  if (std::string p = d.GetString("path"); !p.empty()) paths.push_back(p);
  if (paths.empty()) return InvalidRequest("missing paths");
  json::object out;
  std::shared_ptr<const policy::Acl> acl;
  if (!root) {
    ARCA_ASSIGN_OR_RETURN(acl, core.policies().AclFor(policies, entity_id));
  }
  json::array last;
  for (auto p : paths) {
    while (!p.empty() && p.front() == '/') p.erase(p.begin());
    uint32_t caps = root ? policy::kRoot : acl->Capabilities(p);
    json::array names = ToArray(policy::CapabilityNames(caps));
    out[p] = names;
    last = names;
  }
  if (paths.size() == 1) out["capabilities"] = last;
  Response r = Response::WithData(std::move(out));
  r.data_at_top_level = true;
  return r;
}

}  // namespace

std::vector<fw::Path> PolicyPaths(Core& core) {
  std::vector<fw::Path> paths;
  PolicyStore& store = core.policies();

  fw::Path legacy_list;
  legacy_list.pattern = "policy/?";
  legacy_list.help_synopsis = "List the configured access control policies.";
  legacy_list.operations[Operation::kRead] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto names, store.List());
    json::object d;
    d["policies"] = ToArray(names);
    d["keys"] = ToArray(names);
    Response r = Response::WithData(std::move(d));
    r.data_at_top_level = true;
    return r;
  }, "List policies."};
  legacy_list.operations[Operation::kList] = legacy_list.operations[Operation::kRead];
  paths.push_back(std::move(legacy_list));

  auto read_policy = [&store](std::string_view key_name) {
    return [&store, key = std::string(key_name)](Request&, fw::FieldData& d) -> Result<Response> {
      ARCA_ASSIGN_OR_RETURN(auto p, store.Get(d.GetString("name")));
      if (!p) return std::unexpected(Error(ErrorKind::kNotFound, std::vector<std::string>{}));
      json::object out;
      out["name"] = p->name;
      out[key] = p->name == "root" ? std::string() : p->raw;
      Response r = Response::WithData(std::move(out));
      r.data_at_top_level = true;
      return r;
    };
  };
  auto write_policy = [&store](Request&, fw::FieldData& d) -> Result<Response> {
    std::string text = d.GetString("policy");
    if (text.empty()) text = d.GetString("rules");
    ARCA_RETURN_IF_ERROR(store.Put(d.GetString("name"), MaybeBase64(text)));
    return Response{};
  };
  auto delete_policy = [&store](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_RETURN_IF_ERROR(store.Delete(d.GetString("name")));
    return Response{};
  };

  fw::Path legacy_one;
  legacy_one.pattern = "policy/(?<name>.+)";
  legacy_one.help_synopsis = "Read, write or delete an access control policy.";
  legacy_one.fields["name"] = Field(fw::FieldType::kString, "Name of the policy.");
  legacy_one.fields["policy"] = Field(fw::FieldType::kString, "The policy document (HCL or JSON).");
  legacy_one.fields["rules"] = Field(fw::FieldType::kString, "Deprecated name of policy.");
  legacy_one.operations[Operation::kRead] = {read_policy("rules"), "Read a policy."};
  legacy_one.operations[Operation::kUpdate] = {write_policy, "Write a policy."};
  legacy_one.operations[Operation::kDelete] = {delete_policy, "Delete a policy."};
  paths.push_back(std::move(legacy_one));

  fw::Path acl_list;
  acl_list.pattern = "policies/acl/?";
  acl_list.help_synopsis = "List the configured ACL policies.";
  acl_list.operations[Operation::kList] = {[&store](Request&, fw::FieldData&) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto names, store.List());
    return Response::ListResponse(names);
  }, "List ACL policies."};
  paths.push_back(std::move(acl_list));

  fw::Path acl_one;
  acl_one.pattern = "policies/acl/(?<name>.+)";
  acl_one.help_synopsis = "Read, write or delete an ACL policy.";
  acl_one.fields["name"] = Field(fw::FieldType::kString, "Name of the policy.");
  acl_one.fields["policy"] = Field(fw::FieldType::kString, "The policy document (HCL or JSON, may be base64).");
  acl_one.operations[Operation::kRead] = {read_policy("policy"), "Read an ACL policy."};
  acl_one.operations[Operation::kUpdate] = {write_policy, "Write an ACL policy."};
  acl_one.operations[Operation::kDelete] = {delete_policy, "Delete an ACL policy."};
  paths.push_back(std::move(acl_one));

  auto cap_fields = [](fw::Path& p) {
    p.fields["path"] = Field(fw::FieldType::kString, "Deprecated: one path.");
    p.fields["paths"] = Field(fw::FieldType::kCommaStringSlice, "Paths to check.");
  };

  fw::Path self;
  self.pattern = "capabilities-self";
  self.help_synopsis = "Capabilities of the calling token on paths.";
  cap_fields(self);
  self.operations[Operation::kUpdate] = {[&core](Request& req, fw::FieldData& d) {
    return CapabilitiesFor(core, req.policies, req.is_root_token, req.entity_id, d);
  }, "Capabilities of the caller."};
  paths.push_back(std::move(self));

  fw::Path by_token;
  by_token.pattern = "capabilities";
  by_token.help_synopsis = "Capabilities of a token on paths.";
  cap_fields(by_token);
  by_token.fields["token"] = Field(fw::FieldType::kString, "The token to check.");
  by_token.operations[Operation::kUpdate] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto entry, core.tokens().Lookup(d.GetString("token")));
    if (!entry) return InvalidRequest("invalid token");
    return CapabilitiesFor(core, entry->policies, entry->IsRoot(), entry->entity_id, d);
  }, "Capabilities of a token."};
  paths.push_back(std::move(by_token));

  fw::Path by_accessor;
  by_accessor.pattern = "capabilities-accessor";
  by_accessor.help_synopsis = "Capabilities of a token, by accessor, on paths.";
  cap_fields(by_accessor);
  by_accessor.fields["accessor"] = Field(fw::FieldType::kString, "Accessor of the token.");
  by_accessor.operations[Operation::kUpdate] = {[&core](Request&, fw::FieldData& d) -> Result<Response> {
    ARCA_ASSIGN_OR_RETURN(auto entry, core.tokens().LookupByAccessor(d.GetString("accessor")));
    if (!entry) return InvalidRequest("invalid accessor");
    return CapabilitiesFor(core, entry->policies, entry->IsRoot(), entry->entity_id, d);
  }, "Capabilities of a token by accessor."};
  paths.push_back(std::move(by_accessor));
  return paths;
}

}  // namespace arca::core::sys
