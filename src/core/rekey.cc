// Rekey of the Shamir unseal keys (Vault's sys/rekey/*): a threshold of the current shares
// authorises a new root key, the keyring re-encrypted with it, and a new key-encryption key
// split into the new shares. The keyring, the wrapped root key and the seal configuration are
// replaced in one atomic batch (Barrier::RotateRootKey). With require_verification the new
// shares are returned first and only take effect once a threshold of them is given back.
#include <spdlog/spdlog.h>

#include <mutex>

#include "common/encoding.h"
#include "common/uuid.h"
#include "core/barrier/barrier.h"
#include "core/core.h"
#include "crypto/compare.h"
#include "crypto/random.h"

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

}  // namespace

Result<SealConfig> Core::CurrentSealConfig() {
  ARCA_ASSIGN_OR_RETURN(bool initialized, Initialized());
  if (!initialized) return InvalidRequest("server is not yet initialized");
  if (barrier_->Sealed()) return ::arca::Sealed();
  std::lock_guard lock(unseal_mu_);
  return *seal_config_;
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
  root_generation_.reset();
}

Result<RekeyStatus> Core::GetRekeyStatus() {
  ARCA_ASSIGN_OR_RETURN(SealConfig current, CurrentSealConfig());
  RekeyStatus st;
  st.required = current.secret_threshold;
  std::lock_guard lock(rotation_mu_);
  if (!rekey_) return st;
  st.started = true;
  st.nonce = rekey_->nonce;
  st.t = rekey_->params.secret_threshold;
  st.n = rekey_->params.secret_shares;
  st.progress = static_cast<int>(rekey_->progress.size());
  st.verification_required = rekey_->params.require_verification;
  st.verification_nonce = rekey_->verification_nonce;
  st.backup = rekey_->params.backup;
  return st;
}

Result<RekeyStatus> Core::StartRekey(const RekeyParams& params) {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  if (params.backup && params.pgp_keys.empty()) {
    return InvalidRequest(
        "cannot request a backup of the new keys without providing PGP keys for encryption");
  }
  if (!params.pgp_keys.empty() &&
      static_cast<int>(params.pgp_keys.size()) != params.secret_shares) {
    return InvalidRequest("incorrect number of PGP keys for rekey");
  }
  if (!params.pgp_keys.empty()) {
    return InvalidRequest(
        "pgp_keys: PGP-encrypted key shares are not available in this build of Arca; rekey "
        "without pgp_keys (see docs/compat.md)");
  }
  if (Status s = ValidateShamirParams(params.secret_shares, params.secret_threshold); !s) {
    return InvalidRequest("invalid rekey seal configuration: " + s.error().message());
  }
  {
    std::lock_guard lock(rotation_mu_);
    if (rekey_) return InvalidRequest("rekey already in progress");
    RekeyOperation op;
    op.params = params;
    op.nonce = GenerateUuid();
    rekey_ = std::move(op);
    spdlog::info("core: rekey initialized: nonce {}, shares {}, threshold {}, verification "
                 "required {}",
                 rekey_->nonce, params.secret_shares, params.secret_threshold,
                 params.require_verification);
  }
  return GetRekeyStatus();
}

Status Core::CancelRekey() {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  std::lock_guard lock(rotation_mu_);
  rekey_.reset();
  return OkStatus();
}

Result<std::optional<RekeyResult>> Core::RekeyUpdate(std::string_view key_text,
                                                     std::string_view nonce) {
  ARCA_ASSIGN_OR_RETURN(SecureBytes key, DecodeShare(key_text));
  ARCA_ASSIGN_OR_RETURN(SealConfig current, CurrentSealConfig());
  std::lock_guard lock(rotation_mu_);
  if (!rekey_) return InvalidRequest("no barrier rekey in progress");
  RekeyOperation& op = *rekey_;
  if (!op.verification_kek.empty()) {
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
  auto root_key = RecoverRootKey(*config_.physical, current, shares);
  if (!root_key || !barrier_->IsRootKey(*root_key)) {
    spdlog::warn("core: rekey: the key shares given do not open this seal");
    return InvalidRequest(
        "root key verification failed: the key shares given do not open this seal");
  }

  SealConfig next;
  next.secret_shares = op.params.secret_shares;
  next.secret_threshold = op.params.secret_threshold;
  SecureBytes kek = crypto::RandomKey(32);
  ARCA_ASSIGN_OR_RETURN(std::vector<SecureBytes> new_shares, SplitKek(kek, next));
  RekeyResult result;
  result.nonce = op.nonce;
  result.backup = op.params.backup;
  for (const auto& share : new_shares) {
    result.keys_hex.push_back(HexEncode(share.view()));
    result.keys_base64.push_back(Base64Encode(share.view()));
  }
  if (op.params.require_verification) {
    op.verification_kek = std::move(kek);
    op.verification_nonce = GenerateUuid();
    result.verification_required = true;
    result.verification_nonce = op.verification_nonce;
    spdlog::info("core: rekey: new key shares issued, waiting for verification");
    return std::optional<RekeyResult>(std::move(result));
  }
  ARCA_RETURN_IF_ERROR(CommitRekey(op, kek));
  rekey_.reset();
  return std::optional<RekeyResult>(std::move(result));
}

Status Core::CommitRekey(const RekeyOperation& op, const SecureBytes& kek) {
  SealConfig next;
  next.secret_shares = op.params.secret_shares;
  next.secret_threshold = op.params.secret_threshold;
  SecureBytes root_key = crypto::RandomKey(32);
  ARCA_ASSIGN_OR_RETURN(std::vector<storage::Operation> ops, ShamirSealOps(root_key, kek, next));
  if (Status s = barrier_->RotateRootKey(root_key, std::move(ops)); !s) {
    spdlog::error("core: rekey failed, the current key shares stay valid: {}",
                  s.error().message());
    return Internal("failed to perform barrier rekey: " + s.error().message());
  }
  {
    std::lock_guard lock(unseal_mu_);
    seal_config_ = next;
  }
  spdlog::info("core: security barrier rekeyed: {} key shares, threshold {}",
               next.secret_shares, next.secret_threshold);
  return OkStatus();
}

Result<RekeyVerifyStatus> Core::GetRekeyVerifyStatus() {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  std::lock_guard lock(rotation_mu_);
  if (!rekey_) return InvalidRequest("no rekey configuration found");
  RekeyVerifyStatus st;
  st.started = !rekey_->verification_kek.empty();
  st.nonce = rekey_->verification_nonce;
  st.t = rekey_->params.secret_threshold;
  st.n = rekey_->params.secret_shares;
  st.progress = static_cast<int>(rekey_->verification_progress.size());
  return st;
}

Result<RekeyVerifyStatus> Core::RestartRekeyVerify() {
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  {
    std::lock_guard lock(rotation_mu_);
    if (rekey_) {
      rekey_->verification_progress.clear();
      // Vault gives a new verification nonce even before verification has started.
      rekey_->verification_nonce = GenerateUuid();
    }
  }
  return GetRekeyVerifyStatus();
}

Result<std::optional<std::string>> Core::RekeyVerify(std::string_view key_text,
                                                     std::string_view nonce) {
  ARCA_ASSIGN_OR_RETURN(SecureBytes key, DecodeShare(key_text));
  ARCA_RETURN_IF_ERROR(RequireRotatable());
  std::lock_guard lock(rotation_mu_);
  if (!rekey_) return InvalidRequest("no rekey in progress");
  RekeyOperation& op = *rekey_;
  if (op.verification_kek.empty()) return InvalidRequest("no rekey verification in progress");
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
  SealConfig next;
  next.secret_shares = op.params.secret_shares;
  next.secret_threshold = op.params.secret_threshold;
  auto kek = CombineKek(next, shares);
  if (!kek || !crypto::ConstantTimeEquals(kek->view(), op.verification_kek.view())) {
    // As Vault: a failed round starts over under a new nonce.
    op.verification_nonce = GenerateUuid();
    return InvalidRequest("rekey verification failed; incorrect key shares supplied");
  }
  ARCA_RETURN_IF_ERROR(CommitRekey(op, *kek));
  std::string done_nonce = op.verification_nonce;
  rekey_.reset();
  return std::optional<std::string>(std::move(done_nonce));
}

}  // namespace arca::core
