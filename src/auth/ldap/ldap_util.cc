#include "auth/ldap/ldap_util.h"

#include <ldap.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace arca::auth::ldap {
namespace {

void Hex(std::string& out, unsigned char c) {
  char buf[4];
  std::snprintf(buf, sizeof buf, "\\%02x", c);
  out += buf;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Walks the "{{ ... }}" actions of a template: calls on_text for literal text and on_field
// for each ".Name" action; any other action is an error.
template <typename Text, typename Field>
Status Walk(std::string_view t, Text on_text, Field on_field) {
  size_t pos = 0;
  while (pos < t.size()) {
    size_t open = t.find("{{", pos);
    if (open == std::string_view::npos) {
      on_text(t.substr(pos));
      break;
    }
    on_text(t.substr(pos, open - pos));
    size_t close = t.find("}}", open + 2);
    if (close == std::string_view::npos) return InvalidRequest("unterminated template action");
    std::string_view action = Trim(t.substr(open + 2, close - open - 2));
    if (action.size() < 2 || action.front() != '.') {
      return InvalidRequest("unsupported template action \"{{" + std::string(action) + "}}\"");
    }
    ARCA_RETURN_IF_ERROR(on_field(std::string(action.substr(1))));
    pos = close + 2;
  }
  return OkStatus();
}

}  // namespace

std::string EscapeFilterValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (unsigned char c : v) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0 || c < 0x20 || c > 0x7e) {
      Hex(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string EscapeDnValue(std::string_view v) {
  std::string out;
  out.reserve(v.size() + 4);
  for (size_t i = 0; i < v.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    bool lead = i == 0 && (c == ' ' || c == '#');
    bool trail = i + 1 == v.size() && c == ' ';
    if (lead || trail || c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
        c == ';' || c == '=') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c > 0x7e) {
      Hex(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

Status CheckTemplate(std::string_view tmpl, const std::vector<std::string>& allowed) {
  return Walk(
      tmpl, [](std::string_view) {},
      [&](const std::string& name) -> Status {
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
          return InvalidRequest("unknown template field \"" + name + "\"");
        }
        return OkStatus();
      });
}

Result<std::string> RenderTemplate(std::string_view tmpl,
                                   const std::map<std::string, std::string>& values) {
  std::string out;
  ARCA_RETURN_IF_ERROR(Walk(
      tmpl, [&](std::string_view text) { out.append(text); },
      [&](const std::string& name) -> Status {
        auto it = values.find(name);
        if (it == values.end()) return InvalidRequest("unknown template field \"" + name + "\"");
        out += it->second;
        return OkStatus();
      }));
  return out;
}

std::string GroupCn(std::string_view value) {
  std::string in(value);
  LDAPDN dn = nullptr;
  if (ldap_str2dn(in.c_str(), &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || dn == nullptr) {
    return in;
  }
  std::string out = in;
  bool found = false;
  for (int i = 0; dn[i] != nullptr && !found; ++i) {
    for (int j = 0; dn[i][j] != nullptr; ++j) {
      const LDAPAVA* ava = dn[i][j];
      std::string attr(ava->la_attr.bv_val, ava->la_attr.bv_len);
      if (attr.size() == 2 && std::tolower(static_cast<unsigned char>(attr[0])) == 'c' &&
          std::tolower(static_cast<unsigned char>(attr[1])) == 'n') {
        out.assign(ava->la_value.bv_val, ava->la_value.bv_len);
        found = true;
        break;
      }
    }
  }
  ldap_dnfree(dn);
  return out;
}

}  // namespace arca::auth::ldap
