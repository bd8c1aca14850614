// The userpass auth method (type "userpass"), following Vault's API:
//
//   LIST          users                      {"keys": [names]}
//   POST/GET/DEL  users/:username            {password | password_hash, token_*}
//   POST          users/:username/password   {password | password_hash}
//   POST          users/:username/policies   {token_policies | policies}
//   POST          login/:username            {password}  (unauthenticated) -> auth block
//   GET/POST      config/lockout             {lockout_threshold, lockout_duration,
//                                             lockout_counter_reset, lockout_disable}
//
// Usernames are case-insensitive (lowercased). Passwords are stored as bcrypt hashes ($2b$,
// cost Options::bcrypt_cost, default 10); password_hash imports an existing bcrypt hash. A
// wrong password and an unknown user give the same 400 "invalid username or password" and
// take the same time (an unknown user is checked against a dummy hash of the same cost). A
// login from outside the user's token_bound_cidrs is 403.
//
// Lockout (lockout.h): failures count per username, known or not (so the lock reveals
// nothing); a locked name gets 400 "user is locked ..." without its password being checked.
// Configured per mount through config/lockout (the mount's user_lockout_config is not
// reachable from a backend).
//
// Storage: user/<name> -> {password_hash, token fields}; config/lockout.
// Thread-safety: the backend is safe for concurrent requests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "auth/bcrypt.h"
#include "common/status.h"
#include "logical/backend.h"
#include "logical/lockout.h"

namespace arca::auth {

using logical::LockoutConfig;
using logical::LockoutRegistry;

struct UserpassOptions {
  int bcrypt_cost = kDefaultBcryptCost;                          // tests use kMinBcryptCost
  std::function<std::chrono::system_clock::time_point()> clock;  // default: system clock
  LockoutRegistry* lockout = nullptr;                            // default: Global()
};

Result<std::unique_ptr<logical::Backend>> NewUserpassBackend(const logical::BackendConfig& config,
                                                             UserpassOptions options);
// The factory registered for "userpass" (default options).
Result<std::unique_ptr<logical::Backend>> NewUserpassBackend(const logical::BackendConfig& config);

}  // namespace arca::auth
