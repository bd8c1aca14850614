#include "logical/backend.h"
#include "logical/request.h"
#include "logical/response.h"

#include "crypto/password.h"

namespace arca::logical {

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kRead: return "read";
    case Operation::kCreate: return "create";
    case Operation::kUpdate: return "update";
    case Operation::kPatch: return "patch";
    case Operation::kDelete: return "delete";
    case Operation::kList: return "list";
    case Operation::kScan: return "scan";
    case Operation::kHelp: return "help";
    case Operation::kRevoke: return "revoke";
    case Operation::kRenew: return "renew";
  }
  return "unknown";
}

Response Response::ListResponse(const std::vector<std::string>& keys) {
  Response r;
  json::array arr;
  arr.reserve(keys.size());
  for (const auto& k : keys) arr.emplace_back(k);
  r.empty_list = keys.empty();
  r.data["keys"] = std::move(arr);
  return r;
}

Result<std::string> SystemView::GeneratePassword(std::string_view policy) const {
  if (!policy.empty()) {
    return InvalidRequest("password policy \"" + std::string(policy) + "\" does not exist");
  }
  return crypto::GeneratePassword(crypto::DefaultPasswordPolicy());
}

namespace {

// Matches one pattern: '+' stands for exactly one path segment, a trailing '*' for any suffix.
bool PathMatches(std::string_view path, std::string_view pattern) {
  const bool prefix = !pattern.empty() && pattern.back() == '*';
  if (prefix) pattern.remove_suffix(1);
  if (pattern.find('+') == std::string_view::npos) {
    return prefix ? path.starts_with(pattern) : path == pattern;
  }
  size_t pi = 0;  // position in pattern
  size_t xi = 0;  // position in path
  while (pi < pattern.size()) {
    const bool plus_segment = pattern[pi] == '+' && (pi == 0 || pattern[pi - 1] == '/') &&
                              (pi + 1 == pattern.size() || pattern[pi + 1] == '/');
    if (plus_segment) {
      const size_t end = path.find('/', xi);
      const size_t seg_end = end == std::string_view::npos ? path.size() : end;
      if (seg_end == xi) return false;  // '+' needs a non-empty segment
      xi = seg_end;
      ++pi;
      continue;
    }
    if (xi >= path.size() || path[xi] != pattern[pi]) return false;
    ++xi;
    ++pi;
  }
  return prefix || xi == path.size();
}

}  // namespace

bool PathMatchesAny(std::string_view path, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    if (PathMatches(path, p)) return true;
  }
  return false;
}

}  // namespace arca::logical
