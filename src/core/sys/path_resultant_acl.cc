// sys/internal/ui/resultant-acl: the caller's merged ACL in Vault's shape: exact_paths and
// glob_paths (a prefix rule "a/*" listed as "a/", a '+' rule under its pattern), each with its
// capabilities and constraints, and root.
#include "core/policy/acl.h"
#include "core/policy_store.h"
#include "core/sys/paths.h"

namespace arca::core::sys {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
namespace fw = logical::framework;

json::object ParamMap(const std::map<std::string, std::vector<json::value>>& m) {
  json::object o;
  for (const auto& [k, vals] : m) {
    json::array a;
    for (const auto& v : vals) a.push_back(v);
    o[k] = std::move(a);
  }
  return o;
}

json::object RuleJson(const policy::PathRules& r) {
  json::object o;
  json::array caps;
  for (const auto& c : policy::Acl::CapabilityNames(r.capabilities)) caps.emplace_back(c);
  o["capabilities"] = std::move(caps);
  if (!r.allowed_parameters.empty()) o["allowed_parameters"] = ParamMap(r.allowed_parameters);
  if (!r.denied_parameters.empty()) o["denied_parameters"] = ParamMap(r.denied_parameters);
  if (!r.required_parameters.empty()) {
    json::array req;
    for (const auto& p : r.required_parameters) req.emplace_back(p);
    o["required_parameters"] = std::move(req);
  }
  if (r.min_wrapping_ttl.count() > 0) o["min_wrapping_ttl"] = r.min_wrapping_ttl.count();
  if (r.max_wrapping_ttl.count() > 0) o["max_wrapping_ttl"] = r.max_wrapping_ttl.count();
  return o;
}

}  // namespace

std::vector<fw::Path> ResultantAclPaths(Core& core) {
  fw::Path p;
  p.pattern = "internal/ui/resultant-acl";
  p.help_synopsis = "Information about the caller's merged ACL, for the UI.";
  p.operations[Operation::kRead] = {[&core](Request& req, fw::FieldData&) -> Result<Response> {
    if (req.client_token_accessor.empty() && !req.is_root_token) return PermissionDenied();
    json::object exact, glob;
    bool root = req.is_root_token;
    if (!root) {
      ARCA_ASSIGN_OR_RETURN(auto acl, core.policies().AclFor(req.policies, req.entity_id));
      root = acl->is_root();
      if (!root) {
        acl->ForEachRule([&](const policy::Acl::Rule& rule) {
          const std::string& pat = rule.rules.pattern;
          if (pat.ends_with('*')) {
            glob[pat.substr(0, pat.size() - 1)] = RuleJson(rule.rules);
          } else if (pat.find('+') != std::string::npos) {
            glob[pat] = RuleJson(rule.rules);
          } else {
            exact[pat] = RuleJson(rule.rules);
          }
        });
      }
    }
    json::object d;
    d["exact_paths"] = std::move(exact);
    d["glob_paths"] = std::move(glob);
    d["root"] = root;
    return Response::WithData(std::move(d));
  }, "Read the caller's resultant ACL."};
  std::vector<fw::Path> out;
  out.push_back(std::move(p));
  return out;
}

}  // namespace arca::core::sys
