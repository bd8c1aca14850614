// ParsePolicy: walks the HCL tree of a policy document (HCL and JSON spellings alike).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/duration.h"
#include "core/policy/policy.h"
#include "core/policy/template.h"
#include "hcl/blocks.h"
#include "hcl/parser.h"
#include "hcl/to_json.h"

namespace arca::core::policy {
namespace {

constexpr uint32_t kReadPolicy = kRead | kList;
constexpr uint32_t kWritePolicy = kCreate | kRead | kUpdate | kPatch | kDelete | kList;
constexpr uint32_t kSudoPolicy = kWritePolicy | kSudo;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::unexpected<Error> ErrorAt(const hcl::Node& node, hcl::Position pos, std::string_view path,
                               std::string_view msg) {
  return InvalidRequest(fmt::format("{}: path \"{}\": {}", hcl::Where(node, pos), path, msg));
}

// Legacy `policy = "..."` values.
Result<uint32_t> LegacyPolicy(std::string_view value) {
  if (value == "deny") return kDeny;
  if (value == "read") return kReadPolicy;
  if (value == "list") return kList;
  if (value == "write") return kWritePolicy;
  if (value == "sudo") return kSudoPolicy;
  return InvalidRequest(fmt::format("invalid policy \"{}\"", value));
}

// `allowed_parameters = { "k" = [values] }` (attribute or block form, possibly repeated).
Status ParseParameters(const hcl::Entry& entry, std::string_view path,
                       std::map<std::string, std::vector<json::value>>& out) {
  auto blocks = hcl::ExpandBlocks(entry, 0);
  if (!blocks) return std::unexpected(blocks.error().WithContext(fmt::format("path \"{}\"", path)));
  for (const hcl::Block& block : *blocks) {
    for (const hcl::Entry& param : block.body->entries) {
      const hcl::Node& v = *param.value;
      if (v.kind != hcl::Kind::kList) {
        return ErrorAt(v, v.pos, path,
                       fmt::format("{}.{}: expected a list of values, got {}", entry.key, param.key,
                                   hcl::KindName(v.kind)));
      }
      auto& values = out[Lower(param.key)];
      for (const hcl::NodePtr& item : v.list) values.push_back(hcl::ToJson(*item));
    }
  }
  return OkStatus();
}

Result<std::chrono::seconds> ParseTtl(const hcl::Entry& entry, std::string_view path) {
  const hcl::Node& v = *entry.value;
  auto text = hcl::AsScalarString(v, entry.key);
  if (!text) return std::unexpected(text.error().WithContext(fmt::format("path \"{}\"", path)));
  auto d = ParseDuration(*text);
  if (!d) return ErrorAt(v, v.pos, path, fmt::format("{}: {}", entry.key, d.error().message()));
  return *d;
}

Status ValidatePattern(const hcl::Block& block, const std::string& pattern) {
  if (pattern.find("+*") != std::string::npos) {
    return ErrorAt(*block.body, block.pos, pattern, "invalid use of wildcards ('+*' is forbidden)");
  }
  if (pattern.find('*') != std::string::npos && pattern.find('*') != pattern.size() - 1) {
    return ErrorAt(*block.body, block.pos, pattern, "'*' is only allowed at the end of a path");
  }
  return OkStatus();
}

Result<PathRules> ParsePath(const hcl::Block& block) {
  PathRules rules;
  std::string_view pattern = block.labels[0];
  while (pattern.starts_with('/')) pattern.remove_prefix(1);
  rules.pattern = std::string(pattern);
  ARCA_RETURN_IF_ERROR(ValidatePattern(block, rules.pattern));
  // Identity templates: only the syntax here; the values are substituted per request.
  if (auto templated = HasTemplate(rules.pattern); !templated) {
    return ErrorAt(*block.body, block.pos, rules.pattern,
                   fmt::format("failed to validate policy templating: {}",
                               templated.error().message()));
  } else {
    rules.templated = *templated;
  }
  const std::string& p = rules.pattern;
  bool have_min = false, have_max = false;
  for (const hcl::Entry& e : block.body->entries) {
    const hcl::Node& v = *e.value;
    if (e.key == "capabilities") {
      auto names = hcl::AsStringList(v, e.key);
      if (!names) return std::unexpected(names.error().WithContext(fmt::format("path \"{}\"", p)));
      for (const std::string& name : *names) {
        auto cap = CapabilityFromName(name);
        if (!cap) return ErrorAt(v, v.pos, p, fmt::format("invalid capability \"{}\"", name));
        rules.capabilities |= *cap;
      }
    } else if (e.key == "policy") {
      auto text = hcl::AsString(v, e.key);
      if (!text) return std::unexpected(text.error().WithContext(fmt::format("path \"{}\"", p)));
      auto caps = LegacyPolicy(*text);
      if (!caps) return ErrorAt(v, v.pos, p, caps.error().message());
      rules.capabilities |= *caps;
    } else if (e.key == "allowed_parameters") {
      ARCA_RETURN_IF_ERROR(ParseParameters(e, p, rules.allowed_parameters));
    } else if (e.key == "denied_parameters") {
      ARCA_RETURN_IF_ERROR(ParseParameters(e, p, rules.denied_parameters));
    } else if (e.key == "required_parameters") {
      auto names = hcl::AsStringList(v, e.key);
      if (!names) return std::unexpected(names.error().WithContext(fmt::format("path \"{}\"", p)));
      for (std::string& n : *names) rules.required_parameters.push_back(std::move(n));
    } else if (e.key == "min_wrapping_ttl") {
      ARCA_ASSIGN_OR_RETURN(rules.min_wrapping_ttl, ParseTtl(e, p));
      have_min = true;
    } else if (e.key == "max_wrapping_ttl") {
      ARCA_ASSIGN_OR_RETURN(rules.max_wrapping_ttl, ParseTtl(e, p));
      have_max = true;
    } else if (e.key == "comment" || e.key == "subscribe_event_types") {
      // Informational / unused here.
    } else if (e.key == "mfa_methods" || e.key == "control_group" || e.key == "expiration" ||
               e.key == "pagination_limit" || e.key == "list_scan_response_keys_filter_path") {
      return ErrorAt(v, e.key_pos, p, fmt::format("\"{}\" is not supported", e.key));
    } else {
      return ErrorAt(v, e.key_pos, p, fmt::format("invalid key \"{}\"", e.key));
    }
  }
  if (have_min && have_max && rules.max_wrapping_ttl > std::chrono::seconds(0) &&
      rules.max_wrapping_ttl < rules.min_wrapping_ttl) {
    return ErrorAt(*block.body, block.pos, p,
                   "max_wrapping_ttl cannot be less than min_wrapping_ttl");
  }
  // An explicit deny replaces every other capability (Vault keeps only "deny").
  if (rules.capabilities & kDeny) rules.capabilities = kDeny;
  return rules;
}

}  // namespace

Result<Policy> ParsePolicy(std::string_view name, std::string_view text) {
  Policy policy;
  policy.name = std::string(name);
  policy.raw = std::string(text);
  auto root = hcl::Parse(text, {});
  if (!root) {
    return std::unexpected(
        root.error().WithContext(fmt::format("failed to parse policy \"{}\"", name)));
  }
  for (const hcl::Entry& entry : (*root)->entries) {
    if (entry.key == "name") {
      // Older policy files carry their name; it is informational.
      continue;
    }
    if (entry.key != "path") {
      return InvalidRequest(fmt::format("failed to parse policy \"{}\": {}: invalid key \"{}\"",
                                        name, hcl::Where(**root, entry.key_pos), entry.key));
    }
    auto blocks = hcl::ExpandBlocks(entry, 1);
    if (!blocks) {
      return std::unexpected(
          blocks.error().WithContext(fmt::format("failed to parse policy \"{}\"", name)));
    }
    for (const hcl::Block& block : *blocks) {
      auto rules = ParsePath(block);
      if (!rules) {
        return std::unexpected(
            rules.error().WithContext(fmt::format("failed to parse policy \"{}\"", name)));
      }
      policy.templated = policy.templated || rules->templated;
      policy.paths.push_back(std::move(*rules));
    }
  }
  return policy;
}

Policy RootPolicy() {
  Policy p;
  p.name = std::string(kRootPolicyName);
  return p;
}

}  // namespace arca::core::policy
