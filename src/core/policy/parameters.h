// Request-parameter constraints of one ACL rule (allowed_parameters, denied_parameters,
// required_parameters), evaluated as Vault does. Internal to the policy engine; pure functions.
#pragma once

#include <string>

#include "common/json.h"
#include "core/policy/policy.h"

namespace arca::core::policy {

// Whether `value` (a request value; a JSON array means every element) matches one of
// `allowed`. An empty list matches everything. Strings match with a leading and/or trailing
// '*' glob ("foo-*", "*-bar", "*mid*"); numbers compare numerically; other values by equality.
bool ValueInList(const json::value& value, const std::vector<json::value>& allowed);

// Empty when `data` satisfies the constraints of `rules`, else the reason
// ("missing required parameter \"x\"", "parameter \"x\" is denied", ...). Keys compare
// case-insensitively.
std::string CheckParameters(const PathRules& rules, const json::object& data);

}  // namespace arca::core::policy
