// Barrier: the encryption layer between the core and untrusted physical storage.
//
// Every value is stored as AES-256-GCM ciphertext under the keyring's active term, with the
// storage path as associated data, so a tampered entry, or one moved to another path, fails to
// decrypt (an Internal error, never garbage). The keyring itself lives at "core/keyring",
// encrypted with the root key. Sealed = no keys in memory: every operation fails with Sealed.
// Format: docs/formats/barrier.md.
//
// Thread-safety: all methods are safe for concurrent use.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "core/barrier/keyring.h"
#include "logical/storage.h"
#include "storage/backend.h"

namespace arca::core {

inline constexpr std::string_view kKeyringPath = "core/keyring";
// The root key after a rekey, encrypted through the barrier (keyring terms survive a rekey), so
// that an unsealed HA standby can follow the rekey (Barrier::Reload).
inline constexpr std::string_view kRootKeyUpgradePath = "core/upgrade/root-key";

struct KeyStatus {
  uint32_t term = 0;
  std::string install_time;
  uint64_t encryptions = 0;
};

class Barrier : public logical::Storage {
 public:
  // `physical` must outlive the barrier.
  explicit Barrier(storage::Backend& physical) : physical_(physical) {}
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // Whether a keyring exists in storage.
  Result<bool> Initialized();
  // Creates and persists a new keyring encrypted with `root_key` (32 bytes), replacing any
  // keyring left by an interrupted initialization. The barrier stays sealed.
  // REQUIRES: the core is not initialized (the caller checks the seal configuration).
  Status Initialize(const SecureBytes& root_key);
  // Loads the keyring with `root_key`. A wrong root key is InvalidRequest.
  Status Unseal(const SecureBytes& root_key);
  // Forgets every key.
  void Seal();
  bool Sealed() const;

  // Adds a new term and makes it active; returns the new term.
  Result<uint32_t> Rotate();
  // Replaces the root key (rekey): the keyring, re-encrypted with `new_root_key` (32 bytes), is
  // written together with `seal_ops` (the seal entries that wrap the new root key) in one
  // atomic, durable batch, so a crash leaves either the old or the new key set. Errors:
  // Sealed; Internal when the physical backend has no transactional batch; a failed write
  // changes nothing (on disk or in memory).
  Status RotateRootKey(const SecureBytes& new_root_key, std::vector<storage::Operation> seal_ops);
  Result<KeyStatus> GetKeyStatus() const;
  // Re-reads the keyring from storage (an HA node taking over, or a standby meeting a new key
  // term): with the root key held, or -- after a rekey elsewhere -- with the new root key that
  // the rekey left at kRootKeyUpgradePath. Errors: Sealed; the keyring's or the storage's.
  Status Reload();
  // Whether `stored_keyring` (a keyring entry as stored at kKeyringPath, e.g. from a snapshot)
  // decrypts with the root key this barrier holds (a snapshot restore's keyring check).
  // Errors: Sealed.
  Result<bool> KeyringOpens(std::string_view stored_keyring) const;
  // Encrypts/decrypts a value bound to `path` without storing it (values kept outside the
  // storage entries, e.g. the HA lock's advertisement). Errors: Sealed; Decrypt's.
  Result<std::string> EncryptValue(std::string_view path, std::string_view plaintext) const;
  Result<std::string> DecryptValue(std::string_view path, std::string_view ciphertext) const;

  // logical::Storage: encrypt/decrypt through the active keyring.
  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  // Encrypts and writes several entries in one atomic, durable batch when the physical backend
  // is transactional (else one after the other, in order).
  Status PutBatch(const std::vector<std::pair<std::string, std::string>>& puts);
  // Puts (encrypted) and deletes in one atomic, durable batch when the physical backend is
  // transactional (one etcd txn, one LMDB transaction), else one after the other, in order.
  Status Commit(std::span<const logical::WriteOp> ops) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;

 private:
  Result<std::string> Encrypt(const BarrierKey& key, std::string_view path,
                              std::string_view plaintext) const;
  Result<std::string> Decrypt(std::string_view path, std::string_view ciphertext) const;
  Status PersistKeyring(const Keyring& keyring, const SecureBytes& root_key);
  Result<std::string> SealKeyring(const Keyring& keyring, const SecureBytes& root_key) const;

  storage::Backend& physical_;
  mutable std::shared_mutex mu_;
  std::optional<Keyring> keyring_;  // guarded by mu_; nullopt = sealed
  SecureBytes root_key_;            // guarded by mu_
  mutable std::atomic<uint64_t> encryptions_{0};
};

}  // namespace arca::core
