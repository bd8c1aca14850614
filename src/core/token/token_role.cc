#include "core/token/token_role.h"

#include <algorithm>
#include <cctype>

#include "core/token/token_entry.h"

namespace arca::core {
namespace {

constexpr std::string_view kRolePrefix = "roles/";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::vector<std::string> FromArray(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

bool KnownRoleType(std::string_view t) {
  return t == "service" || t == "batch" || t == "default-service" || t == "default-batch";
}

}  // namespace

std::vector<std::string> SanitizePolicies(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& p : in) {
    std::string_view s = p;
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    if (!s.empty()) out.push_back(Lower(s));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status TokenRole::Validate() const {
  if (!KnownRoleType(token_type)) {
    return InvalidRequest("invalid 'token_type' value \"" + token_type + "\"");
  }
  if (token_type == "batch") {
    if (renewable) {
      return InvalidRequest(
          "'token_type' cannot be 'batch' when role is set to generate renewable tokens");
    }
    if (token_period.count() > 0) {
      return InvalidRequest(
          "'token_type' cannot be 'batch' when role is set to generate periodic tokens");
    }
    if (token_num_uses > 0) {
      return InvalidRequest(
          "'token_type' cannot be 'batch' when role is set to generate tokens with a use limit");
    }
  }
  if (path_suffix.find("..") != std::string::npos) {
    return InvalidRequest("error registering path suffix: invalid path suffix");
  }
  if (token_num_uses < 0) return InvalidRequest("token_num_uses cannot be negative");
  for (const auto& c : token_bound_cidrs) {
    if (!ValidCidr(c))
      return InvalidRequest("invalid CIDR block \"" + c + "\" in token_bound_cidrs");
  }
  return OkStatus();
}

Result<std::string> TokenRole::ResolveType(std::string_view requested) const {
  if (!requested.empty() && requested != "service" && requested != "batch") {
    return InvalidRequest("invalid 'type' value \"" + std::string(requested) + "\"");
  }
  if (token_type == "service" || token_type == "batch") return token_type;
  if (!requested.empty()) return std::string(requested);
  return token_type == "default-batch" ? std::string("batch") : std::string("service");
}

json::object TokenRole::ToJson() const {
  json::object o;
  o["name"] = name;
  o["allowed_policies"] = ToArray(allowed_policies);
  o["disallowed_policies"] = ToArray(disallowed_policies);
  o["allowed_policies_glob"] = ToArray(allowed_policies_glob);
  o["disallowed_policies_glob"] = ToArray(disallowed_policies_glob);
  o["allowed_entity_aliases"] = ToArray(allowed_entity_aliases);
  o["orphan"] = orphan;
  o["renewable"] = renewable;
  o["path_suffix"] = path_suffix;
  o["token_type"] = token_type;
  o["token_period"] = token_period.count();
  o["period"] = token_period.count();
  o["token_explicit_max_ttl"] = token_explicit_max_ttl.count();
  o["explicit_max_ttl"] = token_explicit_max_ttl.count();
  o["token_no_default_policy"] = token_no_default_policy;
  o["token_bound_cidrs"] = ToArray(token_bound_cidrs);
  o["token_num_uses"] = token_num_uses;
  return o;
}

Result<TokenRole> TokenRole::FromJson(const json::object& o) {
  TokenRole r;
  try {
    r.name = std::string(o.at("name").as_string());
    r.allowed_policies = FromArray(o.at("allowed_policies"));
    r.disallowed_policies = FromArray(o.at("disallowed_policies"));
    r.allowed_policies_glob = FromArray(o.at("allowed_policies_glob"));
    r.disallowed_policies_glob = FromArray(o.at("disallowed_policies_glob"));
    r.allowed_entity_aliases = FromArray(o.at("allowed_entity_aliases"));
    r.orphan = o.at("orphan").as_bool();
    r.renewable = o.at("renewable").as_bool();
    r.path_suffix = std::string(o.at("path_suffix").as_string());
    r.token_type = std::string(o.at("token_type").as_string());
    r.token_period = std::chrono::seconds(o.at("token_period").to_number<int64_t>());
    r.token_explicit_max_ttl =
        std::chrono::seconds(o.at("token_explicit_max_ttl").to_number<int64_t>());
    r.token_no_default_policy = o.at("token_no_default_policy").as_bool();
    r.token_bound_cidrs = FromArray(o.at("token_bound_cidrs"));
    r.token_num_uses = o.at("token_num_uses").to_number<int64_t>();
  } catch (const std::exception& ex) {
    return Internal(std::string("token role is corrupt: ") + ex.what());
  }
  return r;
}

Result<std::optional<TokenRole>> TokenRoleStore::Get(std::string_view name) {
  std::string key = std::string(kRolePrefix) + Lower(name);
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(view_, key));
  if (!v) return std::optional<TokenRole>();
  if (!v->is_object()) return Internal("token role is corrupt");
  ARCA_ASSIGN_OR_RETURN(TokenRole r, TokenRole::FromJson(v->as_object()));
  return std::optional<TokenRole>(std::move(r));
}

Status TokenRoleStore::Put(const TokenRole& role) {
  if (role.name.empty()) return InvalidRequest("missing role_name");
  TokenRole copy = role;
  copy.name = Lower(role.name);
  return logical::PutJson(view_, std::string(kRolePrefix) + copy.name, copy.ToJson());
}

Status TokenRoleStore::Delete(std::string_view name) {
  return view_.Delete(std::string(kRolePrefix) + Lower(name));
}

Result<std::vector<std::string>> TokenRoleStore::List() {
  ARCA_ASSIGN_OR_RETURN(auto keys, view_.List(kRolePrefix));
  std::erase_if(keys, [](const std::string& k) { return k.ends_with('/'); });
  return keys;
}

}  // namespace arca::core
