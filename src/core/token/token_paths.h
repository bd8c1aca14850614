// Internal to the token backend: the path groups it is assembled from, and shared helpers.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "core/token/token_backend.h"
#include "core/token/token_store.h"
#include "logical/framework/path.h"
#include "logical/response.h"

namespace arca::core::token_paths {

namespace fw = logical::framework;

struct Context {
  TokenStore* store = nullptr;
  const logical::SystemView* system = nullptr;
  SudoCheck has_sudo;  // never null here
  TokenIdentityHooks identity;
};

// create, create-orphan, create/:role_name.
std::vector<fw::Path> CreatePaths(const Context& ctx);
// roles/:role_name and LIST roles.
std::vector<fw::Path> RolePaths(const Context& ctx);

// The `auth` block of a create or renew response (`token` empty for accessor renewals).
logical::Response AuthResponse(const TokenEntry& e, std::string_view token,
                               std::chrono::seconds ttl);

// "token-" + the display name with characters outside [A-Za-z0-9-] replaced by '-', trailing
// '-' removed; "token" when `requested` is empty.
std::string TokenDisplayName(std::string_view requested);

}  // namespace arca::core::token_paths
