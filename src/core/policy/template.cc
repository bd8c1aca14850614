#include "core/policy/template.h"

#include <optional>

#include "common/duration.h"
#include "common/json.h"
#include "core/policy/policy.h"

namespace arca::core::policy {

namespace {

constexpr std::string_view kUnbalanced = "unbalanced templating characters";
constexpr std::string_view kNotFound = "no value could be found for one of the template directives";

using StringMap = std::map<std::string, std::string>;

std::string Quote(std::string_view s) { return json::serialize(json::string(s)); }

json::object MapToJson(const StringMap& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

// Renders one value of the directive in the mode's handler.
struct Renderer {
  TemplateMode mode;

  Result<std::string> String(std::string_view s) const {
    if (mode == TemplateMode::kJson) return Quote(s);
    if (s.empty()) return InvalidRequest(std::string(kNotFound));
    return std::string(s);
  }
  Result<std::string> List(const std::vector<std::string>& items) const {
    if (mode == TemplateMode::kAcl) return InvalidRequest(std::string(kNotFound));
    return json::serialize(ToJsonArray(items));
  }
  // A whole map (key empty) or one of its values.
  Result<std::string> Map(const StringMap& m, std::optional<std::string_view> key) const {
    if (key) {
      auto it = m.find(std::string(*key));
      if (mode == TemplateMode::kJson) return Quote(it == m.end() ? "" : it->second);
      if (it == m.end()) return InvalidRequest(std::string(kNotFound));
      return it->second;
    }
    if (mode == TemplateMode::kAcl) return InvalidRequest(std::string(kNotFound));
    return json::serialize(MapToJson(m));
  }
};

// "metadata" -> whole map; "metadata.<key>" -> one key; otherwise nullopt.
std::optional<std::optional<std::string_view>> MapSelector(std::string_view sel,
                                                           std::string_view name) {
  if (sel == name) return std::optional<std::string_view>();
  if (sel.size() > name.size() + 1 && sel.starts_with(name) && sel[name.size()] == '.') {
    return std::optional<std::string_view>(sel.substr(name.size() + 1));
  }
  return std::nullopt;
}

Result<std::string> AliasDirective(const Renderer& r, std::string_view sel,
                                   const IdentityData::Alias& a) {
  if (sel == "id") return r.String(a.id);
  if (sel == "name") return r.String(a.name);
  if (auto k = MapSelector(sel, "metadata")) return r.Map(a.metadata, *k);
  if (auto k = MapSelector(sel, "custom_metadata")) return r.Map(a.custom_metadata, *k);
  return InvalidRequest(std::string(kNotFound));
}

Result<std::string> EntityDirective(const Renderer& r, std::string_view sel,
                                    const IdentityData& d) {
  if (sel == "id") return r.String(d.entity_id);
  if (sel == "name") return r.String(d.entity_name);
  if (auto k = MapSelector(sel, "metadata")) return r.Map(d.metadata, *k);
  if (sel == "groups.names" || sel == "groups.ids") {
    std::vector<std::string> items;
    for (const auto& g : d.groups) items.push_back(sel == "groups.ids" ? g.id : g.name);
    return r.List(items);
  }
  if (sel.starts_with("aliases.")) {
    std::string_view rest = sel.substr(8);
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return InvalidRequest("invalid alias selector");
    std::string_view accessor = rest.substr(0, dot);
    for (const auto& a : d.aliases) {
      if (a.mount_accessor == accessor) return AliasDirective(r, rest.substr(dot + 1), a);
    }
    if (r.mode == TemplateMode::kAcl) return InvalidRequest("alias not found");
    return AliasDirective(r, rest.substr(dot + 1), IdentityData::Alias{});
  }
  return InvalidRequest(std::string(kNotFound));
}

Result<std::string> GroupsDirective(std::string_view sel, const IdentityData& d) {
  size_t dot = sel.find('.');
  if (dot == std::string_view::npos) return InvalidRequest("invalid groups selector");
  std::string_view by = sel.substr(0, dot);
  if (by != "ids" && by != "names") return InvalidRequest("invalid groups selector");
  std::string_view rest = sel.substr(dot + 1);
  dot = rest.find('.');
  if (dot == std::string_view::npos) return InvalidRequest("invalid groups accessor");
  std::string_view which = rest.substr(0, dot);
  std::string_view field = rest.substr(dot + 1);
  const IdentityData::Group* found = nullptr;
  for (const auto& g : d.groups) {
    if ((by == "ids" ? g.id : g.name) == which) {
      found = &g;
      break;
    }
  }
  if (!found) {
    return InvalidRequest("entity is not a member of group \"" + std::string(which) + "\"");
  }
  if (field == "id") return found->id;
  if (field == "name") {
    if (found->name.empty()) return InvalidRequest(std::string(kNotFound));
    return found->name;
  }
  if (field.starts_with("metadata.")) {
    auto it = found->metadata.find(std::string(field.substr(9)));
    if (it == found->metadata.end()) return InvalidRequest(std::string(kNotFound));
    return it->second;
  }
  return InvalidRequest(std::string(kNotFound));
}

Result<std::string> TimeDirective(std::string_view sel, std::chrono::system_clock::time_point now) {
  std::string_view op, operand;
  std::string_view head = sel;
  size_t dot = sel.find('.');
  if (dot != std::string_view::npos) {
    head = sel.substr(0, dot);
    std::string_view rest = sel.substr(dot + 1);
    size_t dot2 = rest.find('.');
    if (dot2 == std::string_view::npos) return InvalidRequest("missing time operand");
    op = rest.substr(0, dot2);
    operand = rest.substr(dot2 + 1);
  }
  if (head != "now") return InvalidRequest("invalid time selector \"" + std::string(head) + "\"");
  auto t = now;
  if (!op.empty() || !operand.empty()) {
    auto d = ParseDuration(operand);
    if (!d) return InvalidRequest("invalid duration: " + d.error().message());
    if (op == "plus") {
      t += *d;
    } else if (op == "minus") {
      t -= *d;
    } else {
      return InvalidRequest("invalid time operator \"" + std::string(op) + "\"");
    }
  }
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

Result<std::string> Directive(std::string_view in, TemplateMode mode, const IdentityData* d,
                              std::chrono::system_clock::time_point now) {
  Renderer r{mode};
  if (in.starts_with("identity.entity.")) {
    if (!d) {
      return InvalidRequest(
          "string contains entity template directives but no entity was provided");
    }
    return EntityDirective(r, in.substr(16), *d);
  }
  if (in.starts_with("identity.groups.")) {
    if (!d || d->groups.empty()) {
      return InvalidRequest(
          "string contains groups template directives but no groups were provided");
    }
    return GroupsDirective(in.substr(16), *d);
  }
  if (in.starts_with("time.")) return TimeDirective(in.substr(5), now);
  return InvalidRequest(std::string(kNotFound));
}

// Splits `input` on "{{" and checks that every piece after the first holds exactly one "}}".
Result<std::vector<std::string_view>> Split(std::string_view input) {
  std::vector<std::string_view> pieces;
  size_t pos = 0;
  while (true) {
    size_t open = input.find("{{", pos);
    pieces.push_back(input.substr(pos, open == std::string_view::npos ? open : open - pos));
    if (open == std::string_view::npos) break;
    pos = open + 2;
  }
  if (pieces[0].find("}}") != std::string_view::npos) {
    return InvalidRequest(std::string(kUnbalanced));
  }
  for (size_t i = 1; i < pieces.size(); ++i) {
    size_t close = pieces[i].find("}}");
    if (close == std::string_view::npos ||
        pieces[i].find("}}", close + 2) != std::string_view::npos) {
      return InvalidRequest(std::string(kUnbalanced));
    }
  }
  return pieces;
}

}  // namespace

Result<bool> HasTemplate(std::string_view input) {
  ARCA_ASSIGN_OR_RETURN(auto pieces, Split(input));
  return pieces.size() > 1;
}

Result<TemplateResult> PopulateTemplate(std::string_view input, TemplateMode mode,
                                        const IdentityData* data,
                                        std::chrono::system_clock::time_point now) {
  ARCA_ASSIGN_OR_RETURN(auto pieces, Split(input));
  TemplateResult out;
  out.text.assign(pieces[0]);
  for (size_t i = 1; i < pieces.size(); ++i) {
    out.templated = true;
    size_t close = pieces[i].find("}}");
    ARCA_ASSIGN_OR_RETURN(std::string value,
                          Directive(Trim(pieces[i].substr(0, close)), mode, data, now));
    if (mode == TemplateMode::kAcl) {
      for (char blocked : {'*', '+'}) {
        if (value.find(blocked) != std::string::npos) {
          return InvalidRequest("template substitution contains forbidden value \"" +
                                std::string(1, blocked) + "\"");
        }
      }
    }
    out.text += value;
    out.text.append(pieces[i].substr(close + 2));
  }
  return out;
}

Policy ResolveTemplates(const Policy& policy, const IdentityData* identity,
                        std::string* resolved) {
  Policy out;
  out.name = policy.name;
  out.raw = policy.raw;
  out.paths.reserve(policy.paths.size());
  for (const PathRules& rules : policy.paths) {
    if (!rules.templated) {
      out.paths.push_back(rules);
      continue;
    }
    auto r = PopulateTemplate(rules.pattern, TemplateMode::kAcl, identity);
    if (!r) {
      if (resolved) resolved->push_back('\x02');
      continue;  // unresolvable: the path grants nothing
    }
    PathRules copy = rules;
    copy.pattern = std::move(r->text);
    while (copy.pattern.starts_with('/')) copy.pattern.erase(0, 1);
    copy.templated = false;
    if (resolved) {
      resolved->append(copy.pattern);
      resolved->push_back('\x01');
    }
    out.paths.push_back(std::move(copy));
  }
  return out;
}

}  // namespace arca::core::policy
