#include "core/core.h"

#include "core/auto_snapshots.h"
#include "core/ha_state.h"
#include "storage/cache.h"
#include "storage/write_gate.h"

#include "common/metrics.h"
#include "core/password_policy.h"
#include "core/quotas/quota_manager.h"

#include "audit/broker.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "common/encoding.h"
#include "common/log.h"
#include "common/uuid.h"
#include "core/barrier/barrier.h"
#include "core/cors_store.h"
#include "core/activity.h"
#include "core/identity/identity_backend.h"
#include "core/identity/oidc.h"
#include "core/identity/oidc_backend.h"
#include "core/identity/oidc_identity.h"
#include "core/identity/identity_store.h"
#include "core/in_flight.h"
#include "core/policy_store.h"
#include "core/seal/auto_seal.h"
#include "core/seal/shamir_seal.h"
#include "core/sys/system_backend.h"
#include "core/version_history.h"
#include "core/token/token_backend.h"
#include "core/token/token_store.h"
#include "crypto/compare.h"
#include "crypto/random.h"
#include "pgp/pgp.h"

namespace arca::core {
namespace {

// sys/init's PGP keys, checked before anything is written (Vault's messages): `keys` must
// number `shares` and each must be a usable public key; `root_token_key` likewise.
Status CheckInitPgpKeys(const std::vector<std::string>& keys, int shares,
                        std::string_view context, const std::string& root_token_key = "") {
  if (!keys.empty()) {
    if (static_cast<int>(keys.size()) != shares) {
      return InvalidRequest(std::string(context) +
                            ": count mismatch between number of provided PGP keys and number of "
                            "shares");
    }
    auto checked = pgp::Fingerprints(keys);
    if (!checked) return std::unexpected(checked.error().WithContext(context));
  }
  if (!root_token_key.empty()) ARCA_RETURN_IF_ERROR(pgp::Fingerprints({root_token_key}));
  return OkStatus();
}

// Key shares as sys/init returns them: hex and base64 of each share, or with `pgp_keys` of
// each share's OpenPGP message (pgp::EncryptShares).
Status EncodeShares(const std::vector<SecureBytes>& shares, const std::vector<std::string>& pgp_keys,
                    std::vector<std::string>* hex, std::vector<std::string>* b64) {
  if (!pgp_keys.empty()) {
    ARCA_ASSIGN_OR_RETURN(pgp::EncryptedShares enc, pgp::EncryptShares(shares, pgp_keys));
    *hex = std::move(enc.keys_hex);
    *b64 = std::move(enc.keys_base64);
    return OkStatus();
  }
  for (const auto& share : shares) {
    hex->push_back(HexEncode(share.view()));
    b64->push_back(Base64Encode(share.view()));
  }
  return OkStatus();
}

constexpr std::string_view kClusterInfoPath = "core/cluster/local/info";

}  // namespace

Core::Core(CoreConfig config) : config_(std::move(config)) {
  const std::string_view storage = config_.physical->Type();
  local_storage_ = storage == "inmem" || storage == "file" || storage == "lmdb";
  // Every physical write passes the gate: counted, observed, refused on a read-serving standby.
  {
    auto gate = std::make_unique<storage::WriteGate>(std::move(config_.physical));
    gate_ = gate.get();
    config_.physical = std::move(gate);
  }
  if (!local_storage_ && !config_.disable_cache) {
    // Reads of network storage from memory (storage/cache.h): exact while this node is the only
    // writer, so with HA it is on only while the node is active (ha.cc).
    auto cached = std::make_unique<storage::CachedBackend>(std::move(config_.physical));
    cache_ = cached.get();
    if (cache_->AsHaLockable() != nullptr) cache_->SetEnabled(false);
    config_.physical = std::move(cached);
  }
  barrier_ = std::make_unique<Barrier>(*config_.physical);
  token_view_ = std::make_unique<logical::PrefixedStorage>(*barrier_, "sys/token/");
  std::function<int64_t()> token_now = UnixNow;
  if (config_.clock) {
    token_now = [clock = config_.clock] {
      return std::chrono::duration_cast<std::chrono::seconds>(clock().time_since_epoch()).count();
    };
  }
  tokens_ = std::make_unique<TokenStore>(*token_view_, std::move(token_now));
  // A revoked token's cubbyhole goes with it.
  tokens_->SetRevokeHook([this](const TokenEntry& e) {
    if (auto cubby = router_.Find("cubbyhole/"); cubby && !e.accessor.empty()) {
      if (auto s = logical::DeleteTree(cubby->view(), e.accessor + "/"); !s) {
        spdlog::error("core: removing a revoked token's cubbyhole: {}", s.error().message());
      }
    }
    // Its leases go with it (failures are retried in the background by the manager).
    if (expiration_ && !e.id_hash.empty()) {
      if (auto s = expiration_->RevokeByToken(e.id_hash); !s) {
        spdlog::warn("core: revoking the leases of a revoked token: {}", s.error().message());
      }
    }
  });
  policy_view_ = std::make_unique<logical::PrefixedStorage>(*barrier_, "sys/policy/");
  policies_ = std::make_unique<PolicyStore>(*policy_view_);
  identity_view_ = std::make_unique<logical::PrefixedStorage>(*barrier_, "core/identity/");
  // Aliases name auth mounts by accessor. Lock order: the identity store's lock, then mounts_mu_.
  identity_ = std::make_unique<identity::IdentityStore>(
      *identity_view_, [this](std::string_view accessor) -> std::optional<identity::MountInfo> {
        std::lock_guard lock(mounts_mu_);
        for (const auto* table : {&auth_mounts_, &mounts_}) {
          for (const auto& m : *table) {
            if (m.accessor == accessor) {
              return identity::MountInfo{m.accessor, m.type, m.RouterPath(), m.local};
            }
          }
        }
        return std::nullopt;
      });
  sys_view_ = std::make_unique<logical::PrefixedStorage>(*barrier_, "sys/");
  password_policy_view_ =
      std::make_unique<logical::PrefixedStorage>(*barrier_, "sys/password_policy/");
  password_policies_ = std::make_unique<PasswordPolicyStore>(*password_policy_view_);
  quota_view_ = std::make_unique<logical::PrefixedStorage>(*barrier_, "sys/quotas/");
  quotas_ = std::make_unique<QuotaManager>(*quota_view_);
  cors_ = std::make_unique<CorsStore>();
  in_flight_ = std::make_unique<InFlightRequests>();
  expire_view_ = std::make_unique<logical::PrefixedStorage>(*barrier_, "sys/expire/");
  ExpirationOptions eopts;
  eopts.clock = config_.clock;
  eopts.default_lease_ttl = config_.ttls.default_lease_ttl;
  eopts.max_lease_ttl = config_.ttls.max_lease_ttl;
  // A lease's entry and index keys in one durable write.
  eopts.put_batch = [this](const std::vector<std::pair<std::string, std::string>>& puts) {
    std::vector<std::pair<std::string, std::string>> full;
    full.reserve(puts.size());
    for (const auto& [k, v] : puts) full.emplace_back("sys/expire/" + k, v);
    return barrier_->PutBatch(full);
  };
  // Restore scans the lease index: do not leave the storage file mapped into our RSS.
  eopts.release_memory = [this] { config_.physical->ReleaseMappedMemory(); };
  eopts.token_valid = [this](std::string_view token_hash) {
    auto alive = tokens_->ExistsByHash(token_hash);
    return !alive || *alive;  // on a storage error keep the leases
  };
  expiration_ = std::make_unique<ExpirationManager>(
      *expire_view_, [this](const LeaseEntry& l) { return RevokeLease(l); },
      [this](const LeaseEntry& l, std::chrono::seconds inc) { return RenewLease(l, inc); },
      std::move(eopts));
  SetupLeaseHooks();
  activity_ = std::make_unique<ActivityLog>([this] { return expiration_->NowUnix(); });
  audit_view_ = std::make_unique<logical::PrefixedStorage>(*barrier_, "core/audit/");
  audit::Broker::Options audit_options;
  audit_options.file_policy.forbidden_dirs = config_.audit_forbidden_dirs;
  audit_ = std::make_unique<audit::Broker>(*audit_view_, std::move(audit_options));
  system_backend_ = NewSystemBackend(*this);
  // Identity tokens (identity/oidc/*) join the identity mount; templated policies and token
  // claims read the identity data of an entity from the store.
  auto identity_data = [this](std::string_view entity_id) {
    return identity::IdentityDataFor(*identity_, entity_id);
  };
  auto oidc = std::make_shared<identity::OidcContext>();
  oidc->api_addr = [this] { return ApiAddr(); };
  oidc->identity = identity_data;
  oidc->clock = config_.clock;
  identity_backend_ =
      identity::WithIdentityTokens(NewIdentityBackend(*this, identity::OidcPaths(oidc)), oidc);
  policies_->SetIdentityResolver(identity_data);
  auto_snapshots_ = std::make_unique<AutoSnapshots>(*config_.physical, *barrier_);
  RegisterMetrics();
  InitHa();
}

Core::~Core() {
  StopAutoUnseal();
  StopHa();
  metrics::Registry::Global().RemoveGaugesOf(this);
  {
    std::unique_lock lock(state_mu_);
    if (!sealed_) PreSeal();
  }
  if (config_.seal) config_.seal->Finalize();
  if (config_.migration_seal) config_.migration_seal->Finalize();
}

std::string Core::storage_type() const { return std::string(config_.physical->Type()); }

bool Core::Sealed() const {
  std::shared_lock lock(state_mu_);
  return sealed_;
}

Result<bool> Core::Initialized() {
  std::lock_guard lock(unseal_mu_);
  if (seal_config_) return true;
  ARCA_ASSIGN_OR_RETURN(auto cfg, ReadSealConfig(*config_.physical));
  if (cfg) seal_config_ = *cfg;
  return cfg.has_value();
}

Result<InitResult> Core::Initialize(const InitParams& params) {
  SealAccess* seal = config_.seal.get();
  InitResult result;
  {
    std::unique_lock state(state_mu_);
    ARCA_ASSIGN_OR_RETURN(bool initialized, Initialized());
    if (initialized) return InvalidRequest("Vault is already initialized");
    SealConfig cfg;
    if (seal != nullptr) {
      // An auto seal stores the one root key: the barrier config is 1/1 (as Vault forces it).
      if (!params.pgp_keys.empty()) {
        return InvalidRequest("PGP keys not supported when using auto unseal");
      }
      ARCA_RETURN_IF_ERROR(ValidateRecoveryParams(params.recovery_shares, params.recovery_threshold));
      ARCA_RETURN_IF_ERROR(CheckInitPgpKeys(params.recovery_pgp_keys, params.recovery_shares,
                                            "invalid recovery configuration"));
      ARCA_RETURN_IF_ERROR(CheckInitPgpKeys({}, 0, "", params.root_token_pgp_key));
      ARCA_RETURN_IF_ERROR(InitSealAccess(*seal, seal_init_done_));
      cfg.type = std::string(seal->Type());
      cfg.secret_shares = 1;
      cfg.secret_threshold = 1;
    } else {
      ARCA_RETURN_IF_ERROR(ValidateShamirParams(params.secret_shares, params.secret_threshold));
      ARCA_RETURN_IF_ERROR(CheckInitPgpKeys(params.pgp_keys, params.secret_shares,
                                            "invalid seal configuration"));
      ARCA_RETURN_IF_ERROR(CheckInitPgpKeys({}, 0, "", params.root_token_pgp_key));
      cfg.secret_shares = params.secret_shares;
      cfg.secret_threshold = params.secret_threshold;
    }

    SecureBytes root_key = crypto::RandomKey(32);
    ARCA_RETURN_IF_ERROR(barrier_->Initialize(root_key));
    // Set up the token store and the root token with the barrier open, then close it again.
    ARCA_RETURN_IF_ERROR(barrier_->Unseal(root_key));
    auto setup = [&]() -> Status {
      ARCA_RETURN_IF_ERROR(tokens_->Setup());
      ARCA_ASSIGN_OR_RETURN(result.root_token, tokens_->CreateRootToken(params.root_token_id));
      return OkStatus();
    };
    Status s = setup();
    tokens_->Reset();
    barrier_->Seal();
    if (!s) return std::unexpected(s.error());
    if (!params.root_token_pgp_key.empty()) {
      // Before the seal exists: a failure leaves the node uninitialized (init can be retried).
      ARCA_ASSIGN_OR_RETURN(result.root_token,
                            pgp::EncryptTokenBase64(result.root_token, params.root_token_pgp_key));
    }

    if (seal != nullptr) {
      SealConfig rc;
      rc.secret_shares = params.recovery_shares;
      rc.secret_threshold = params.recovery_threshold;
      std::optional<SecureBytes> recovery_key;
      std::vector<SecureBytes> shares;
      if (rc.secret_shares > 0) {
        recovery_key = crypto::RandomKey(32);
        ARCA_ASSIGN_OR_RETURN(shares, SplitKey(*recovery_key, rc.secret_shares, rc.secret_threshold));
      }
      // Encoded (PGP-encrypted when asked) before anything is stored.
      ARCA_RETURN_IF_ERROR(EncodeShares(shares, params.recovery_pgp_keys,
                                        &result.recovery_keys_hex, &result.recovery_keys_base64));
      // The seal config comes last in the batch (its presence is what "initialized" means, for
      // backends without transactions).
      ARCA_ASSIGN_OR_RETURN(auto ops, AutoSealWrites(*seal, root_key,
                                                     recovery_key ? &*recovery_key : nullptr, rc));
      ARCA_RETURN_IF_ERROR(CommitSealWrites(*config_.physical, ops));
      std::lock_guard lock(unseal_mu_);
      seal_config_ = cfg;
      recovery_config_ = rc;
      spdlog::info("core: initialized with the {} seal, {} recovery key shares and a recovery "
                   "key threshold of {}", cfg.type, rc.secret_shares, rc.secret_threshold);
    } else {
      // The shares are encoded (PGP-encrypted when asked) before the seal is stored, so that
      // a failure cannot leave an initialized node whose shares nobody received. The seal
      // configuration is written last: its presence is what "initialized" means.
      auto encode = [&](const std::vector<SecureBytes>& shares) {
        return EncodeShares(shares, params.pgp_keys, &result.keys_hex, &result.keys_base64);
      };
      ARCA_RETURN_IF_ERROR(CreateShamirSeal(*config_.physical, root_key, cfg, encode));
      {
        std::lock_guard lock(unseal_mu_);
        seal_config_ = cfg;
      }
      spdlog::info("core: initialized with {} key shares and a key threshold of {}",
                   cfg.secret_shares, cfg.secret_threshold);
    }
  }
  if (seal != nullptr) {
    // As Vault does after init with an auto seal: unseal right away. A failure leaves the keys
    // with the caller and the node sealed (a restart retries).
    if (auto s = UnsealWithSeal(); !s) {
      spdlog::error("core: unsealing with the {} seal after initialization failed: {}",
                    seal->Type(), s.error().message());
    }
  }
  return result;
}

Result<SealStatus> Core::GetSealStatus() {
  ARCA_ASSIGN_OR_RETURN(bool initialized, Initialized());
  SealStatus st;
  st.initialized = initialized;
  st.storage_type = storage_type();
  st.type = config_.seal ? std::string(config_.seal->Type()) : "shamir";
  st.recovery_seal = config_.seal != nullptr;
  {
    std::shared_lock lock(state_mu_);
    st.sealed = sealed_;
    if (!sealed_) {
      st.cluster_name = cluster_name_;
      st.cluster_id = cluster_id_;
    }
  }
  std::optional<SealConfig> keys;
  if (initialized) {
    auto k = KeyShareConfig();
    if (k) keys = *k;
  }
  std::lock_guard lock(unseal_mu_);
  if (keys) {
    st.shares = keys->secret_shares;
    st.threshold = keys->secret_threshold;
  }
  st.migration = migration_ != Migration::kNone;
  st.progress = static_cast<int>(unseal_keys_.size());
  st.nonce = unseal_nonce_;
  return st;
}

Result<SealStatus> Core::ResetUnsealProgress() {
  {
    std::lock_guard lock(unseal_mu_);
    unseal_keys_.clear();
    unseal_nonce_.clear();
  }
  return GetSealStatus();
}

Result<std::optional<SecureBytes>> Core::AddUnsealKey(SecureBytes key, const SealConfig& cfg) {
  std::lock_guard lock(unseal_mu_);
  if (cfg.secret_shares < 1 || cfg.secret_threshold < 1) {
    return InvalidRequest("no recovery keys were created at initialization (recovery_shares = "
                          "0): this Vault unseals only through its seal, at start");
  }
  size_t want = cfg.secret_shares == 1 ? 32 : 33;
  if (key.size() != want) {
    return InvalidRequest("invalid key: expected " + std::to_string(want) + " bytes, got " +
                          std::to_string(key.size()));
  }
  for (const auto& k : unseal_keys_) {
    // The same key twice does not advance progress.
    if (crypto::ConstantTimeEquals(k.view(), key.view())) return std::optional<SecureBytes>();
  }
  unseal_keys_.push_back(std::move(key));
  if (unseal_nonce_.empty()) unseal_nonce_ = GenerateUuid();
  if (static_cast<int>(unseal_keys_.size()) < cfg.secret_threshold) {
    return std::optional<SecureBytes>();
  }
  // Threshold reached: the attempt ends here, whether the keys are right or not.
  auto combined = CombineShares(cfg, unseal_keys_);
  unseal_keys_.clear();
  unseal_nonce_.clear();
  if (!combined) return std::unexpected(combined.error());
  return std::optional<SecureBytes>(std::move(*combined));
}

Result<SealStatus> Core::SubmitUnsealKey(std::string_view key_text, bool migrate) {
  ARCA_ASSIGN_OR_RETURN(bool initialized, Initialized());
  if (!initialized) return InvalidRequest("Vault is not initialized");
  {
    std::lock_guard lock(unseal_mu_);
    if (migrate && migration_ == Migration::kNone) {
      return InvalidRequest("can't perform a seal migration, no migration seal found");
    }
    if (!migrate && migration_ != Migration::kNone) {
      return InvalidRequest("migrate option not provided and seal migration is pending");
    }
  }
  if (!Sealed()) return GetSealStatus();
  ARCA_ASSIGN_OR_RETURN(SecureBytes key, DecodeUnsealKey(key_text));
  ARCA_ASSIGN_OR_RETURN(SealConfig cfg, KeyShareConfig());
  ARCA_ASSIGN_OR_RETURN(std::optional<SecureBytes> combined, AddUnsealKey(std::move(key), cfg));
  if (combined) {
    ARCA_ASSIGN_OR_RETURN(SecureBytes root_key, RootKeyFromCombinedKey(*combined, migrate));
    ARCA_RETURN_IF_ERROR(UnsealWithRootKey(root_key));
  }
  return GetSealStatus();
}

Status Core::UnsealWithRootKey(const SecureBytes& root_key) {
  std::unique_lock state(state_mu_);
  if (!sealed_) return OkStatus();
  ARCA_RETURN_IF_ERROR(barrier_->Unseal(root_key));
  if (ha_) {
    // HA: a standby until the HA thread wins the lock and sets up the rest (ha.cc).
    sealed_ = false;
    unsealed_gauge_ = true;
    LoadClusterInfo();  // read only: the active node writes it
    StartHaLocked();
    spdlog::info("core: vault is unsealed (HA standby; campaigning for the active role)");
    return OkStatus();
  }
  Status s = PostUnseal();
  if (!s) {
    PreSeal();
    return std::unexpected(s.error());
  }
  sealed_ = false;
  unsealed_gauge_ = true;
  spdlog::info("core: vault is unsealed");
  return OkStatus();
}

Status Core::UnsealWithKeys(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    ARCA_ASSIGN_OR_RETURN(SealStatus st, SubmitUnsealKey(k));
    if (!st.sealed) return OkStatus();
  }
  return InvalidRequest("not enough unseal keys");
}

Status Core::Seal() {
  StopHa();  // an active node steps down first (the lock is released for the next node)
  std::unique_lock state(state_mu_);
  if (sealed_) return OkStatus();
  PreSeal();
  spdlog::info("core: vault is sealed");
  return OkStatus();
}

void Core::PreSeal() {
  unsealed_gauge_ = false;
  standby_reads_ready_.store(false, std::memory_order_release);
  StopActiveLocked();
  barrier_->Seal();
  sealed_ = true;
}

void Core::StopActiveLocked() {
  DiscardRotations();  // sealing ends a rekey (as Vault documents) and a root generation
  auto_snapshots_->Stop();
  StopPeriodic();
  expiration_->Stop();  // before the router empties: workers may be revoking through it
  audit_->Reset();
  quotas_->Reset();
  router_.Clear();
  {
    std::lock_guard lock(mounts_mu_);
    mounts_.clear();
    auth_mounts_.clear();
  }
  tokens_->Reset();
  policies_->Reset();
  identity_->Reset();
}

Status Core::PostUnseal() {
  ARCA_RETURN_IF_ERROR(tokens_->Setup());
  ARCA_RETURN_IF_ERROR(policies_->Setup());
  ARCA_RETURN_IF_ERROR(SetupClusterInfo());
  ARCA_RETURN_IF_ERROR(RecordVersion(*barrier_, ARCA_VERSION, expiration_->NowUnix()));
  ARCA_RETURN_IF_ERROR(cors_->Load(*barrier_));
  ARCA_RETURN_IF_ERROR(LoadMounts(false));
  ARCA_RETURN_IF_ERROR(LoadMounts(true));
  ARCA_RETURN_IF_ERROR(identity_->Setup());
  ARCA_RETURN_IF_ERROR(audit_->Load());
  ARCA_RETURN_IF_ERROR(quotas_->Load());
  ARCA_RETURN_IF_ERROR(expiration_->Restore());
  StartPeriodic();
  ARCA_RETURN_IF_ERROR(auto_snapshots_->Start());
  return OkStatus();
}

void Core::LoadClusterInfo() {
  auto info = logical::GetJson(*barrier_, kClusterInfoPath);
  if (!info || !*info || !(*info)->is_object()) return;
  auto name = GetStringField((*info)->as_object(), "name");
  auto id = GetStringField((*info)->as_object(), "id");
  if (name && *name && id && *id) {
    cluster_name_ = **name;
    cluster_id_ = **id;
  }
}

Status Core::SetupClusterInfo() {
  ARCA_ASSIGN_OR_RETURN(auto info, logical::GetJson(*barrier_, kClusterInfoPath));
  if (info && info->is_object()) {
    auto name = GetStringField(info->as_object(), "name");
    auto id = GetStringField(info->as_object(), "id");
    if (name && *name && id && *id) {
      cluster_name_ = **name;
      cluster_id_ = **id;
      return OkStatus();
    }
  }
  cluster_name_ = config_.cluster_name.empty()
                      ? "vault-cluster-" + HexEncode(crypto::RandomBytesString(4))
                      : config_.cluster_name;
  cluster_id_ = GenerateUuid();
  json::object o;
  o["name"] = cluster_name_;
  o["id"] = cluster_id_;
  return logical::PutJson(*barrier_, kClusterInfoPath, o);
}

}  // namespace arca::core
