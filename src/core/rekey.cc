// Rekey (Vault's sys/rekey/* and sys/rekey-recovery-key/*). A threshold of the current key
// shares (unseal keys with the Shamir seal, recovery keys with an auto seal) authorises:
//   - Shamir, barrier: a new root key, the keyring re-encrypted with it, and a new
//     key-encryption key split into the new unseal key shares;
//   - auto seal, barrier: a new root key only (wrapped by the seal; no shares are returned);
//   - auto seal, recovery: a new recovery key split into the new recovery key shares.
// The keyring and the seal entries change in one atomic batch (Barrier::RotateRootKey). With
// require_verification the new shares are returned first and only take effect once a threshold
// of them is given back to .../verify.
#include <spdlog/spdlog.h>

#include <mutex>

#include "common/encoding.h"
#include "common/uuid.h"
#include "core/barrier/barrier.h"
#include "core/core.h"
#include "core/seal/auto_seal.h"
#include "crypto/compare.h"
#include "crypto/random.h"
#include "pgp/pgp.h"

namespace arca::core {
namespace {

// Vault's bounds for a share: the barrier key length (16..32) plus the Shamir overhead.
constexpr size_t kMinShareLength = 16;
constexpr size_t kMaxShareLength = 33;

// Appends `key` unless an equal share was given already (constant-time comparison).
Status AddShare(std::vector<SecureBytes>& progress, SecureBytes key, std::string_view operation) {
  for (const auto& existing : progress) {
    if (crypto::ConstantTimeEquals(existing.view(), key.view())) {
      return InvalidRequest("given key has already been provided during this " +
                            std::string(operation) + " operation");
    }
  }
  progress.push_back(std::move(key));
  return OkStatus();
}

SealConfig NewConfig(const RekeyOperation& op) {
  SealConfig c;
  c.secret_shares = op.params.secret_shares;
  c.secret_threshold = op.params.secret_threshold;
  return c;
}

}  // namespace

Result<SealConfig> Core::CurrentSealConfig() {
  ARCA_ASSIGN_OR_RETURN(bool initialized, Initialized());
  if (!initialized) return InvalidRequest("server is not yet initialized");
  if (barrier_->Sealed()) return ::arca::Sealed();
  return KeyShareConfig();
}

Status Core::RequireRotatable() {
  ARCA_ASSIGN_OR_RETURN(SealConfig current, CurrentSealConfig());
  (void)current;
  return OkStatus();
}

Result<SecureBytes> Core::DecodeShare(std::string_view key_text) {
  if (key_text.empty()) return InvalidRequest("'key' must be specified in request body as JSON");
  ARCA_ASSIGN_OR_RETURN(SecureBytes key, DecodeUnsealKey(key_text));
  if (key.size() < kMinShareLength) {
    return InvalidRequest("key is shorter than minimum " + std::to_string(kMinShareLength) +
                          " bytes");
  }
  if (key.size() > kMaxShareLength) {
    return InvalidRequest("key is longer than maximum " + std::to_string(kMaxShareLength) +
                          " bytes");
  }
  return key;
}

void Core::DiscardRotations() {
  std::lock_guard lock(rotation_mu_);
  rekey_.reset();
  recovery_rekey_.reset();
  root_generation_.reset();
}

Result<std::vector<std::string>> Core::PgpFingerprints(const std::vector<std::string>& keys) {
  if (keys.empty()) return std::vector<std::string>();
  return pgp::Fingerprints(keys);
}

Status Core::EncodeNewShares(const RekeyOperation& op, const std::vector<SecureBytes>& shares,
                             RekeyResult& result, bool recovery) {
  if (op.params.pgp_keys.empty()) {
    for (const auto& share : shares) {
      result.keys_hex.push_back(HexEncode(share.view()));
      result.keys_base64.push_back(Base64Encode(share.view()));
    }
    return OkStatus();
  }
  auto enc = pgp::EncryptShares(shares, op.params.pgp_keys);
  if (!enc) return Internal("failed to encrypt shares: " + enc.error().message());
  result.keys_hex = std::move(enc->keys_hex);
  result.keys_base64 = std::move(enc->keys_base64);
  result.pgp_fingerprints = std::move(enc->fingerprints);
  result.backup = op.params.backup;
  if (!op.params.backup) return OkStatus();
  // Vault's backup: {"nonce": ..., "keys": {fingerprint: [hex of the message, ...]}}; stored
  // through the barrier (the messages need a PGP secret key, but they still are key shares).
  json::object by_fingerprint;
  for (size_t i = 0; i < result.pgp_fingerprints.size(); ++i) {
    json::value& list = by_fingerprint[result.pgp_fingerprints[i]];
    if (!list.is_array()) list = json::array();
    list.as_array().emplace_back(result.keys_hex[i]);
  }
  json::object backup{{"nonce", op.nonce}, {"keys", std::move(by_fingerprint)}};
  if (Status s = barrier_->Put(recovery ? kRecoveryKeysBackupPath : kUnsealKeysBackupPath,
                               json::serialize(backup));
      !s) {
    return Internal("failed to save unseal key backup: " + s.error().message());
  }
  return OkStatus();
}

Result<std::optional<json::object>> Core::RekeyBackup(bool recovery) {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  ARCA_ASSIGN_OR_RETURN(auto raw,
                        barrier_->Get(recovery ? kRecoveryKeysBackupPath : kUnsealKeysBackupPath));
  if (!raw) return std::optional<json::object>();
  auto o = ParseJsonObject(*raw);
  if (!o) return Internal("error decoding backup keys");
  return std::optional<json::object>(std::move(*o));
}

Status Core::DeleteRekeyBackup(bool recovery) {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  return barrier_->Delete(recovery ? kRecoveryKeysBackupPath : kUnsealKeysBackupPath);
}

Result<RekeyStatus> Core::GetRekeyStatus(bool recovery) {
  ARCA_ASSIGN_OR_RETURN(SealConfig current, CurrentSealConfig());
  if (recovery && !RecoveryKeysSupported()) {
    return InvalidRequest("recovery rekeying not supported");
  }
  RekeyStatus st;
  st.required = current.secret_threshold;
  std::lock_guard lock(rotation_mu_);
  const std::optional<RekeyOperation>& op = RekeySlot(recovery);
  if (!op) return st;
  st.started = true;
  st.nonce = op->nonce;
  st.t = op->params.secret_threshold;
  st.n = op->params.secret_shares;
  st.progress = static_cast<int>(op->progress.size());
  st.verification_required = op->params.require_verification;
  st.verification_nonce = op->verification_nonce;
  st.pgp_fingerprints = op->pgp_fingerprints;
  if (!op->pgp_fingerprints.empty()) st.backup = op->params.backup;
  return st;
}

Result<RekeyStatus> Core::StartRekey(const RekeyParams& in, bool recovery) {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  if (recovery && !RecoveryKeysSupported()) {
    return InvalidRequest("recovery rekeying not supported");
  }
  RekeyParams params = in;
  if (params.backup && params.pgp_keys.empty()) {
    return InvalidRequest(
        "cannot request a backup of the new keys without providing PGP keys for encryption");
  }
  if (!params.pgp_keys.empty() &&
      static_cast<int>(params.pgp_keys.size()) != params.secret_shares) {
    return InvalidRequest("incorrect number of PGP keys for rekey");
  }
  if (!recovery && RecoveryKeysSupported()) {
    // An auto seal's root key is rotated without shares (Vault's rules).
    params.secret_shares = 0;
    params.secret_threshold = 0;
    if (!params.pgp_keys.empty()) {
      return InvalidRequest(
          "PGP key encryption not supported when rekeying the barrier key with recovery keys");
    }
    if (params.backup) {
      return InvalidRequest(
          "key backup not supported when rekeying the barrier key with recovery keys");
    }
    if (params.require_verification) {
      return InvalidRequest(
          "requiring verification not supported when rekeying the barrier key with recovery "
          "keys");
    }
  } else if (Status s = ValidateShamirParams(params.secret_shares, params.secret_threshold); !s) {
    return InvalidRequest(std::string(recovery ? "invalid recovery configuration: "
                                               : "invalid rekey seal configuration: ") +
                          s.error().message());
  }
  ARCA_ASSIGN_OR_RETURN(std::vector<std::string> fingerprints, PgpFingerprints(params.pgp_keys));
  {
    std::lock_guard lock(rotation_mu_);
    std::optional<RekeyOperation>& slot = RekeySlot(recovery);
    if (slot) return InvalidRequest("rekey already in progress");
    RekeyOperation op;
    op.params = params;
    op.nonce = GenerateUuid();
    op.pgp_fingerprints = std::move(fingerprints);
    slot = std::move(op);
    spdlog::info("core: {}rekey initialized: nonce {}, shares {}, threshold {}, verification "
                 "required {}",
                 recovery ? "recovery key " : "", slot->nonce, params.secret_shares,
                 params.secret_threshold, params.require_verification);
  }
  return GetRekeyStatus(recovery);
}

Status Core::CancelRekey(bool recovery) {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  if (recovery && !RecoveryKeysSupported()) {
    return InvalidRequest("recovery rekeying not supported");
  }
  std::lock_guard lock(rotation_mu_);
  RekeySlot(recovery).reset();
  return OkStatus();
}

Result<std::optional<RekeyResult>> Core::RekeyUpdate(std::string_view key_text,
                                                     std::string_view nonce, bool recovery) {
  ARCA_ASSIGN_OR_RETURN(SecureBytes key, DecodeShare(key_text));
  ARCA_ASSIGN_OR_RETURN(SealConfig current, CurrentSealConfig());
  if (recovery && !RecoveryKeysSupported()) {
    return InvalidRequest("recovery rekeying not supported");
  }
  std::lock_guard lock(rotation_mu_);
  std::optional<RekeyOperation>& slot = RekeySlot(recovery);
  if (!slot) {
    return InvalidRequest(recovery ? "no recovery rekey in progress"
                                   : "no barrier rekey in progress");
  }
  RekeyOperation& op = *slot;
  if (!op.verification_key.empty()) {
    return InvalidRequest(
        "rekey operation already finished; verification must be performed; nonce for the "
        "verification operation is \"" + op.verification_nonce + "\"");
  }
  if (nonce != op.nonce) {
    return InvalidRequest("incorrect nonce supplied; nonce for this rekey operation is \"" +
                          op.nonce + "\"");
  }
  ARCA_RETURN_IF_ERROR(AddShare(op.progress, std::move(key), "rekey"));
  if (static_cast<int>(op.progress.size()) < current.secret_threshold) {
    return std::optional<RekeyResult>();
  }
  // Threshold reached: the shares are used once, right or wrong.
  std::vector<SecureBytes> shares = std::move(op.progress);
  op.progress.clear();
  if (Status s = VerifyKeyShares(shares); !s) {
    spdlog::warn("core: rekey: the key shares given were refused");
    if (s.error().kind() != ErrorKind::kInvalidRequest) return std::unexpected(s.error());
    return InvalidRequest(std::string(RecoveryKeysSupported() ? "recovery" : "root") +
                          " key verification failed: " + s.error().message());
  }

  RekeyResult result;
  result.nonce = op.nonce;
  if (!recovery && RecoveryKeysSupported()) {
    // An auto seal's root key: nothing to hand out, nothing to verify.
    ARCA_RETURN_IF_ERROR(CommitRekey(op, SecureBytes(), false));
    slot.reset();
    return std::optional<RekeyResult>(std::move(result));
  }
  SealConfig next = NewConfig(op);
  SecureBytes new_key = crypto::RandomKey(32);
  ARCA_ASSIGN_OR_RETURN(std::vector<SecureBytes> new_shares,
                        SplitKey(new_key, next.secret_shares, next.secret_threshold));
  ARCA_RETURN_IF_ERROR(EncodeNewShares(op, new_shares, result, recovery));
  if (op.params.require_verification) {
    op.verification_key = std::move(new_key);
    op.verification_nonce = GenerateUuid();
    result.verification_required = true;
    result.verification_nonce = op.verification_nonce;
    spdlog::info("core: rekey: new key shares issued, waiting for verification");
    return std::optional<RekeyResult>(std::move(result));
  }
  ARCA_RETURN_IF_ERROR(CommitRekey(op, new_key, recovery));
  slot.reset();
  return std::optional<RekeyResult>(std::move(result));
}

Status Core::CommitRekey(const RekeyOperation& op, const SecureBytes& key, bool recovery) {
  SealConfig next = NewConfig(op);
  if (recovery) {
    if (Status s = StoreRecoveryKey(key, next); !s) {
      spdlog::error("core: recovery key rekey failed, the current recovery keys stay valid: {}",
                    s.error().message());
      return Internal("failed to perform recovery rekey: " + s.error().message());
    }
    spdlog::info("core: recovery keys rekeyed: {} key shares, threshold {}", next.secret_shares,
                 next.secret_threshold);
    return OkStatus();
  }
  SecureBytes root_key = crypto::RandomKey(32);
  std::vector<storage::Operation> ops;
  if (SealAccess* seal = config_.seal.get()) {
    auto wrapped = seal->Wrap(root_key.view(), kSealRootKeyPath);
    if (!wrapped) {
      return Internal("failed to perform barrier rekey: " + wrapped.error().message());
    }
    ops.push_back(PutOp(kSealRootKeyPath, std::move(*wrapped)));
  } else {
    ARCA_ASSIGN_OR_RETURN(ops, ShamirSealOps(root_key, key, next));
  }
  if (Status s = barrier_->RotateRootKey(root_key, std::move(ops)); !s) {
    spdlog::error("core: rekey failed, the current keys stay valid: {}", s.error().message());
    return Internal("failed to perform barrier rekey: " + s.error().message());
  }
  if (config_.seal) {
    spdlog::info("core: security barrier rekeyed (new root key wrapped by the {} seal)",
                 config_.seal->Type());
    return OkStatus();
  }
  {
    std::lock_guard lock(unseal_mu_);
    seal_config_ = next;
  }
  spdlog::info("core: security barrier rekeyed: {} key shares, threshold {}",
               next.secret_shares, next.secret_threshold);
  return OkStatus();
}

Result<RekeyVerifyStatus> Core::GetRekeyVerifyStatus(bool recovery) {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  if (recovery && !RecoveryKeysSupported()) {
    return InvalidRequest("recovery rekeying not supported");
  }
  std::lock_guard lock(rotation_mu_);
  const std::optional<RekeyOperation>& op = RekeySlot(recovery);
  if (!op) return InvalidRequest("no rekey configuration found");
  RekeyVerifyStatus st;
  st.started = !op->verification_key.empty();
  st.nonce = op->verification_nonce;
  st.t = op->params.secret_threshold;
  st.n = op->params.secret_shares;
  st.progress = static_cast<int>(op->verification_progress.size());
  return st;
}

Result<RekeyVerifyStatus> Core::RestartRekeyVerify(bool recovery) {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  {
    std::lock_guard lock(rotation_mu_);
    if (std::optional<RekeyOperation>& op = RekeySlot(recovery)) {
      op->verification_progress.clear();
      // Vault gives a new verification nonce even before verification has started.
      op->verification_nonce = GenerateUuid();
    }
  }
  return GetRekeyVerifyStatus(recovery);
}

Result<std::optional<std::string>> Core::RekeyVerify(std::string_view key_text,
                                                     std::string_view nonce, bool recovery) {
  ARCA_ASSIGN_OR_RETURN(SecureBytes key, DecodeShare(key_text));
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  if (recovery && !RecoveryKeysSupported()) {
    return InvalidRequest("recovery rekeying not supported");
  }
  std::lock_guard lock(rotation_mu_);
  std::optional<RekeyOperation>& slot = RekeySlot(recovery);
  if (!slot) return InvalidRequest("no rekey in progress");
  RekeyOperation& op = *slot;
  if (op.verification_key.empty()) return InvalidRequest("no rekey verification in progress");
  if (nonce != op.verification_nonce) {
    return InvalidRequest("incorrect nonce supplied; nonce for this verify operation is \"" +
                          op.verification_nonce + "\"");
  }
  ARCA_RETURN_IF_ERROR(AddShare(op.verification_progress, std::move(key), "verify"));
  if (static_cast<int>(op.verification_progress.size()) < op.params.secret_threshold) {
    return std::optional<std::string>();
  }
  std::vector<SecureBytes> shares = std::move(op.verification_progress);
  op.verification_progress.clear();
  auto combined = CombineShares(NewConfig(op), shares);
  if (!combined || !crypto::ConstantTimeEquals(combined->view(), op.verification_key.view())) {
    // As Vault: a failed round starts over under a new nonce.
    op.verification_nonce = GenerateUuid();
    return InvalidRequest("rekey verification failed; incorrect key shares supplied");
  }
  ARCA_RETURN_IF_ERROR(CommitRekey(op, *combined, recovery));
  std::string done_nonce = op.verification_nonce;
  slot.reset();
  return std::optional<std::string>(std::move(done_nonce));
}

}  // namespace arca::core
