// Names of stored objects that users choose (password policies, quotas): letters, digits, '-',
// '_' and '.', at most `max_len` characters. Thread-safe: a pure function.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arca::core {

// Errors: InvalidRequest "missing <noun> name", "<noun> name is too long", "<noun> name may only
// hold letters, digits, '-', '_' and '.'".
inline Status ValidateObjectName(std::string_view noun, std::string_view name, size_t max_len) {
  const std::string n(noun);
  if (name.empty()) return InvalidRequest("missing " + n + " name");
  if (name.size() > max_len) return InvalidRequest(n + " name is too long");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return InvalidRequest(n + " name may only hold letters, digits, '-', '_' and '.'");
    }
  }
  return OkStatus();
}

}  // namespace arca::core
