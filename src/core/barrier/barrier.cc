#include "core/barrier/barrier.h"

#include <mutex>

#include "crypto/aead.h"

namespace arca::core {
namespace {

constexpr uint8_t kVersionAadPath = 2;
constexpr size_t kHeaderSize = 5;  // term (4, big endian) + version (1)

std::string Header(uint32_t term) {
  std::string h(kHeaderSize, '\0');
  h[0] = static_cast<char>(term >> 24);
  h[1] = static_cast<char>(term >> 16);
  h[2] = static_cast<char>(term >> 8);
  h[3] = static_cast<char>(term);
  h[4] = static_cast<char>(kVersionAadPath);
  return h;
}

}  // namespace

Result<bool> Barrier::Initialized() {
  ARCA_ASSIGN_OR_RETURN(auto v, physical_.Get(kKeyringPath));
  return v.has_value();
}

Result<std::string> Barrier::SealKeyring(const Keyring& keyring,
                                         const SecureBytes& root_key) const {
  SecureBytes plain = keyring.Serialize();
  // Term 0 marks "encrypted with the root key".
  ARCA_ASSIGN_OR_RETURN(std::string sealed,
                        crypto::AesGcmSeal(root_key.span(), plain.view(), kKeyringPath));
  return Header(0) + sealed;
}

Status Barrier::PersistKeyring(const Keyring& keyring, const SecureBytes& root_key) {
  ARCA_ASSIGN_OR_RETURN(std::string sealed, SealKeyring(keyring, root_key));
  return physical_.Put(kKeyringPath, sealed);
}

Status Barrier::RotateRootKey(const SecureBytes& new_root_key,
                              std::vector<storage::Operation> seal_ops) {
  if (new_root_key.size() != 32) return InvalidRequest("root key must be 32 bytes");
  storage::Transactional* tx = physical_.AsTransactional();
  if (tx == nullptr) {
    return Internal("rekey needs a storage backend with atomic batches (\"" +
                       std::string(physical_.Type()) + "\" has none)");
  }
  // Exclusive: no write may interleave with the keyring being replaced.
  std::unique_lock lock(mu_);
  if (!keyring_) return ::arca::Sealed();
  storage::Operation keyring_op;
  keyring_op.key = std::string(kKeyringPath);
  ARCA_ASSIGN_OR_RETURN(keyring_op.value, SealKeyring(*keyring_, new_root_key));
  seal_ops.insert(seal_ops.begin(), std::move(keyring_op));
  storage::Operation upgrade_op;
  upgrade_op.key = std::string(kRootKeyUpgradePath);
  ARCA_ASSIGN_OR_RETURN(upgrade_op.value,
                        Encrypt(*keyring_->Active(), kRootKeyUpgradePath, new_root_key.view()));
  seal_ops.push_back(std::move(upgrade_op));
  ARCA_RETURN_IF_ERROR(tx->Commit(seal_ops));
  root_key_ = new_root_key.Clone();
  return OkStatus();
}


Status Barrier::Reload() {
  SecureBytes root_key;
  {
    std::shared_lock lock(mu_);
    if (!keyring_) return ::arca::Sealed();
    root_key = root_key_.Clone();
  }
  Status s = Unseal(root_key);
  if (s || s.error().kind() != ErrorKind::kInvalidRequest) return s;
  // The root key changed (a rekey on another node): its successor is in the upgrade entry,
  // readable with the keyring terms this node holds.
  ARCA_ASSIGN_OR_RETURN(auto raw, physical_.Get(kRootKeyUpgradePath));
  if (!raw) return std::unexpected(s.error());
  std::string plain;
  {
    std::shared_lock lock(mu_);
    if (!keyring_) return ::arca::Sealed();
    ARCA_ASSIGN_OR_RETURN(plain, Decrypt(kRootKeyUpgradePath, *raw));
  }
  SecureBytes next = SecureBytes::FromString(plain);
  SecureWipe(plain);
  return Unseal(next);
}

Result<bool> Barrier::KeyringOpens(std::string_view stored_keyring) const {
  std::shared_lock lock(mu_);
  if (!keyring_) return ::arca::Sealed();
  if (stored_keyring.size() < kHeaderSize || stored_keyring[4] != kVersionAadPath) return false;
  auto plain = crypto::AesGcmOpen(root_key_.span(), stored_keyring.substr(kHeaderSize), kKeyringPath);
  if (!plain) return false;
  const bool ok = Keyring::Deserialize(*plain).has_value();
  SecureWipe(*plain);
  return ok;
}

Result<std::string> Barrier::EncryptValue(std::string_view path, std::string_view plaintext) const {
  std::shared_lock lock(mu_);
  if (!keyring_) return ::arca::Sealed();
  return Encrypt(*keyring_->Active(), path, plaintext);
}

Result<std::string> Barrier::DecryptValue(std::string_view path,
                                          std::string_view ciphertext) const {
  std::shared_lock lock(mu_);
  if (!keyring_) return ::arca::Sealed();
  return Decrypt(path, ciphertext);
}

Status Barrier::Initialize(const SecureBytes& root_key) {
  if (root_key.size() != 32) return InvalidRequest("root key must be 32 bytes");
  Keyring keyring = Keyring::Generate();
  return PersistKeyring(keyring, root_key);
}

Status Barrier::Unseal(const SecureBytes& root_key) {
  ARCA_ASSIGN_OR_RETURN(auto raw, physical_.Get(kKeyringPath));
  if (!raw) return Unavailable("Vault is not initialized");
  if (raw->size() < kHeaderSize || (*raw)[4] != kVersionAadPath) {
    return Internal("keyring entry is corrupt");
  }
  auto plain = crypto::AesGcmOpen(root_key.span(), std::string_view(*raw).substr(kHeaderSize),
                                  kKeyringPath);
  if (!plain) return InvalidRequest("invalid key: the keyring does not decrypt with it");
  auto keyring = Keyring::Deserialize(*plain);
  SecureWipe(*plain);
  if (!keyring) return std::unexpected(keyring.error());
  std::unique_lock lock(mu_);
  keyring_ = std::move(*keyring);
  root_key_ = root_key.Clone();
  return OkStatus();
}

void Barrier::Seal() {
  std::unique_lock lock(mu_);
  keyring_.reset();
  root_key_ = SecureBytes();
}

bool Barrier::Sealed() const {
  std::shared_lock lock(mu_);
  return !keyring_.has_value();
}

Result<uint32_t> Barrier::Rotate() {
  std::unique_lock lock(mu_);
  if (!keyring_) return ::arca::Sealed();
  // Persist a copy first so that a failed write leaves the in-memory keyring unchanged.
  ARCA_ASSIGN_OR_RETURN(Keyring next, Keyring::Deserialize(keyring_->Serialize().view()));
  uint32_t term = next.Rotate().term;
  ARCA_RETURN_IF_ERROR(PersistKeyring(next, root_key_));
  keyring_ = std::move(next);
  return term;
}

Result<KeyStatus> Barrier::GetKeyStatus() const {
  std::shared_lock lock(mu_);
  if (!keyring_) return ::arca::Sealed();
  const BarrierKey* active = keyring_->Active();
  return KeyStatus{active->term, active->install_time, encryptions_.load()};
}

Result<std::string> Barrier::Encrypt(const BarrierKey& key, std::string_view path,
                                     std::string_view plaintext) const {
  ARCA_ASSIGN_OR_RETURN(std::string body,
                        key.gcm ? key.gcm->Seal(plaintext, path)
                                : crypto::AesGcmSeal(key.value.span(), plaintext, path));
  encryptions_.fetch_add(1, std::memory_order_relaxed);
  return Header(key.term) + body;
}

Result<std::string> Barrier::Decrypt(std::string_view path, std::string_view ciphertext) const {
  if (ciphertext.size() < kHeaderSize) return Internal("barrier entry at \"" + std::string(path) + "\" is truncated");
  auto b = reinterpret_cast<const uint8_t*>(ciphertext.data());
  uint32_t term = (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
  if (b[4] != kVersionAadPath) return Internal("barrier entry has an unknown version");
  const BarrierKey* key = keyring_->Term(term);
  if (!key) return Internal("barrier entry uses unknown key term " + std::to_string(term));
  const std::string_view body = ciphertext.substr(kHeaderSize);
  auto plain = key->gcm ? key->gcm->Open(body, path)
                        : crypto::AesGcmOpen(key->value.span(), body, path);
  if (!plain) {
    return Internal("barrier entry at \"" + std::string(path) +
                    "\" failed authentication (tampered or moved)");
  }
  return plain;
}

Result<std::optional<std::string>> Barrier::Get(std::string_view key) {
  for (int attempt = 0;; ++attempt) {
    {
      std::shared_lock lock(mu_);
      if (!keyring_) return ::arca::Sealed();
      ARCA_ASSIGN_OR_RETURN(auto raw, physical_.Get(key));
      if (!raw) return std::optional<std::string>();
      const auto b = reinterpret_cast<const uint8_t*>(raw->data());
      const bool unknown_term =
          raw->size() >= kHeaderSize &&
          keyring_->Term((uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) |
                         (uint32_t(b[2]) << 8) | b[3]) == nullptr;
      if (attempt > 0 || !unknown_term) {
        ARCA_ASSIGN_OR_RETURN(std::string plain, Decrypt(key, *raw));
        return std::optional<std::string>(std::move(plain));
      }
    }
    // Written with a key term this node has not seen: another node rotated the keyring (an HA
    // standby reading before it heard of the rotation). Read the keyring again, once.
    ARCA_RETURN_IF_ERROR(Reload());
  }
}

Status Barrier::Put(std::string_view key, std::string_view value) {
  std::string ciphertext;
  {
    std::shared_lock lock(mu_);
    if (!keyring_) return ::arca::Sealed();
    if (key == kKeyringPath) return InvalidRequest("cannot write the keyring through the barrier");
    ARCA_ASSIGN_OR_RETURN(ciphertext, Encrypt(*keyring_->Active(), key, value));
  }
  return physical_.Put(key, ciphertext);
}

Status Barrier::PutBatch(const std::vector<std::pair<std::string, std::string>>& puts) {
  std::vector<logical::WriteOp> ops;
  ops.reserve(puts.size());
  for (const auto& [key, value] : puts) {
    ops.push_back({.kind = logical::WriteOp::Kind::kPut, .key = key, .value = value});
  }
  return Commit(ops);
}

Status Barrier::Commit(std::span<const logical::WriteOp> ops) {
  std::vector<storage::Operation> physical;
  physical.reserve(ops.size());
  {
    std::shared_lock lock(mu_);
    if (!keyring_) return ::arca::Sealed();
    for (const logical::WriteOp& op : ops) {
      if (op.key == kKeyringPath) {
        return InvalidRequest(op.kind == logical::WriteOp::Kind::kPut
                                  ? "cannot write the keyring through the barrier"
                                  : "cannot delete the keyring through the barrier");
      }
      storage::Operation out;
      out.key = op.key;
      if (op.kind == logical::WriteOp::Kind::kPut) {
        ARCA_ASSIGN_OR_RETURN(out.value, Encrypt(*keyring_->Active(), op.key, op.value));
      } else {
        out.kind = storage::Operation::Kind::kDelete;
      }
      physical.push_back(std::move(out));
    }
  }
  if (physical.size() == 1) {
    const storage::Operation& op = physical.front();
    return op.kind == storage::Operation::Kind::kPut ? physical_.Put(op.key, op.value)
                                                     : physical_.Delete(op.key);
  }
  if (storage::Transactional* tx = physical_.AsTransactional()) return tx->Commit(physical);
  for (const auto& op : physical) {
    ARCA_RETURN_IF_ERROR(op.kind == storage::Operation::Kind::kPut
                             ? physical_.Put(op.key, op.value)
                             : physical_.Delete(op.key));
  }
  return OkStatus();
}

Status Barrier::Delete(std::string_view key) {
  {
    std::shared_lock lock(mu_);
    if (!keyring_) return ::arca::Sealed();
  }
  if (key == kKeyringPath) return InvalidRequest("cannot delete the keyring through the barrier");
  return physical_.Delete(key);
}

Result<std::vector<std::string>> Barrier::List(std::string_view prefix) {
  {
    std::shared_lock lock(mu_);
    if (!keyring_) return ::arca::Sealed();
  }
  return physical_.List(prefix);
}

}  // namespace arca::core
