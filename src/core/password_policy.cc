#include "core/password_policy.h"

#include "common/json.h"
#include "core/names.h"
#include "hcl/blocks.h"
#include "hcl/node.h"
#include "hcl/parser.h"

namespace arca::core {
namespace {

Status ValidName(std::string_view name) { return ValidateObjectName("policy", name, 128); }

}  // namespace

Result<crypto::PasswordPolicy> ParsePasswordPolicy(std::string_view text) {
  ARCA_ASSIGN_OR_RETURN(hcl::NodePtr root, hcl::Parse(text, "password policy"));
  if (!root->IsObject()) return InvalidRequest("a password policy must be an HCL object");
  crypto::PasswordPolicy p;
  p.length = 0;
  bool has_length = false;
  for (const hcl::Entry& e : root->entries) {
    if (e.key == "length") {
      ARCA_ASSIGN_OR_RETURN(int64_t len, hcl::AsInt(*e.value, "length"));
      if (len < 4 || len > 100) {
        return InvalidRequest("length must be between 4 and 100, got " + std::to_string(len));
      }
      p.length = static_cast<int>(len);
      has_length = true;
    } else if (e.key == "rule") {
      ARCA_ASSIGN_OR_RETURN(std::vector<hcl::Block> blocks, hcl::ExpandBlocks(e, 1));
      for (const hcl::Block& b : blocks) {
        if (b.labels[0] != "charset") {
          return InvalidRequest("unrecognized rule type \"" + b.labels[0] + "\"");
        }
        crypto::PasswordPolicy::Rule rule;
        bool has_charset = false;
        for (const hcl::Entry& f : b.body->entries) {
          if (f.key == "charset") {
            ARCA_ASSIGN_OR_RETURN(rule.charset, hcl::AsString(*f.value, "charset"));
            has_charset = true;
          } else if (f.key == "min-chars" || f.key == "min_chars") {
            ARCA_ASSIGN_OR_RETURN(int64_t n, hcl::AsInt(*f.value, "min-chars"));
            if (n < 0 || n > 100) return InvalidRequest("min-chars must be between 0 and 100");
            rule.min_chars = static_cast<int>(n);
          } else {
            return InvalidRequest("unknown key \"" + f.key + "\" in a charset rule");
          }
        }
        if (!has_charset) return InvalidRequest("a charset rule needs a charset");
        p.rules.push_back(std::move(rule));
      }
    } else {
      return InvalidRequest("unknown key \"" + e.key + "\" in password policy");
    }
  }
  if (!has_length) return InvalidRequest("length must be set");
  ARCA_RETURN_IF_ERROR(crypto::ValidatePasswordPolicy(p));
  return p;
}

Status PasswordPolicyStore::Put(std::string_view name, std::string_view text) {
  ARCA_RETURN_IF_ERROR(ValidName(name));
  ARCA_RETURN_IF_ERROR(ParsePasswordPolicy(text));
  return logical::PutJson(view_, name, json::object{{"policy", text}});
}

Result<std::string> PasswordPolicyStore::Get(std::string_view name) {
  ARCA_RETURN_IF_ERROR(ValidName(name));
  ARCA_ASSIGN_OR_RETURN(auto v, logical::GetJson(view_, name));
  if (!v || !v->is_object()) return NotFound("password policy not found");
  auto text = GetStringField(v->as_object(), "policy");
  if (!text || !*text) return Internal("stored password policy is malformed");
  return std::string(**text);
}

Status PasswordPolicyStore::Delete(std::string_view name) {
  ARCA_RETURN_IF_ERROR(ValidName(name));
  return view_.Delete(name);
}

Result<std::vector<std::string>> PasswordPolicyStore::List() { return view_.List(""); }

Result<std::string> PasswordPolicyStore::Generate(std::string_view name) {
  if (name.empty()) return crypto::GeneratePassword(crypto::DefaultPasswordPolicy());
  auto text = Get(name);
  if (!text) {
    if (text.error().kind() == ErrorKind::kNotFound) {
      return InvalidRequest("password policy \"" + std::string(name) + "\" does not exist");
    }
    return std::unexpected(text.error());
  }
  ARCA_ASSIGN_OR_RETURN(crypto::PasswordPolicy p, ParsePasswordPolicy(*text));
  return crypto::GeneratePassword(p);
}

}  // namespace arca::core
