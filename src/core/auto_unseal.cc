// Auto-unseal (CoreConfig::seal), recovery keys and seal migration. See core.h and
// docs/formats/seal.md.
#include <spdlog/spdlog.h>

#include "core/core.h"
#include "core/seal/auto_seal.h"

namespace arca::core {
namespace {

std::string SealName(const SealAccess* s) { return s ? std::string(s->Type()) : "shamir"; }

}  // namespace

Status Core::InitSealAccess(SealAccess& seal, std::atomic<bool>& done) {
  if (done) return OkStatus();
  std::lock_guard lock(seal_init_mu_);
  if (done) return OkStatus();
  Status s = seal.Init();
  if (s) done = true;
  return s;
}

void Core::NoteSealHealth(const Status& s) {
  std::lock_guard lock(health_mu_);
  if (s) {
    seal_unhealthy_since_.reset();
  } else if (s.error().kind() == ErrorKind::kUnavailable && !seal_unhealthy_since_) {
    seal_unhealthy_since_ = std::chrono::system_clock::now();
  }
}

Core::SealHealth Core::CheckSealHealth() {
  SealHealth h;
  if (!config_.seal) return h;
  Status s = InitSealAccess(*config_.seal, seal_init_done_);
  if (s) s = config_.seal->Health();
  std::lock_guard lock(health_mu_);
  if (s) {
    seal_unhealthy_since_.reset();
  } else {
    if (!seal_unhealthy_since_) seal_unhealthy_since_ = std::chrono::system_clock::now();
    h.healthy = false;
    h.error = s.error().message();
  }
  h.unhealthy_since = seal_unhealthy_since_;
  return h;
}

Status Core::StartSeal() {
  ARCA_ASSIGN_OR_RETURN(auto stored, ReadSealConfig(*config_.physical));
  SealAccess* to = config_.seal.get();
  SealAccess* from = config_.migration_seal.get();
  const std::string target = SealName(to);
  Migration m = Migration::kNone;
  std::optional<SealConfig> rc;
  if (stored) {
    const std::string& have = stored->type;
    if (from == nullptr) {
      if (have == target) {
        m = Migration::kNone;
      } else if (to == nullptr) {
        return InvalidRequest("cannot seal migrate from \"" + have +
                              "\" to Shamir, no disabled seal in configuration");
      } else if (have == "shamir") {
        m = Migration::kShamirToAuto;
      } else {
        return InvalidRequest("cannot seal migrate from \"" + have + "\" to \"" + target +
                              "\", no disabled seal in configuration");
      }
    } else if (have == target && have != from->Type()) {
      spdlog::warn("core: the seal migration from \"{}\" to \"{}\" is done; remove the seal "
                   "stanza marked disabled from the configuration", from->Type(), target);
    } else if (have != from->Type()) {
      return InvalidRequest("cannot seal migrate: the stored seal is \"" + have +
                            "\" but the seal stanza marked disabled is \"" +
                            std::string(from->Type()) + "\"");
    } else {
      m = to != nullptr ? Migration::kAutoToAuto : Migration::kAutoToShamir;
    }
    if (have != "shamir") {
      ARCA_ASSIGN_OR_RETURN(rc, ReadRecoveryConfig(*config_.physical));
      if (!rc) return Internal("recovery seal configuration not found for existing seal");
    }
  } else if (from != nullptr) {
    spdlog::warn("core: the seal stanza marked disabled (\"{}\") has no effect: Vault is not "
                 "initialized", from->Type());
  }
  {
    std::lock_guard lock(unseal_mu_);
    if (stored) seal_config_ = *stored;
    recovery_config_ = rc;
    migration_ = m;
  }
  if (m != Migration::kNone) {
    spdlog::warn("core: entering seal migration mode from \"{}\" to \"{}\": unseal with "
                 "migrate=true and the {} keys; this node will not unseal by itself until then",
                 stored->type, target, m == Migration::kShamirToAuto ? "unseal" : "recovery");
    return OkStatus();
  }
  if (to != nullptr && stored) {
    std::lock_guard lock(auto_mu_);
    auto_stop_ = false;
    auto_thread_ = std::thread([this] { AutoUnsealLoop(); });
  }
  return OkStatus();
}

void Core::StopAutoUnseal() {
  {
    std::lock_guard lock(auto_mu_);
    auto_stop_ = true;
  }
  auto_cv_.notify_all();
  if (auto_thread_.joinable()) auto_thread_.join();
}

void Core::AutoUnsealLoop() {
  SealAccess& seal = *config_.seal;
  auto delay = config_.auto_unseal_retry_initial;
  for (int attempt = 1;; ++attempt) {
    {
      std::lock_guard lock(auto_mu_);
      if (auto_stop_) return;
    }
    if (!Sealed()) return;
    Status s = UnsealWithSeal();
    if (s) {
      spdlog::info("core: unsealed with the {} seal (key id \"{}\")", seal.Type(), seal.KeyId());
      return;
    }
    if (s.error().kind() != ErrorKind::kUnavailable) {
      spdlog::error("core: cannot unseal with the {} seal: {}; staying sealed (correct the seal "
                    "configuration and restart)", seal.Type(), s.error().message());
      return;
    }
    spdlog::warn("core: the {} seal is unavailable (attempt {}): {}; staying sealed, retrying in "
                 "{} ms", seal.Type(), attempt, s.error().message(), delay.count());
    std::unique_lock lock(auto_mu_);
    if (auto_cv_.wait_for(lock, delay, [this] { return auto_stop_; })) return;
    delay = std::min(delay * 2, config_.auto_unseal_retry_max);
  }
}

Status Core::UnsealWithSeal() {
  SealAccess* seal = config_.seal.get();
  if (seal == nullptr) return InvalidRequest("the Shamir seal cannot unseal by itself");
  {
    std::lock_guard lock(unseal_mu_);
    if (migration_ != Migration::kNone) {
      return InvalidRequest("cannot auto-unseal during seal migration");
    }
  }
  ARCA_ASSIGN_OR_RETURN(bool initialized, Initialized());
  if (!initialized) return InvalidRequest("Vault is not initialized");
  if (!Sealed()) return OkStatus();
  auto root = [&]() -> Result<SecureBytes> {
    ARCA_RETURN_IF_ERROR(InitSealAccess(*seal, seal_init_done_));
    return UnwrapStoredRootKey(*config_.physical, *seal);
  }();
  NoteSealHealth(root ? OkStatus() : Status(std::unexpected(root.error())));
  if (!root) return std::unexpected(root.error());
  return UnsealWithRootKey(*root);
}

Result<SealConfig> Core::KeyShareConfig() {
  ARCA_ASSIGN_OR_RETURN(bool initialized, Initialized());
  if (!initialized) return InvalidRequest("Vault is not initialized");
  std::lock_guard lock(unseal_mu_);
  bool recovery = false;
  switch (migration_) {
    case Migration::kShamirToAuto: recovery = false; break;  // the old unseal keys
    case Migration::kAutoToShamir:
    case Migration::kAutoToAuto: recovery = true; break;
    case Migration::kNone: recovery = config_.seal != nullptr; break;
  }
  if (!recovery) return *seal_config_;
  if (!recovery_config_) {
    ARCA_ASSIGN_OR_RETURN(recovery_config_, ReadRecoveryConfig(*config_.physical));
    if (!recovery_config_) return Internal("recovery seal configuration not found for existing seal");
  }
  return *recovery_config_;
}

Result<SealConfig> Core::RecoveryConfig() {
  if (!config_.seal) return InvalidRequest("recovery keys are not supported with the Shamir seal");
  return KeyShareConfig();
}

Status Core::VerifyKeyShares(const std::vector<SecureBytes>& shares) {
  ARCA_ASSIGN_OR_RETURN(SealConfig cfg, KeyShareConfig());
  if (cfg.secret_shares < 1) {
    return InvalidRequest("no recovery keys were created at initialization (recovery_shares = 0)");
  }
  if (static_cast<int>(shares.size()) < cfg.secret_threshold) {
    return InvalidRequest("expected " + std::to_string(cfg.secret_threshold) + " key shares, got " +
                          std::to_string(shares.size()));
  }
  ARCA_ASSIGN_OR_RETURN(SecureBytes key, CombineShares(cfg, shares));
  if (!config_.seal) {
    ARCA_ASSIGN_OR_RETURN(SecureBytes root, OpenShamirRootKey(*config_.physical, key));
    (void)root;
    return OkStatus();
  }
  ARCA_RETURN_IF_ERROR(InitSealAccess(*config_.seal, seal_init_done_));
  return VerifyRecoveryKey(*config_.physical, *config_.seal, key);
}

Status Core::VerifyRecoveryShares(const std::vector<SecureBytes>& shares) {
  if (!config_.seal) return InvalidRequest("recovery keys are not supported with the Shamir seal");
  return VerifyKeyShares(shares);
}

Status Core::StoreRecoveryKey(const SecureBytes& key, const SealConfig& config) {
  SealAccess* seal = config_.seal.get();
  if (seal == nullptr) return InvalidRequest("recovery keys are not supported with the Shamir seal");
  ARCA_RETURN_IF_ERROR(ValidateRecoveryParams(config.secret_shares, config.secret_threshold));
  if (config.secret_shares > 0 && key.size() != 32) {
    return InvalidRequest("a recovery key must be 32 bytes");
  }
  ARCA_RETURN_IF_ERROR(InitSealAccess(*seal, seal_init_done_));
  SealConfig rc = config;
  rc.type = "shamir";
  std::vector<storage::Operation> ops;
  if (rc.secret_shares > 0) {
    ARCA_ASSIGN_OR_RETURN(std::string blob, seal->Wrap(key.view(), kRecoveryKeyPath));
    ops.push_back(PutOp(kRecoveryKeyPath, std::move(blob)));
  } else {
    ops.push_back(DeleteOp(kRecoveryKeyPath));
  }
  ops.push_back(PutOp(kRecoveryConfigPath, rc.ToJson()));
  ARCA_RETURN_IF_ERROR(CommitSealWrites(*config_.physical, ops));
  std::lock_guard lock(unseal_mu_);
  recovery_config_ = rc;
  return OkStatus();
}

Result<SecureBytes> Core::RootKeyFromCombinedKey(const SecureBytes& combined, bool migrate) {
  if (migrate) return MigrateSeal(combined);
  if (!config_.seal) return OpenShamirRootKey(*config_.physical, combined);
  SealAccess& seal = *config_.seal;
  Status init = InitSealAccess(seal, seal_init_done_);
  NoteSealHealth(init);
  ARCA_RETURN_IF_ERROR(init);
  ARCA_RETURN_IF_ERROR(VerifyRecoveryKey(*config_.physical, seal, combined));
  auto root = UnwrapStoredRootKey(*config_.physical, seal);
  NoteSealHealth(root ? OkStatus() : Status(std::unexpected(root.error())));
  return root;
}

Result<SecureBytes> Core::MigrateSeal(const SecureBytes& combined) {
  storage::Backend& phys = *config_.physical;
  Migration m;
  SealConfig barrier_cfg;
  std::optional<SealConfig> rc;
  {
    std::lock_guard lock(unseal_mu_);
    m = migration_;
    barrier_cfg = *seal_config_;
    rc = recovery_config_;
  }
  SealAccess* to = config_.seal.get();
  SealAccess* from = config_.migration_seal.get();
  std::vector<storage::Operation> ops;
  SecureBytes root;
  SealConfig new_cfg;
  std::optional<SealConfig> new_rc;
  switch (m) {
    case Migration::kNone:
      return InvalidRequest("can't perform a seal migration, no migration seal found");
    case Migration::kShamirToAuto: {
      // The Shamir KEK the unseal keys combine to becomes the recovery key; the unseal keys
      // become the recovery keys.
      ARCA_RETURN_IF_ERROR(InitSealAccess(*to, seal_init_done_));
      ARCA_ASSIGN_OR_RETURN(root, OpenShamirRootKey(phys, combined));
      SealConfig recovery = barrier_cfg;
      recovery.type = "shamir";
      ARCA_ASSIGN_OR_RETURN(ops, AutoSealWrites(*to, root, &combined, recovery));
      ops.push_back(DeleteOp(kShamirRootKeyPath));
      new_cfg.type = std::string(to->Type());
      new_cfg.secret_shares = 1;
      new_cfg.secret_threshold = 1;
      new_rc = recovery;
      break;
    }
    case Migration::kAutoToShamir: {
      // The recovery key becomes the Shamir KEK; the recovery keys become the unseal keys.
      ARCA_RETURN_IF_ERROR(InitSealAccess(*from, migration_seal_init_done_));
      ARCA_RETURN_IF_ERROR(VerifyRecoveryKey(phys, *from, combined));
      ARCA_ASSIGN_OR_RETURN(root, UnwrapStoredRootKey(phys, *from));
      if (!rc) return Internal("recovery seal configuration not found for existing seal");
      new_cfg.type = "shamir";
      new_cfg.secret_shares = rc->secret_shares;
      new_cfg.secret_threshold = rc->secret_threshold;
      ARCA_ASSIGN_OR_RETURN(std::string entry, ShamirRootKeyEntry(combined, root));
      ops.push_back(PutOp(kShamirRootKeyPath, std::move(entry)));
      ops.push_back(PutOp(kSealConfigPath, new_cfg.ToJson()));
      ops.push_back(DeleteOp(kSealRootKeyPath));
      ops.push_back(DeleteOp(kRecoveryKeyPath));
      ops.push_back(DeleteOp(kRecoveryConfigPath));
      break;
    }
    case Migration::kAutoToAuto: {
      // Both wrapped keys are rewritten at the same paths: only a transaction keeps that whole.
      if (phys.AsTransactional() == nullptr) {
        return InvalidRequest("a seal migration between two auto seals needs a storage backend "
                              "with transactions (file, inmem); \"" + storage_type() +
                              "\" has none");
      }
      ARCA_RETURN_IF_ERROR(InitSealAccess(*from, migration_seal_init_done_));
      ARCA_RETURN_IF_ERROR(InitSealAccess(*to, seal_init_done_));
      ARCA_RETURN_IF_ERROR(VerifyRecoveryKey(phys, *from, combined));
      ARCA_ASSIGN_OR_RETURN(root, UnwrapStoredRootKey(phys, *from));
      if (!rc) return Internal("recovery seal configuration not found for existing seal");
      ARCA_ASSIGN_OR_RETURN(ops, AutoSealWrites(*to, root, &combined, *rc));
      new_cfg.type = std::string(to->Type());
      new_cfg.secret_shares = 1;
      new_cfg.secret_threshold = 1;
      new_rc = rc;
      break;
    }
  }
  ARCA_RETURN_IF_ERROR(CommitSealWrites(phys, ops));
  {
    std::lock_guard lock(unseal_mu_);
    seal_config_ = new_cfg;
    recovery_config_ = new_rc;
    migration_ = Migration::kNone;
  }
  spdlog::info("core: seal migration from \"{}\" to \"{}\" complete; update the configuration "
               "(remove the seal stanza marked disabled) before the next restart",
               barrier_cfg.type, new_cfg.type);
  return root;
}

}  // namespace arca::core
