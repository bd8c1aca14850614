// Request-parameter constraints of one ACL rule (allowed_parameters, denied_parameters,
// required_parameters), evaluated as Vault does. Internal to the policy engine; pure functions.
#pragma once

#include <string>

#include "common/json.h"
#include "core/policy/policy.h"

namespace arca::core::policy {

// Whether `value` (a request value) is allowed by `allowed`. An empty list allows everything.
// Strings match with a leading and/or trailing '*' glob ("foo-*", "*-bar", "*mid*"); numbers
// compare numerically; other values by equality. A JSON array is allowed when every element is;
// a string with commas (a list field reads "a,b" as two values) when the policy lists it
// verbatim, or when it and each of its trimmed comma-separated elements match.
bool ValueAllowed(const json::value& value, const std::vector<json::value>& allowed);

// Whether `value` is refused by `denied`. An empty list denies every value. A JSON array is
// denied when any element is; a string when it, or any of its comma-separated elements, matches.
bool ValueDenied(const json::value& value, const std::vector<json::value>& denied);

// Empty when `data` satisfies the constraints of `rules`, else the reason
// ("missing required parameter \"x\"", "parameter \"x\" is denied", ...). As in Vault, each
// key of `data` is checked on its own under its lower-cased name (so "TTL" and "ttl" are both
// checked), and a required parameter must be present under its lower-case name exactly (the
// name a backend reads).
std::string CheckParameters(const PathRules& rules, const json::object& data);

}  // namespace arca::core::policy
