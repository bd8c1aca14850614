// bcrypt password hashes ($2b$) through libcrypt (crypt_gensalt_rn / crypt_r), as Vault's
// userpass stores them. Verification compares the recomputed hash with the stored one in
// constant time (crypto::ConstantTimeEquals).
//
// Thread-safety: all functions are thread-safe (per-call crypt_data).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace arca::auth {

inline constexpr int kDefaultBcryptCost = 10;  // Go's bcrypt.DefaultCost, as Vault uses
inline constexpr int kMinBcryptCost = 4;
inline constexpr int kMaxBcryptCost = 31;
inline constexpr size_t kMaxBcryptPasswordBytes = 72;  // bcrypt ignores anything beyond

// A new "$2b$<cost>$<22 salt chars><31 hash chars>" hash of `password` with a random salt.
// InvalidRequest: empty password, longer than 72 bytes, cost out of range. Internal: libcrypt
// failed.
Result<std::string> BcryptHash(std::string_view password, int cost = kDefaultBcryptCost);

// True iff `hash` has the bcrypt shape ($2a$/$2b$/$2y$, a two-digit cost 04..31, 53 chars of
// the bcrypt base64 alphabet).
bool IsBcryptHash(std::string_view hash);

// True iff `password` matches `hash`. A malformed hash or a libcrypt failure is false.
bool BcryptVerify(std::string_view password, std::string_view hash);

// The cost encoded in a well-formed hash (0 if malformed).
int BcryptCost(std::string_view hash);

}  // namespace arca::auth
