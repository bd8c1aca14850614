#include "core/seal/auto_seal.h"

#include "crypto/compare.h"

namespace arca::core {

Status ValidateRecoveryParams(int shares, int threshold) {
  auto bad = [](std::string m) { return InvalidRequest("invalid recovery configuration: " + m); };
  if (shares < 0 || threshold < 0) return bad("shares and threshold must not be negative");
  if (shares > 1 && threshold < 2) return bad("threshold must be greater than one for multiple shares");
  if (shares > 255) return bad("shares must be less than 256");
  if (threshold > 255) return bad("threshold must be less than 256");
  if (threshold > shares) return bad("threshold cannot be larger than shares");
  if (shares == 1 && threshold == 0) return bad("threshold must be at least one");
  return OkStatus();
}

Result<std::optional<SealConfig>> ReadRecoveryConfig(storage::Backend& physical) {
  ARCA_ASSIGN_OR_RETURN(auto raw, physical.Get(kRecoveryConfigPath));
  if (!raw) return std::optional<SealConfig>();
  ARCA_ASSIGN_OR_RETURN(SealConfig c, SealConfig::FromJson(*raw));
  return std::optional<SealConfig>(std::move(c));
}

Result<SecureBytes> UnwrapStoredRootKey(storage::Backend& physical, SealAccess& seal) {
  ARCA_ASSIGN_OR_RETURN(auto blob, physical.Get(kSealRootKeyPath));
  if (!blob) return Internal("the root key wrapped by the seal is missing from storage");
  return seal.Unwrap(*blob, kSealRootKeyPath);
}

Result<std::optional<SecureBytes>> UnwrapStoredRecoveryKey(storage::Backend& physical,
                                                           SealAccess& seal) {
  ARCA_ASSIGN_OR_RETURN(auto blob, physical.Get(kRecoveryKeyPath));
  if (!blob) return std::optional<SecureBytes>();
  ARCA_ASSIGN_OR_RETURN(SecureBytes key, seal.Unwrap(*blob, kRecoveryKeyPath));
  return std::optional<SecureBytes>(std::move(key));
}

Status VerifyRecoveryKey(storage::Backend& physical, SealAccess& seal, const SecureBytes& key) {
  ARCA_ASSIGN_OR_RETURN(auto stored, UnwrapStoredRecoveryKey(physical, seal));
  if (!stored) return InvalidRequest("failed to verify recovery key: no recovery key is stored");
  if (!crypto::ConstantTimeEquals(stored->view(), key.view())) {
    return InvalidRequest("failed to verify recovery key: the recovery key shares do not match "
                          "the stored recovery key");
  }
  return OkStatus();
}

storage::Operation PutOp(std::string_view key, std::string value) {
  storage::Operation op;
  op.kind = storage::Operation::Kind::kPut;
  op.key = std::string(key);
  op.value = std::move(value);
  return op;
}

storage::Operation DeleteOp(std::string_view key) {
  storage::Operation op;
  op.kind = storage::Operation::Kind::kDelete;
  op.key = std::string(key);
  return op;
}

Result<std::vector<storage::Operation>> AutoSealWrites(SealAccess& seal, const SecureBytes& root_key,
                                                       const SecureBytes* recovery_key,
                                                       const SealConfig& recovery_config) {
  std::vector<storage::Operation> ops;
  ARCA_ASSIGN_OR_RETURN(std::string root_blob, seal.Wrap(root_key.view(), kSealRootKeyPath));
  ops.push_back(PutOp(kSealRootKeyPath, std::move(root_blob)));
  if (recovery_key != nullptr) {
    ARCA_ASSIGN_OR_RETURN(std::string rk_blob, seal.Wrap(recovery_key->view(), kRecoveryKeyPath));
    ops.push_back(PutOp(kRecoveryKeyPath, std::move(rk_blob)));
  } else {
    ops.push_back(DeleteOp(kRecoveryKeyPath));
  }
  SealConfig rc = recovery_config;
  rc.type = "shamir";
  ops.push_back(PutOp(kRecoveryConfigPath, rc.ToJson()));
  SealConfig barrier;
  barrier.type = std::string(seal.Type());
  barrier.secret_shares = 1;
  barrier.secret_threshold = 1;
  ops.push_back(PutOp(kSealConfigPath, barrier.ToJson()));
  return ops;
}

Status CommitSealWrites(storage::Backend& physical, std::span<const storage::Operation> ops) {
  if (storage::Transactional* tx = physical.AsTransactional()) return tx->Commit(ops);
  for (const auto& op : ops) {
    if (op.kind == storage::Operation::Kind::kPut) {
      ARCA_RETURN_IF_ERROR(physical.Put(op.key, op.value));
    } else {
      ARCA_RETURN_IF_ERROR(physical.Delete(op.key));
    }
  }
  return OkStatus();
}

}  // namespace arca::core
