// Pure helpers of the ldap auth method: RFC 4515 filter escaping, RFC 4514 DN value escaping,
// the {{.Field}} templates of userfilter / groupfilter, and the CN of a group DN.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::auth::ldap {

// RFC 4515: '*', '(', ')', '\\' and NUL (and any byte outside printable ASCII) as \XX.
std::string EscapeFilterValue(std::string_view v);
// RFC 4514 attribute value: ",+\"\\<>;=" and NUL escaped with a backslash, a leading '#' or
// space and a trailing space escaped, other bytes outside printable ASCII as \XX.
std::string EscapeDnValue(std::string_view v);

// Checks a filter template: every "{{ .Name }}" names one of `allowed`; nothing else inside
// braces. Error text: "unknown template field \"X\"" / "unterminated template action".
Status CheckTemplate(std::string_view tmpl, const std::vector<std::string>& allowed);
// Substitutes the (already escaped) values; the template must have passed CheckTemplate.
Result<std::string> RenderTemplate(std::string_view tmpl,
                                   const std::map<std::string, std::string>& values);

// The value of the first CN in a DN ("cn=devs,ou=groups,..." -> "devs"), or `value` itself
// when it is not a DN or has no CN (Vault's getCN). Escapes in the CN value are resolved.
std::string GroupCn(std::string_view value);

}  // namespace arca::auth::ldap
