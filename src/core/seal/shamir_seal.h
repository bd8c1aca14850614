// The Shamir seal: the root key is stored encrypted under a key-encryption key (KEK), and the
// KEK is split into unseal key shares (Shamir over GF(256)). With a single share, the share is
// the KEK itself. Neither entry goes through the barrier (it cannot: they are what opens it);
// both are AES-256-GCM protected or public. Formats: docs/formats/seal.md.
//
//   core/seal-config      plaintext JSON: {"type":"shamir","secret_shares":N,"secret_threshold":T,...}
//   core/shamir-root-key  header(term 0, version 2) + AES-GCM(KEK, root key, aad = path)
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "storage/backend.h"

namespace arca::core {

inline constexpr std::string_view kSealConfigPath = "core/seal-config";
inline constexpr std::string_view kShamirRootKeyPath = "core/shamir-root-key";

struct SealConfig {
  std::string type = "shamir";
  int secret_shares = 0;
  int secret_threshold = 0;
  std::string ToJson() const;
  static Result<SealConfig> FromJson(std::string_view text);
};

// Validates share/threshold counts the way Vault does (400s with Vault's messages).
Status ValidateShamirParams(int shares, int threshold);

Result<std::optional<SealConfig>> ReadSealConfig(storage::Backend& physical);

// Creates the seal: stores the seal config and the root key wrapped by a fresh KEK; returns
// the unseal key shares. `before_store`, when set, is called with the shares before anything
// is written; an error from it is returned and nothing is stored (the caller can hand the
// shares out in a form that may fail, PGP-encrypted, without losing them).
Result<std::vector<SecureBytes>> CreateShamirSeal(
    storage::Backend& physical, const SecureBytes& root_key, const SealConfig& config,
    const std::function<Status(const std::vector<SecureBytes>&)>& before_store = {});

// Combines the shares (exactly `threshold` of them) and unwraps the root key. Wrong shares give
// InvalidRequest.
Result<SecureBytes> RecoverRootKey(storage::Backend& physical, const SealConfig& config,
                                   const std::vector<SecureBytes>& shares);

// Unseal keys are given as hex or base64 text.
Result<SecureBytes> DecodeUnsealKey(std::string_view text);

// --- building blocks (also for rekey, generate-root and seal migration) ---

// Splits a 32-byte key into `shares` key shares of which `threshold` recover it; one share is
// the key itself (as Vault does for unseal and recovery keys).
Result<std::vector<SecureBytes>> SplitKey(const SecureBytes& key, int shares, int threshold);
// Reverses SplitKey for a config of `config.secret_shares` shares: one share is the key itself,
// otherwise the shares are combined (Shamir). Errors: InvalidRequest for malformed shares.
Result<SecureBytes> CombineShares(const SealConfig& config, const std::vector<SecureBytes>& shares);
// The value stored at kShamirRootKeyPath for `root_key` wrapped by `kek`.
Result<std::string> ShamirRootKeyEntry(const SecureBytes& kek, const SecureBytes& root_key);
// Opens the stored Shamir root key with a combined KEK. A wrong KEK: InvalidRequest.
Result<SecureBytes> OpenShamirRootKey(storage::Backend& physical, const SecureBytes& kek);

}  // namespace arca::core
