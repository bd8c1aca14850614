// What an auto-unseal seal (core/seal/seal_access.h) keeps in storage, beside the seal config.
// None of it goes through the barrier: these entries are what opens it. Formats:
// docs/formats/seal.md.
//
//   core/seal-config      {"type":"<seal type>","secret_shares":1,"secret_threshold":1}
//   core/seal-root-key    the root key, wrapped by the seal (aad: this path)
//   core/recovery-config  {"type":"shamir","secret_shares":N,"secret_threshold":T} (N may be 0)
//   core/recovery-key     a random 32-byte recovery key, wrapped by the seal (aad: this path);
//                         absent when N = 0. Recovery key shares are its Shamir split (one share
//                         = the key itself). It only authorises operations (rekey of the recovery
//                         keys, generate-root, seal migration, sys/unseal after sys/seal); it
//                         cannot open the root key.
//
// Thread-safety: free functions over a thread-safe backend and seal.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "core/seal/seal_access.h"
#include "core/seal/shamir_seal.h"
#include "storage/backend.h"

namespace arca::core {

inline constexpr std::string_view kSealRootKeyPath = "core/seal-root-key";
inline constexpr std::string_view kRecoveryConfigPath = "core/recovery-config";
inline constexpr std::string_view kRecoveryKeyPath = "core/recovery-key";

// Recovery share counts, checked as Vault does (0 shares = no recovery keys). Messages are
// Vault's, prefixed "invalid recovery configuration: ".
Status ValidateRecoveryParams(int shares, int threshold);

Result<std::optional<SealConfig>> ReadRecoveryConfig(storage::Backend& physical);

// The root key stored for an auto seal, unwrapped by `seal`. Errors: Internal when the entry is
// missing; the seal's own error otherwise (kUnavailable: retry later).
Result<SecureBytes> UnwrapStoredRootKey(storage::Backend& physical, SealAccess& seal);
// The stored recovery key (nullopt when there is none: 0 recovery shares).
Result<std::optional<SecureBytes>> UnwrapStoredRecoveryKey(storage::Backend& physical,
                                                           SealAccess& seal);
// Checks `key` (a combined recovery key) against the stored recovery key in constant time.
// Wrong key, or no recovery key stored: InvalidRequest.
Status VerifyRecoveryKey(storage::Backend& physical, SealAccess& seal, const SecureBytes& key);

// The writes that store an auto seal's state: root key and recovery key (null: none) wrapped by
// `seal`, the recovery config and the barrier seal config (written last in the list).
Result<std::vector<storage::Operation>> AutoSealWrites(SealAccess& seal, const SecureBytes& root_key,
                                                       const SecureBytes* recovery_key,
                                                       const SealConfig& recovery_config);

// Applies `ops` in one physical transaction when the backend has transactions; otherwise one by
// one in the given order (callers order them so that a crash between two leaves a usable state:
// new entries first, the seal config as the switch, deletions last).
Status CommitSealWrites(storage::Backend& physical, std::span<const storage::Operation> ops);

storage::Operation PutOp(std::string_view key, std::string value);
storage::Operation DeleteOp(std::string_view key);

}  // namespace arca::core
