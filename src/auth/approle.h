// The AppRole auth method (type "approle"), following Vault's API (see API-NOTES §f):
//
//   LIST          role
//   POST/GET/DEL  role/:role_name   {bind_secret_id (true), secret_id_bound_cidrs,
//                                    secret_id_num_uses, secret_id_ttl, local_secret_ids,
//                                    role_id (custom, create only), token_*}
//   GET/POST/DEL  role/:role_name/{policies, secret-id-num-uses, secret-id-ttl, token-ttl,
//                 token-max-ttl, bind-secret-id, secret-id-bound-cidrs, token-bound-cidrs,
//                 period}
//   GET/POST      role/:role_name/role-id
//   POST / LIST   role/:role_name/secret-id {metadata, cidr_list, token_bound_cidrs, num_uses,
//                                             ttl}  /  accessors
//   POST          role/:role_name/secret-id/lookup, .../secret-id/destroy (also DELETE),
//                 .../secret-id-accessor/lookup, .../secret-id-accessor/destroy,
//                 .../custom-secret-id {secret_id, ...}
//   POST          login {role_id, secret_id}   (unauthenticated)
//   POST          tidy/secret-id
//
// Role names are case-insensitive (lowercased). Secret IDs and accessors are stored only as
// HMAC-SHA256 under a random per-mount salt (storage key "salt"). Login failures are 400
// "invalid role or secret ID"; a client outside the role's secret_id_bound_cidrs or the secret
// ID's cidr_list gets 400 "source address ... unauthorized ..." (as Vault). Uses of one secret
// ID are serialized (striped mutex): a secret ID with n uses admits exactly n logins, even
// concurrent ones, and is deleted at its last use. Expired secret IDs are refused and removed
// by tidy/secret-id.
//
// Storage: salt; role/<name>; role_id/<hmac(role_id)> -> {name};
// secret_id/<name>/<hmac(secret_id)> -> entry; accessor/<hmac(accessor)> -> {role, hmac}.
// Thread-safety: the backend is safe for concurrent requests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "common/status.h"
#include "logical/backend.h"

namespace arca::auth {

struct ApproleOptions {
  std::function<std::chrono::system_clock::time_point()> clock;  // default: system clock
};

Result<std::unique_ptr<logical::Backend>> NewApproleBackend(const logical::BackendConfig& config,
                                                            ApproleOptions options);
// The factory registered for "approle" (default options).
Result<std::unique_ptr<logical::Backend>> NewApproleBackend(const logical::BackendConfig& config);

}  // namespace arca::auth
