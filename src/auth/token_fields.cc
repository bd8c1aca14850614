#include "auth/token_fields.h"

#include <algorithm>
#include <cctype>

#include "auth/cidr.h"

namespace arca::auth {
namespace {

namespace fw = logical::framework;

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

Result<std::vector<std::string>> StringsOf(const json::value& v, std::string_view key) {
  if (!v.is_array()) return Internal("token fields: \"" + std::string(key) + "\" is not a list");
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) {
    if (!s.is_string()) return Internal("token fields: bad item in \"" + std::string(key) + "\"");
    out.emplace_back(s.as_string());
  }
  return out;
}

Result<int64_t> IntOf(const json::value& v, std::string_view key) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  return Internal("token fields: \"" + std::string(key) + "\" is not an integer");
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

}  // namespace

std::vector<std::string> SanitizePolicies(std::vector<std::string> in) {
  std::vector<std::string> out;
  for (auto& p : in) {
    std::string t = Trim(p);
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!t.empty()) out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void AddTokenFieldSchemas(fw::FieldMap& f, bool legacy) {
  using fw::FieldType;
  auto add = [&](const char* name, FieldType type, const char* desc) {
    f[name] = fw::FieldSchema{.type = type, .description = desc};
  };
  add("token_ttl", FieldType::kDuration, "The initial TTL of tokens issued by this login.");
  add("token_max_ttl", FieldType::kDuration, "The maximum lifetime of tokens issued.");
  add("token_explicit_max_ttl", FieldType::kDuration,
      "A hard cap on the lifetime of tokens, even if renewed.");
  add("token_period", FieldType::kDuration, "Makes issued tokens periodic with this period.");
  add("period", FieldType::kDuration, "Deprecated: use token_period.");
  f["period"].deprecated = true;
  add("token_policies", FieldType::kCommaStringSlice, "Policies of issued tokens.");
  add("policies", FieldType::kCommaStringSlice, "Deprecated: use token_policies.");
  f["policies"].deprecated = true;
  add("token_bound_cidrs", FieldType::kCommaStringSlice,
      "CIDR blocks from which issued tokens may be used.");
  add("token_no_default_policy", FieldType::kBool,
      "Do not add the default policy to issued tokens.");
  add("token_num_uses", FieldType::kInt, "The number of uses of issued tokens (0 = unlimited).");
  add("token_type", FieldType::kString,
      "The type of issued tokens: service, batch, default-service, default-batch or default.");
  f["token_type"].default_value = "default";
  if (legacy) {
    add("ttl", FieldType::kDuration, "Deprecated: use token_ttl.");
    add("max_ttl", FieldType::kDuration, "Deprecated: use token_max_ttl.");
    add("bound_cidrs", FieldType::kCommaStringSlice, "Deprecated: use token_bound_cidrs.");
    add("num_uses", FieldType::kInt, "Deprecated: use token_num_uses.");
    for (const char* name : {"ttl", "max_ttl", "bound_cidrs", "num_uses"}) f[name].deprecated = true;
  }
}

Status ParseTokenFields(const fw::FieldData& d, TokenFields& out, bool legacy) {
  TokenFields t = out;
  // The token_* name wins when both are given (Vault's tokenutil).
  auto pick = [&](const char* name, const char* alias) -> const char* {
    if (d.Has(name)) return name;
    if (legacy && d.Has(alias)) return alias;
    return nullptr;
  };
  auto dur = [&](const char* name, const char* legacy, std::chrono::seconds& dst) {
    if (d.Has(name)) {
      dst = d.GetDuration(name);
    } else if (legacy != nullptr && d.Has(legacy)) {
      dst = d.GetDuration(legacy);
    }
  };
  dur("token_ttl", legacy ? "ttl" : nullptr, t.ttl);
  dur("token_max_ttl", legacy ? "max_ttl" : nullptr, t.max_ttl);
  dur("token_explicit_max_ttl", nullptr, t.explicit_max_ttl);
  dur("token_period", "period", t.period);
  if (d.Has("token_policies")) {
    t.policies = SanitizePolicies(d.GetStringSlice("token_policies"));
  } else if (d.Has("policies")) {
    t.policies = SanitizePolicies(d.GetStringSlice("policies"));
  }
  if (const char* cidrs = pick("token_bound_cidrs", "bound_cidrs")) {
    t.bound_cidrs.clear();
    for (auto& c : d.GetStringSlice(cidrs)) {
      if (std::string s = Trim(c); !s.empty()) t.bound_cidrs.push_back(std::move(s));
    }
  }
  if (d.Has("token_no_default_policy")) t.no_default_policy = d.GetBool("token_no_default_policy");
  if (const char* uses = pick("token_num_uses", "num_uses")) t.num_uses = d.GetInt(uses);
  if (d.Has("token_type")) t.type = d.GetString("token_type");
  if (t.type.empty()) t.type = "default";

  if (Status c = ValidateCidrs(t.bound_cidrs); !c) {
    return std::unexpected(c.error().WithContext("invalid token_bound_cidrs"));
  }
  if (t.num_uses < 0) return InvalidRequest("token_num_uses cannot be negative");
  if (t.type != "default" && t.type != "service" && t.type != "batch" &&
      t.type != "default-service" && t.type != "default-batch") {
    return InvalidRequest("invalid token_type \"" + t.type +
                          "\": must be service, batch, default-service, default-batch or default");
  }
  if (t.max_ttl.count() > 0 && t.ttl > t.max_ttl) {
    return InvalidRequest("\"token_ttl\" value must be less than \"token_max_ttl\" value");
  }
  if (t.max_ttl.count() > 0 && t.period > t.max_ttl) {
    return InvalidRequest("\"token_period\" value must be less than \"token_max_ttl\" value");
  }
  bool batch = t.type == "batch" || t.type == "default-batch";
  if (batch && t.num_uses > 0) {
    return InvalidRequest("batch tokens cannot have a use limit (token_num_uses)");
  }
  if (batch && t.period.count() > 0) return InvalidRequest("batch tokens cannot be periodic");
  out = std::move(t);
  return OkStatus();
}

void TokenFields::AddToResponse(json::object& data, bool legacy) const {
  data["token_ttl"] = ttl.count();
  data["token_max_ttl"] = max_ttl.count();
  data["token_explicit_max_ttl"] = explicit_max_ttl.count();
  data["token_period"] = period.count();
  data["token_policies"] = ToArray(policies);
  data["token_bound_cidrs"] = ToArray(bound_cidrs);
  data["token_no_default_policy"] = no_default_policy;
  data["token_num_uses"] = num_uses;
  data["token_type"] = type;
  data["policies"] = ToArray(policies);
  data["period"] = period.count();
  if (legacy) {
    if (ttl.count() > 0) data["ttl"] = ttl.count();
    if (max_ttl.count() > 0) data["max_ttl"] = max_ttl.count();
    if (!bound_cidrs.empty()) data["bound_cidrs"] = ToArray(bound_cidrs);
    if (num_uses > 0) data["num_uses"] = num_uses;
  }
}

json::object TokenFields::ToJson() const {
  json::object o;
  o["ttl"] = ttl.count();
  o["max_ttl"] = max_ttl.count();
  o["explicit_max_ttl"] = explicit_max_ttl.count();
  o["period"] = period.count();
  o["policies"] = ToArray(policies);
  o["bound_cidrs"] = ToArray(bound_cidrs);
  o["no_default_policy"] = no_default_policy;
  o["num_uses"] = num_uses;
  o["type"] = type;
  return o;
}

Result<TokenFields> TokenFields::FromJson(const json::object& o) {
  TokenFields t;
  auto secs = [&](const char* k, std::chrono::seconds& dst) -> Status {
    if (const auto* v = o.if_contains(k)) {
      ARCA_ASSIGN_OR_RETURN(int64_t n, IntOf(*v, k));
      dst = std::chrono::seconds(n);
    }
    return OkStatus();
  };
  ARCA_RETURN_IF_ERROR(secs("ttl", t.ttl));
  ARCA_RETURN_IF_ERROR(secs("max_ttl", t.max_ttl));
  ARCA_RETURN_IF_ERROR(secs("explicit_max_ttl", t.explicit_max_ttl));
  ARCA_RETURN_IF_ERROR(secs("period", t.period));
  if (const auto* v = o.if_contains("policies")) {
    ARCA_ASSIGN_OR_RETURN(t.policies, StringsOf(*v, "policies"));
  }
  if (const auto* v = o.if_contains("bound_cidrs")) {
    ARCA_ASSIGN_OR_RETURN(t.bound_cidrs, StringsOf(*v, "bound_cidrs"));
  }
  if (const auto* v = o.if_contains("no_default_policy")) {
    if (!v->is_bool()) return Internal("token fields: \"no_default_policy\" is not a bool");
    t.no_default_policy = v->as_bool();
  }
  if (const auto* v = o.if_contains("num_uses")) {
    ARCA_ASSIGN_OR_RETURN(t.num_uses, IntOf(*v, "num_uses"));
  }
  if (const auto* v = o.if_contains("type")) {
    if (!v->is_string()) return Internal("token fields: \"type\" is not a string");
    t.type = std::string(v->as_string());
  }
  return t;
}

void TokenFields::FillAuth(logical::Auth& auth) const {
  auth.policies = policies;
  auth.lease_duration = ttl;
  auth.max_ttl = max_ttl;
  auth.explicit_max_ttl = explicit_max_ttl;
  auth.period = period;
  auth.num_uses = static_cast<int>(num_uses);
  auth.bound_cidrs = bound_cidrs;
  auth.no_default_policy = no_default_policy;
  auth.token_type = type;
  auth.renewable = true;
}

}  // namespace arca::auth
