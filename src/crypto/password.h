// Password generation from a password policy (Vault's `sys/policies/password` model): a length
// and rules, each a charset with a minimum number of characters drawn from it.
//
// Thread-safety: all functions are thread-safe (they share no state).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace arca::crypto {

struct PasswordPolicy {
  struct Rule {
    std::string charset;  // the characters this rule allows (duplicates are ignored)
    int min_chars = 0;    // at least this many of the password's characters come from it
  };
  int length = 20;
  std::vector<Rule> rules;
};

// Vault's default policy: 20 characters from [a-zA-Z0-9-], at least one lowercase letter, one
// uppercase letter, one digit and one '-'.
const PasswordPolicy& DefaultPasswordPolicy();

// Errors: InvalidRequest when the policy cannot produce a password (length < 4 or > 100, no
// rule, an empty or non-ASCII charset, negative minimums, minimums adding up beyond length).
Status ValidatePasswordPolicy(const PasswordPolicy& p);

// A password of p.length characters from the union of the rules' charsets meeting every rule's
// minimum, chosen uniformly at random (rejection sampling over OpenSSL's CSPRNG; shuffled so
// the required characters sit at random positions). Errors: those of ValidatePasswordPolicy.
Result<std::string> GeneratePassword(const PasswordPolicy& p);

}  // namespace arca::crypto
