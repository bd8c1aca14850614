// OpenAPI generation for framework paths: regex patterns are expanded into templated paths
// ("roles(/(?<name>.+))?" -> "roles", "roles/{name}") and fields become path parameters or
// request body properties.
#include <algorithm>
#include <cctype>
#include <set>

#include "logical/framework/help.h"

namespace arca::logical::framework {
namespace {

// A recursive-descent expander over the subset of regex syntax that path patterns use. Named
// captures become "{name}"; optional parts and alternations multiply the results. Anything that
// cannot be written as a template (a wildcard outside a named capture, repeated text) marks the
// whole pattern as untemplatable.
class Expander {
 public:
  explicit Expander(std::string_view p) : p_(p) {}

  std::vector<std::string> Run() {
    auto out = Alternation();
    if (i_ != p_.size() || untemplatable_) return {};
    return out;
  }

 private:
  enum class Kind { kLiteral, kGroup, kNamed, kWildcard, kEmpty };

  std::vector<std::string> Alternation() {
    std::vector<std::string> out;
    while (true) {
      auto seq = Sequence();
      out.insert(out.end(), seq.begin(), seq.end());
      if (i_ >= p_.size() || p_[i_] != '|') return out;
      ++i_;
    }
  }

  // Consumes a quantifier if present; returns it ('?', '*', '+', '{') or 0.
  char Quantifier() {
    if (i_ >= p_.size()) return 0;
    char q = p_[i_];
    if (q != '?' && q != '*' && q != '+' && q != '{') return 0;
    if (q == '{') {
      size_t close = p_.find('}', i_);
      i_ = close == std::string_view::npos ? p_.size() : close + 1;
    } else {
      ++i_;
    }
    if (i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '+')) ++i_;  // lazy / possessive
    return q;
  }

  std::vector<std::string> Sequence() {
    std::vector<std::string> acc{""};
    while (i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
      Kind kind;
      std::vector<std::string> atom = Atom(&kind);
      char q = Quantifier();
      if (kind == Kind::kWildcard) untemplatable_ = true;
      if (q == '?') {
        if (kind == Kind::kLiteral) {
          atom = {""};  // "roles/?" documents "roles"
        } else {
          atom.insert(atom.begin(), "");
        }
      } else if (q != 0 && kind != Kind::kNamed && kind != Kind::kEmpty) {
        untemplatable_ = true;  // repeated text
      }
      std::vector<std::string> next;
      for (const auto& a : acc) {
        for (const auto& b : atom) next.push_back(a + b);
      }
      acc = std::move(next);
    }
    return acc;
  }

  // Skips a group body (after its opening) to just past the matching ')'.
  void SkipGroup() {
    int depth = 1;
    bool in_class = false;
    while (i_ < p_.size() && depth > 0) {
      char c = p_[i_++];
      if (c == '\\') {
        ++i_;
      } else if (in_class) {
        in_class = c != ']';
      } else if (c == '[') {
        in_class = true;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      }
    }
  }

  std::vector<std::string> Atom(Kind* kind) {
    char c = p_[i_];
    *kind = Kind::kLiteral;
    if (c == '^' || c == '$') {
      ++i_;
      *kind = Kind::kEmpty;
      return {""};
    }
    if (c == '\\') {
      char e = i_ + 1 < p_.size() ? p_[i_ + 1] : '\\';
      i_ += 2;
      if (std::isalnum(static_cast<unsigned char>(e))) *kind = Kind::kWildcard;  // \w, \d, ...
      return {std::string(1, e)};
    }
    if (c == '.') {
      ++i_;
      *kind = Kind::kWildcard;
      return {""};
    }
    if (c == '[') {
      ++i_;
      if (i_ < p_.size() && p_[i_] == ']') ++i_;
      while (i_ < p_.size() && p_[i_] != ']') i_ += p_[i_] == '\\' ? 2 : 1;
      ++i_;
      *kind = Kind::kWildcard;
      return {""};
    }
    if (c != '(') {
      ++i_;
      return {std::string(1, c)};
    }
    ++i_;
    std::string_view rest = p_.substr(i_);
    std::string name;
    if (rest.starts_with("?P<") ||
        (rest.starts_with("?<") && !rest.starts_with("?<=") && !rest.starts_with("?<!"))) {
      size_t start = rest.find('<') + 1;
      name = std::string(rest.substr(start, rest.find('>') - start));
    } else if (rest.starts_with("?'")) {
      name = std::string(rest.substr(2, rest.find('\'', 2) - 2));
    }
    if (!name.empty()) {
      SkipGroup();
      *kind = Kind::kNamed;
      return {"{" + name + "}"};
    }
    if (rest.starts_with("?:")) {
      i_ += 2;
    } else if (rest.starts_with("?")) {  // lookaround, flags: zero width
      SkipGroup();
      *kind = Kind::kEmpty;
      return {""};
    }
    auto inner = Alternation();
    if (i_ < p_.size() && p_[i_] == ')') ++i_;
    *kind = Kind::kGroup;
    return inner;
  }

  std::string_view p_;
  size_t i_ = 0;
  bool untemplatable_ = false;
};

std::vector<std::string> PathParams(std::string_view tmpl) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = tmpl.find('{', pos)) != std::string_view::npos) {
    size_t end = tmpl.find('}', pos);
    if (end == std::string_view::npos) break;
    out.emplace_back(tmpl.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  }
  return out;
}

json::object OpenApiOperation(const OperationSpec& spec, std::string_view fallback_summary,
                              int code) {
  json::object op;
  op["summary"] = spec.summary.empty() ? fallback_summary : std::string_view(spec.summary);
  if (!spec.description.empty()) op["description"] = spec.description;
  json::object responses;
  responses[std::to_string(code)] = {{"description", code == 204 ? "No Content" : "OK"}};
  op["responses"] = std::move(responses);
  return op;
}

json::object FieldSchemaJson(const FieldSchema& f) {
  json::object s = FieldTypeOpenApiSchema(f.type);
  if (!f.description.empty()) s["description"] = f.description;
  if (!f.default_value.is_null()) s["default"] = f.default_value;
  if (!f.allowed_values.empty()) {
    json::array e;
    for (const auto& a : f.allowed_values) e.emplace_back(a);
    s["enum"] = std::move(e);
  }
  if (f.deprecated) s["deprecated"] = true;
  return s;
}

}  // namespace

std::vector<std::string> OpenApiPathTemplates(std::string_view pattern) {
  auto out = Expander(pattern).Run();
  std::set<std::string> unique;
  std::vector<std::string> result;
  for (auto& s : out) {
    if (unique.insert(s).second) result.push_back(std::move(s));
  }
  return result;
}

json::object OpenApiDocument(const std::vector<const Path*>& paths, std::string_view mount_point) {
  json::object doc;
  doc["openapi"] = "3.0.2";
  doc["info"] = {{"title", "Arca API"},
                 {"description", "HTTP API that gives you full access to Arca."},
                 {"version", ARCA_VERSION}};
  json::object out_paths;
  std::string prefix = "/" + std::string(mount_point);
  for (const Path* p : paths) {
    for (const auto& tmpl : OpenApiPathTemplates(p->pattern)) {
      std::vector<std::string> params = PathParams(tmpl);
      json::array parameters;
      for (const auto& name : params) {
        json::object param{{"name", name}, {"in", "path"}, {"required", true}};
        auto f = p->fields.find(name);
        param["schema"] = {{"type", "string"}};
        if (f != p->fields.end() && !f->second.description.empty()) {
          param["description"] = f->second.description;
        }
        parameters.push_back(std::move(param));
      }
      json::object item;
      if (!p->help_synopsis.empty()) item["description"] = p->help_synopsis;
      if (!parameters.empty()) item["parameters"] = parameters;
      json::object props;
      json::array required;
      for (const auto& [name, field] : p->fields) {
        if (std::find(params.begin(), params.end(), name) != params.end()) continue;
        props[name] = FieldSchemaJson(field);
        if (field.required) required.emplace_back(name);
      }
      json::object list_item;
      for (const auto& [op, spec] : p->operations) {
        switch (op) {
          case Operation::kRead:
            item["get"] = OpenApiOperation(spec, "Read", 200);
            break;
          case Operation::kDelete:
            item["delete"] = OpenApiOperation(spec, "Delete", 204);
            break;
          case Operation::kPatch:
            item["patch"] = OpenApiOperation(spec, "Patch", 200);
            break;
          case Operation::kCreate:
          case Operation::kUpdate: {
            if (item.contains("post")) break;
            json::object post = OpenApiOperation(spec, "Write", 200);
            json::object schema{{"type", "object"}, {"properties", props}};
            if (!required.empty()) schema["required"] = required;
            post["requestBody"] = {
                {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
            item["post"] = std::move(post);
            break;
          }
          case Operation::kList: {
            json::object get = OpenApiOperation(spec, "List", 200);
            json::array qp;
            qp.push_back(json::object{{"name", "list"},
                                      {"in", "query"},
                                      {"required", true},
                                      {"schema", {{"type", "string"}, {"enum", {"true"}}}}});
            get["parameters"] = std::move(qp);
            list_item["get"] = std::move(get);
            break;
          }
          default:
            break;
        }
      }
      std::string full = prefix + tmpl;
      if (!list_item.empty()) {
        std::string list_path = full.ends_with('/') ? full : full + "/";
        if (list_path == full && !item.contains("get")) {
          item["get"] = list_item["get"];
        } else if (list_path != full && !out_paths.contains(list_path)) {
          if (!parameters.empty()) list_item["parameters"] = parameters;
          out_paths[list_path] = std::move(list_item);
        }
      }
      bool has_ops = item.contains("get") || item.contains("post") || item.contains("delete") ||
                     item.contains("patch");
      if (has_ops && !out_paths.contains(full)) out_paths[full] = std::move(item);
    }
  }
  doc["paths"] = std::move(out_paths);
  return doc;
}

}  // namespace arca::logical::framework
