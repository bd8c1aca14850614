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

bool PathMatchesAny(std::string_view path, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    if (!p.empty() && p.back() == '*') {
      std::string_view prefix(p.data(), p.size() - 1);
      if (path.substr(0, prefix.size()) == prefix) return true;
    } else if (path == p) {
      return true;
    }
  }
  return false;
}

}  // namespace arca::logical
