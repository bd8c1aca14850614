// Core: the state machine (uninitialized -> sealed -> unsealed) and the request pipeline.
//
// HandleRequest runs every API request through small stages: lifecycle paths that work while
// sealed (sys/init, sys/seal-status, sys/unseal, sys/health, sys/leader), the sealed check,
// routing (longest mount prefix), authentication (token lookup unless the backend lists the path
// as unauthenticated), authorization, the create/update existence check, and the backend.
//
// Thread-safety: all public methods are safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/secure_bytes.h"
#include "common/status.h"
#include "audit/log_input.h"
#include "core/expiration/expiration_manager.h"
#include "core/quotas/quota_manager.h"
#include "core/router/mount_table.h"
#include "core/root_rotation.h"
#include "core/router/router.h"
#include "core/seal/seal_access.h"
#include "core/seal/shamir_seal.h"
#include "logical/backend.h"
#include "storage/backend.h"
#include "storage/snapshot.h"

namespace arca::audit {
class Broker;
}
namespace arca::storage {
class CachedBackend;
class WriteGate;
}

namespace arca::core {

namespace identity {
class IdentityStore;
}

class Barrier;
class CorsStore;
class InFlightRequests;
class ActivityLog;
class AutoSnapshots;
class PolicyStore;
class PasswordPolicyStore;
class QuotaManager;
class TokenStore;
struct TokenEntry;

struct CoreConfig {
  std::unique_ptr<storage::Backend> physical;
  std::map<std::string, logical::Factory> secret_engines;  // "kv" -> factory
  std::map<std::string, logical::Factory> auth_methods;
  // Names of the built-in database plugins (sys/plugins/catalog lists them; the database
  // engine has its own table).
  std::vector<std::string> database_plugins;
  // The server configuration without secrets (sys/config/state/sanitized).
  json::object sanitized_config;
  SystemTtls ttls;
  std::string cluster_name;  // empty = generated at first unseal
  std::string api_addr;
  // HA (storage with ha_enabled): this node's cluster address ("https://host:port"), which
  // standbys forward to; empty = the api_addr's host with its port + 1.
  std::string cluster_addr;
  // After sys/step-down, how long the node waits before campaigning again (Vault: 10 s).
  std::chrono::milliseconds step_down_wait{std::chrono::seconds(10)};
  bool dev_mode = false;
  bool disable_cache = false;  // handed to every backend (logical::BackendConfig)
  // HA standby reads (docs/ha.md "Standby reads"): an unsealed standby loads a read-only copy of
  // the state and serves requests that only read storage, unless disabled. The server stops
  // serving them locally when it has not heard from the active node within the bound.
  bool disable_standby_reads = false;
  std::chrono::milliseconds standby_read_max_staleness{1000};
  // Directories no file audit device may write into: the storage, configuration and plugin
  // directories of the server (audit::FilePolicy).
  std::vector<std::string> audit_forbidden_dirs;
  // How often mounted backends' Periodic() runs (tests shorten it).
  std::chrono::milliseconds periodic_interval{logical::Backend::kPeriodicInterval};
  // The clock of token expiry (wrapping tokens included) and leases; tests inject one and move
  // it instead of waiting. Unset: system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
  // The auto-unseal seal of the `seal "<type>"` stanza; null = the Shamir seal.
  std::unique_ptr<SealAccess> seal;
  // The seal of a stanza marked `disabled = "true"`: the auto seal a seal migration moves away
  // from (null: none, or a migration away from Shamir, which needs no stanza).
  std::unique_ptr<SealAccess> migration_seal;
  // Retry delays of the background auto-unseal while the seal's key service is unavailable:
  // doubles from the first to the cap (Vault retries every few seconds).
  std::chrono::milliseconds auto_unseal_retry_initial{500};
  std::chrono::milliseconds auto_unseal_retry_max{5000};
};

struct InitParams {
  int secret_shares = 0;     // Shamir seal only (an auto seal stores one root key: 1/1)
  int secret_threshold = 0;
  std::string root_token_id;  // dev mode only; empty = random
  int recovery_shares = 0;    // auto seals only; 0 = no recovery keys
  int recovery_threshold = 0;
  // Vault's `pgp_keys`: base64 OpenPGP public keys, one per share (pgp/pgp.h); the shares are
  // returned encrypted (hex and base64 of each message). Empty = plain shares.
  std::vector<std::string> pgp_keys;
  // Vault's `recovery_pgp_keys` (auto seals): the same for the recovery key shares.
  std::vector<std::string> recovery_pgp_keys;
  // Vault's `root_token_pgp_key`: root_token is returned as the base64 of the message.
  std::string root_token_pgp_key;
};

struct InitResult {
  std::vector<std::string> keys_hex;     // unseal keys (Shamir); empty for an auto seal
  std::vector<std::string> keys_base64;
  std::vector<std::string> recovery_keys_hex;  // auto seals
  std::vector<std::string> recovery_keys_base64;
  std::string root_token;
};

struct SealStatus {
  std::string type = "shamir";  // the configured seal's type
  bool initialized = false;
  bool sealed = true;
  // For an auto seal, threshold/shares are the recovery config's (the keys sys/unseal takes).
  int threshold = 0;
  int shares = 0;
  bool recovery_seal = false;  // an auto seal: recovery keys instead of unseal keys
  bool migration = false;      // a seal migration waits for sys/unseal with migrate=true
  int progress = 0;
  std::string nonce;
  std::string cluster_name;
  std::string cluster_id;
  std::string storage_type;
};

class Core {
 public:
  explicit Core(CoreConfig config);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // The request pipeline. `req.path` is the full API path ("secret/foo"); on return, the
  // request's routing fields (mount_type, mount_point, ...) are filled in.
  Result<logical::Response> HandleRequest(logical::Request& req);

  // True when HandleRequest(req) will only touch memory and local storage, without waiting for
  // fsync, another thread or the network, so the HTTP I/O thread that parsed it may run it
  // itself instead of handing it to a worker: reads (GET, LIST) of lifecycle paths and of kv,
  // cubbyhole and transit mounts, on inmem, file or lmdb storage, not response-wrapped, with
  // a token the token cache knows has no use limit (a use is then a storage write), while no
  // audit device hands its lines to a writer thread. Cheap: a token-cache and a mount-table
  // lookup.
  bool RunsInline(const logical::Request& req) const;

  // --- lifecycle ---
  Result<bool> Initialized();
  // Errors: InvalidRequest when already initialized or the share counts are invalid.
  Result<InitResult> Initialize(const InitParams& params);
  Result<SealStatus> GetSealStatus();
  // Adds one unseal key; unseals when the threshold is reached. A wrong set of keys resets the
  // progress and is an InvalidRequest. With an auto seal the keys are recovery keys (Vault
  // accepts them after sys/seal): checked against the stored recovery key, then the seal opens
  // the root key. `migrate`: sys/unseal's flag for a seal migration (required while one is
  // pending, refused otherwise); the threshold then performs the migration (docs/formats/seal.md).
  Result<SealStatus> SubmitUnsealKey(std::string_view key_text, bool migrate = false);
  Result<SealStatus> ResetUnsealProgress();
  // Unseals directly with a complete set of keys (dev mode, tests).
  Status UnsealWithKeys(const std::vector<std::string>& keys);
  Status Seal();
  bool Sealed() const;

  // --- auto-unseal (CoreConfig::seal) ---
  // Checks the stored seal against the configured seal(s) and enters seal migration mode when
  // they differ as Vault allows (an error when they differ otherwise); then, for an initialized
  // auto seal that is not migrating, starts the background auto-unseal (retried with backoff
  // while the key service is unavailable). Called once by the server after construction.
  Status StartSeal();
  // Unseals with the root key the auto seal unwraps (Init() of the seal first). Errors:
  // kUnavailable when the key service cannot be reached; the seal's error otherwise.
  Status UnsealWithSeal();
  // The configured auto seal (null: Shamir), for sys/seal-backend-status.
  SealAccess* seal_access() { return config_.seal.get(); }
  // Health of the seal for sys/seal-backend-status: healthy now (Health() is called), and since
  // when it has been unhealthy (unset when healthy).
  struct SealHealth {
    bool healthy = true;
    std::optional<std::chrono::system_clock::time_point> unhealthy_since;
    std::string error;  // the last health error, no secrets
  };
  SealHealth CheckSealHealth();

  // --- key shares, for rekey and generate-root (sys/rekey*, sys/generate-root*) ---
  // An auto seal: recovery keys exist instead of unseal keys.
  bool RecoveryKeysSupported() const { return config_.seal != nullptr; }
  // The config of the key shares that authorise operations: the recovery config for an auto
  // seal, the barrier seal config for Shamir. Errors: InvalidRequest when not initialized.
  Result<SealConfig> KeyShareConfig();
  // The recovery config (auto seals). Errors: InvalidRequest for a Shamir seal.
  Result<SealConfig> RecoveryConfig();
  // Combines `shares` (a threshold of the KeyShareConfig() shares) and checks them: Shamir: they
  // open the root key; auto seal: they equal the stored recovery key (constant time). Wrong
  // shares: InvalidRequest.
  Status VerifyKeyShares(const std::vector<SecureBytes>& shares);
  // The same for recovery key shares only (InvalidRequest for a Shamir seal).
  Status VerifyRecoveryShares(const std::vector<SecureBytes>& shares);
  // Replaces the recovery key and its config (rekey of the recovery keys), both in one physical
  // batch. `key` is 32 bytes; `config.secret_shares` may be 0 only with an empty key. Errors:
  // InvalidRequest for a Shamir seal or bad counts; the seal's error (nothing written).
  Status StoreRecoveryKey(const SecureBytes& key, const SealConfig& config);

  // --- rekey (rekey.cc): Vault's sys/rekey/* (`recovery` false: the unseal keys, or with an
  // auto seal the root key alone, authorised by recovery keys) and sys/rekey-recovery-key/*
  // (`recovery` true: the recovery keys of an auto seal). Every call needs an unsealed core
  // (Sealed otherwise); user errors are InvalidRequest with Vault's messages, and change nothing.
  Result<RekeyStatus> GetRekeyStatus(bool recovery);
  // Errors: a rekey already in progress, invalid share counts, pgp_keys/backup misuse.
  Result<RekeyStatus> StartRekey(const RekeyParams& params, bool recovery);
  // Discards the rekey attempt (and its new shares if verification was pending).
  Status CancelRekey(bool recovery);
  // Adds one current share; the share that reaches the threshold completes the rekey (or, with
  // require_verification, returns the new shares to verify). nullopt: more shares needed.
  Result<std::optional<RekeyResult>> RekeyUpdate(std::string_view key_text, std::string_view nonce,
                                                 bool recovery);
  Result<RekeyVerifyStatus> GetRekeyVerifyStatus(bool recovery);
  // Restarts verification: progress dropped, new verification nonce.
  Result<RekeyVerifyStatus> RestartRekeyVerify(bool recovery);
  // Adds one NEW share; at the new threshold the new shares take effect. Returns the
  // verification nonce when complete, nullopt when more shares are needed.
  Result<std::optional<std::string>> RekeyVerify(std::string_view key_text, std::string_view nonce,
                                                 bool recovery);
  // The backup of PGP-encrypted new shares (rekey with pgp_keys and backup): Vault's
  // {"nonce", "keys": {fingerprint: [hex message, ...]}}, nullopt when there is none.
  Result<std::optional<json::object>> RekeyBackup(bool recovery);
  Status DeleteRekeyBackup(bool recovery);

  // --- root token generation (generate_root.cc): Vault's sys/generate-root/*.
  // The length of an OTP: that of a root token ("hvs." + 36).
  static constexpr int kRootTokenOtpLength = 40;
  Result<GenerateRootStatus> GetGenerateRootStatus();
  // `otp` (kRootTokenOtpLength base62 characters) or `pgp_key`; with neither an OTP is
  // generated and returned in the status.
  Result<GenerateRootStatus> StartGenerateRoot(std::string otp, std::string pgp_key);
  Status CancelGenerateRoot();
  // Adds one share; the share reaching the threshold creates a new root token and returns it
  // encoded (base64 without padding of token XOR otp).
  Result<GenerateRootStatus> GenerateRootUpdate(std::string_view key_text, std::string_view nonce);

  // --- high availability (ha.cc; docs/ha.md) ---
  // With a storage backend that is HaLockable (etcd with ha_enabled), an unsealed node is a
  // standby until it wins the lock: its barrier is open (it stays unsealed) but nothing is
  // mounted and it serves nothing but the lifecycle paths; the server forwards everything else to
  // the active node. Winning runs the unseal setup (mounts, policies, leases, periodic work)
  // from storage; losing the lock (or sys/step-down) stops all of it and returns to standby.
  struct HaLeader {
    std::string node_id;
    std::string api_addr;      // "https://host:8200"
    std::string cluster_addr;  // "https://host:8201"
    std::string holder_id;     // the storage's id of the lock hold (DeposeLeader)
  };
  struct HaNode {  // a node as sys/ha-status lists it
    std::string node_id;
    std::string hostname;
    std::string api_address;
    std::string cluster_address;
    std::string version;
    bool active = false;
    std::chrono::system_clock::time_point last_echo;
  };
  struct HaStatus {
    bool enabled = false;  // the storage is HA-capable and ha_enabled
    bool active = false;   // unsealed and holding the lock: serving requests
    bool standby = false;  // unsealed, not active
    std::string node_id;   // this process's id (a UUID made at start)
    std::string api_addr;      // this node's advertised addresses
    std::string cluster_addr;
    std::chrono::system_clock::time_point active_since;  // when this node became active
    std::optional<HaLeader> leader;  // the active node (this one when active); cached ~0.5 s
  };
  HaStatus GetHaStatus();
  // Cheap (an atomic): unsealed, HA enabled and not active.
  bool IsStandby() const { return standby_.load(); }
  bool HaEnabled() const { return ha_ != nullptr; }
  // sys/step-down on the active node: gives the lock up (another node takes over at once) and
  // waits CoreConfig::step_down_wait before campaigning again. InvalidRequest when not active.
  Status StepDown();
  // Fast failover: a standby that found the leader's process gone (its cluster port refuses
  // connections) ends that leader's hold, if `holder_id` still holds the lock.
  Status DeposeLeader(std::string_view holder_id);
  // The active node records a standby's echo (sys/ha-status lists nodes heard from lately).
  void RecordEcho(HaNode node);
  // sys/ha-status: this node (when active) and the standbys that echoed in the last 30 s.
  std::vector<HaNode> HaNodes();
  // The addresses this node advertises to the others (the server calls it once its listeners are
  // bound, before anything can unseal): api_addr "http(s)://host:port" (the configured api_addr,
  // else the first listener's URL) and cluster_addr "https://host:port" (its cluster listener).
  void SetAdvertisedAddresses(std::string api_addr, std::string cluster_addr);
  // This cluster's API address: the configured api_addr, else the advertised one (the first
  // listener's URL); "" before the server advertised one. The default issuer of identity tokens.
  std::string ApiAddr() const;
  // Called (from the HA thread) after this node became active (true) and after it stopped
  // being active (false). Set once, before unsealing.
  void SetActiveChangeHook(std::function<void(bool active)> hook);
  // Standby reads (server/cluster.h): whether this standby serves reads itself now (ready,
  // enabled, fresh) and the replication index it applied; for sys/health (473) and sys/leader.
  // The probe is set once, before the node serves.
  struct PerfStandbyStatus {
    bool serving = false;
    uint64_t applied_index = 0;
  };
  void SetPerfStandbyProbe(std::function<PerfStandbyStatus()> probe) {
    perf_standby_probe_ = std::move(probe);
  }
  PerfStandbyStatus PerfStandby() const {
    return perf_standby_probe_ ? perf_standby_probe_() : PerfStandbyStatus{};
  }

  // --- standby reads (standby_reads.cc; docs/ha.md "Standby reads") ---
  // An unsealed HA standby with standby reads enabled loads a read-only copy of what an active
  // node loads at unseal (token store, policies, mounts and their backends, identity, audit
  // devices, quotas, cors, password policies; no leases, no periodic work) and serves requests
  // that only read storage. Its storage refuses every write with kForwardToActive; the read
  // cache is on and the active node's writes reach it through ApplyInvalidations.
  //
  // HA on and `disable_standby_reads` false.
  bool StandbyReadsEnabled() const { return ha_ != nullptr && !config_.disable_standby_reads; }
  // Cheap (an atomic): this node is a standby whose read-only state is loaded.
  bool StandbyReadsReady() const { return standby_reads_ready_.load(std::memory_order_acquire); }
  // Cheap, no token: true when StandbyReadsReady() and the request `method` ("GET", "LIST",
  // "POST", "PUT", "DELETE", "HEAD"; GET with list=true is "LIST") on `api_path` (after "/v1/",
  // no query; a leading "/v1/" or "/" is skipped) is one this standby may serve itself: the
  // backend mounted there declares the operation standby-safe (logical::Backend::StandbySafe).
  // Everything else is forwarded to the active node.
  bool StandbyMayServe(std::string_view method, std::string_view api_path) const;
  // A read-serving standby applies the active node's writes: `keys` are PHYSICAL storage keys
  // (the barrier's: "logical/<uuid>/...", "sys/policy/...", "core/mounts", "core/keyring").
  // Drops them from the read cache, then updates what is held in memory from them (keyring,
  // mount tables and backends, policies, tokens, identity, audit, quotas, cors, password
  // policies, the backends' own caches through InvalidateKey). Safe to call at any time (a
  // no-op unless this node is a read-serving standby); serialised internally.
  void ApplyInvalidations(const std::vector<std::string>& keys);
  // Drops every cache and reloads the whole read-only state from storage (the invalidation
  // stream restarted or has a gap). A no-op unless this node is a read-serving standby.
  void PurgeStandbyState();
  // Physical storage writes made by this process (puts, deletes, batch entries); sys/metrics
  // `arca.storage.writes`.
  uint64_t StorageWrites() const;
  // Called after every successful physical write of this node with the keys it wrote (in the
  // writing thread, before the request that wrote returns). Set once, before unsealing.
  void SetStorageWriteObserver(std::function<void(std::span<const std::string_view> keys)> fn);
  // Called after a snapshot restore replaced the whole storage (sys/storage/raft/snapshot):
  // individual keys are not reported then; read-serving standbys must reload everything
  // (PurgeStandbyState). Set once, before unsealing.
  void SetStorageResetObserver(std::function<void()> fn);

  // --- snapshots of the physical storage (snapshot.cc; docs/snapshots.md) ---
  // Writes a snapshot (encrypted entries, one consistent point in time) to `out_fd`. Called
  // while serving a request (the state lock is held shared by the pipeline). Errors:
  // InvalidRequest when the storage cannot take snapshots; the storage's.
  Result<storage::snapshot::Meta> WriteSnapshot(int out_fd);
  // Restores the snapshot file at `path` on the active node: verified completely first
  // (InvalidRequest for a corrupted/truncated file, nothing changed); its keyring must open with
  // this node's root key unless `force` (InvalidRequest otherwise). Then, under the state lock,
  // the active duties stop, the storage is replaced, and the node reloads as an HA takeover
  // does. When the restored keyring does not open with the root key (forced), the node ends up
  // sealed: the snapshot's unseal keys open it.
  Status RestoreSnapshot(const std::string& path, bool force);
  // The POST of sys/storage/raft/snapshot[-force] once authorized: the body (req.body_fd, else
  // req.raw_body) restored as above; an empty response (204).
  Result<logical::Response> RestoreSnapshotRequest(const logical::Request& req, bool force);

  // --- used by the system backend ---
  Router& router() { return router_; }
  Barrier& barrier() { return *barrier_; }
  TokenStore& tokens() { return *tokens_; }
  ExpirationManager& expiration() { return *expiration_; }
  audit::Broker& audit() { return *audit_; }

  // Response wrapping tokens (sys/wrapping/*). Errors: InvalidRequest "wrapping token is not
  // valid or does not exist" for unknown, used or expired tokens.
  // The wrapped response (the JSON envelope) once; the token is revoked.
  Result<std::string> Unwrap(std::string_view wrapping_token);
  // {creation_path, creation_time, creation_ttl} of a wrapping token.
  Result<json::object> WrapLookup(std::string_view wrapping_token);
  // Moves the wrapped response to a new token with the same TTL; the old one is revoked.
  Result<logical::WrapInfo> Rewrap(std::string_view wrapping_token);
  PolicyStore& policies() { return *policies_; }
  // Entities, aliases and groups (the identity/ mount; logins map to entities).
  identity::IdentityStore& identity() { return *identity_; }
  PasswordPolicyStore& password_policies() { return *password_policies_; }
  QuotaManager& quotas() { return *quotas_; }
  CorsStore& cors() { return *cors_; }
  InFlightRequests& in_flight() { return *in_flight_; }
  ActivityLog& activity() { return *activity_; }
  // Scheduled snapshots (sys/storage/raft/snapshot-auto); run while this node is active.
  AutoSnapshots& auto_snapshots() { return *auto_snapshots_; }
  const CorsStore& cors() const { return *cors_; }
  const CoreConfig& config() const { return config_; }
  std::string storage_type() const;
  // Mount management (sys/mounts, sys/auth). Paths are normalized to end in '/'.
  Status EnableMount(MountEntry entry);
  Status DisableMount(std::string_view path, bool is_auth);
  Status TuneMount(std::string_view router_path, const MountEntry& updated);
  bool IsKnownType(std::string_view type, bool is_auth) const;
  // Moves a mount (sys/remount): `from` and `to` are router paths ("secret/", "auth/userpass/").
  // The mount keeps its UUID, accessor, configuration and data; its leases are revoked first
  // (as in Vault). Errors: InvalidRequest for reserved paths (sys/, auth/token/, cubbyhole/,
  // identity/), a missing source, a target in use or nested with a mount, or a move between
  // the secrets and auth tables; Internal when the leases cannot be revoked (nothing moved).
  Status RemountMount(std::string_view from, std::string_view to);

 private:
  // HandleRequest without the request metrics (pipeline.cc).
  Result<logical::Response> HandleRequestUnmetered(logical::Request& req);
  // A routed request that passed its rate limit quota: audit, then Dispatch.
  Result<logical::Response> HandleRouted(logical::Request& req, Router::Match& match);
  // The 429 answer (Retry-After, optional X-Ratelimit-* headers, optional audit entry).
  logical::Response RateLimited(logical::Request& req, Router::Match& match,
                                const QuotaManager::Decision& d);
  static void AddRateLimitHeaders(const QuotaManager::Decision& d, logical::Response& resp);
  // The config of the shares that authorise rekey and generate-root (KeyShareConfig), once
  // initialized and unsealed (rekey.cc).
  Result<SealConfig> CurrentSealConfig();
  Status RequireRotatable();  // CurrentSealConfig's checks only
  // Decodes a share and checks its length: InvalidRequest otherwise.
  static Result<SecureBytes> DecodeShare(std::string_view key_text);
  // The rekey attempt of a target. REQUIRES: rotation_mu_ held.
  std::optional<RekeyOperation>& RekeySlot(bool recovery) {
    return recovery ? recovery_rekey_ : rekey_;
  }
  // Makes `key` (the new KEK / recovery key; empty for an auto seal's barrier rekey) and `op`'s
  // new share counts take effect. REQUIRES: rotation_mu_ held.
  Status CommitRekey(const RekeyOperation& op, const SecureBytes& key, bool recovery);
  // The fingerprints of base64 PGP public keys (InvalidRequest for a bad key).
  static Result<std::vector<std::string>> PgpFingerprints(const std::vector<std::string>& keys);
  // The new shares of `op` as the answer gives them: hex/base64, or, with PGP keys, each
  // encrypted to its key (and the backup stored when asked for). REQUIRES: rotation_mu_ held.
  Status EncodeNewShares(const RekeyOperation& op, const std::vector<SecureBytes>& shares,
                         RekeyResult& result, bool recovery);
  void DiscardRotations();  // drops both operations (at seal)
  // Records one unseal (or recovery) key; returns the combined key once the threshold of
  // `cfg` is reached.
  Result<std::optional<SecureBytes>> AddUnsealKey(SecureBytes key, const SealConfig& cfg);
  // The root key from a combined key, per the current mode (and the migration writes when
  // migrating).
  Result<SecureBytes> RootKeyFromCombinedKey(const SecureBytes& combined, bool migrate);
  Result<SecureBytes> MigrateSeal(const SecureBytes& combined);
  // Unseals the barrier with `root_key` and runs PostUnseal.
  Status UnsealWithRootKey(const SecureBytes& root_key);
  // Calls seal.Init() until it has succeeded once (`done`).
  Status InitSealAccess(SealAccess& seal, std::atomic<bool>& done);
  // Records the seal's health from the outcome of a seal call (sys/seal-backend-status).
  void NoteSealHealth(const Status& s);
  void AutoUnsealLoop();
  void StopAutoUnseal();
  Status PostUnseal();           // REQUIRES: state_mu_ held exclusively
  void PreSeal();                // REQUIRES: state_mu_ held exclusively
  Status LoadMounts(bool is_auth);
  Status PersistMounts(bool is_auth);  // REQUIRES: mounts_mu_ held
  // `transient_options` are passed to the backend factory on top of the entry's options but
  // not persisted (e.g. the KV upgrade request).
  Result<std::shared_ptr<MountRoute>> BuildRoute(
      MountEntry entry, const std::map<std::string, std::string>& transient_options = {});
  // Rebuilds the backend of a mounted route for a changed entry (KV 1 -> 2): the mount answers
  // 503 meanwhile. REQUIRES: mounts_mu_ held.
  Status RebuildRoute(const std::shared_ptr<MountRoute>& old, const MountEntry& updated,
                      const std::map<std::string, std::string>& transient_options);
  Status SetupClusterInfo();
  // The thread that calls every mounted backend's Periodic() (periodic.cc); started at unseal,
  // stopped before seal.
  void RegisterMetrics();  // gauges for sys/metrics (core_metrics.cc)
  void StartPeriodic();
  void StopPeriodic();
  void PeriodicLoop();
  Result<logical::Response> HandleLifecycle(logical::Request& req, bool* handled);
  Result<logical::Response> HandleSealRequest(logical::Request& req);
  // Resolves the token (unless the path is unauthenticated); sets *root_protected and *entry
  // (null when no valid token was given).
  Status Authenticate(logical::Request& req, const logical::Backend& backend,
                      std::string_view relative_path, bool* root_protected,
                      std::shared_ptr<const TokenEntry>* entry);
  // For a path no mount serves: 403 unless a valid token whose ACL allows the request.
  Status AuthorizeUnrouted(const logical::Request& req);
  // ACL check of the (create/update-resolved) operation on the full path.
  // `wrap_bounds` (optional) receives the policy's min/max wrapping TTLs for the path.
  struct WrapBounds {
    std::chrono::seconds min{0}, max{0};
  };
  Status Authorize(const logical::Request& req, bool root_protected,
                   WrapBounds* wrap_bounds = nullptr);

  // Response wrapping (wrapping.cc).
  static Status CheckWrapTtl(const logical::Request& req, const WrapBounds& bounds);
  // Replaces `resp` by a wrap_info for a new single-use token whose cubbyhole holds it.
  Status WrapResponse(const logical::Request& req, logical::Response& resp);

  // One request through a route (pipeline.cc). `audit` is null when no audit device is enabled.
  struct AuditCall {
    MountEntry mount;  // for the non-HMAC key lists
    std::shared_ptr<const TokenEntry> token;
    bool request_logged = false;
    // The request entry's formatted parts, reused by the response entry.
    mutable audit::EntryMemo memo;
  };
  Result<logical::Response> Dispatch(logical::Request& req, Router::Match& match,
                                     AuditCall* audit);
  audit::LogInput AuditInput(const logical::Request& req, const AuditCall& call) const;
  Status LogAuditRequest(const logical::Request& req, AuditCall& call, std::string error);

  // Creates the token of a login (login.cc) and completes `auth` with it.
  Status CreateLoginToken(const logical::Request& req, const MountRoute& route,
                          logical::Auth& auth);

  // Leases (leases.cc): the expiration manager's callbacks route renewal and revocation to the
  // owning backend (or the token store for token leases); RegisterLease gives a response's
  // secret its lease.
  Status RevokeLease(const LeaseEntry& lease);
  Result<logical::Secret> RenewLease(const LeaseEntry& lease, std::chrono::seconds increment);
  Status RegisterLease(const logical::Request& req, const MountRoute& route,
                       const TokenEntry* token, logical::Response& resp);
  void SetupLeaseHooks();

  // LIST/SCAN post-processing (listing.cc): pagination parameters taken out of the request,
  // a SCAN walked with the backend's LIST, keys filtered by the caller's ACL when the mount
  // asks for it.
  struct ListPage {
    std::string after;  // only keys sorting after this one
    int64_t limit = 0;  // 0 = all
  };
  static Result<ListPage> TakeListPage(logical::Request& req);
  Result<logical::Response> HandleListing(logical::Request& req, logical::Backend& backend,
                                          const MountRoute& route);

  CoreConfig config_;
  // The write counter/gate right around the configured backend (always present).
  storage::WriteGate* gate_ = nullptr;
  // The read cache in front of network storage (config_.physical wraps it), or null.
  storage::CachedBackend* cache_ = nullptr;
  std::function<PerfStandbyStatus()> perf_standby_probe_;  // SetPerfStandbyProbe
  // The physical storage answers from this machine (inmem, file, lmdb): see RunsInline.
  bool local_storage_ = false;
  std::unique_ptr<Barrier> barrier_;
  std::unique_ptr<logical::PrefixedStorage> token_view_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<logical::PrefixedStorage> policy_view_;
  std::unique_ptr<PolicyStore> policies_;
  std::unique_ptr<logical::PrefixedStorage> identity_view_;  // "core/identity/"
  std::unique_ptr<identity::IdentityStore> identity_;
  mutable std::mutex advertised_mu_;
  std::string advertised_api_addr_;  // guarded by advertised_mu_
  std::shared_ptr<logical::Backend> identity_backend_;  // the identity/ mount
  std::unique_ptr<logical::PrefixedStorage> sys_view_;
  std::unique_ptr<logical::PrefixedStorage> password_policy_view_;
  std::unique_ptr<PasswordPolicyStore> password_policies_;
  std::unique_ptr<logical::PrefixedStorage> quota_view_;
  std::unique_ptr<QuotaManager> quotas_;
  std::unique_ptr<CorsStore> cors_;  // sys/config/cors; kept across seals (as Vault does)
  std::unique_ptr<InFlightRequests> in_flight_;  // sys/in-flight-req
  std::unique_ptr<ActivityLog> activity_;        // sys/internal/counters/activity
  std::unique_ptr<logical::PrefixedStorage> expire_view_;
  std::unique_ptr<ExpirationManager> expiration_;
  std::mutex unwrap_mu_;
  std::unique_ptr<logical::PrefixedStorage> audit_view_;
  std::unique_ptr<audit::Broker> audit_;  // makes unwrap/rewrap of one token happen once
  std::shared_ptr<logical::Backend> system_backend_;
  Router router_;

  // Held shared by every request, exclusively by seal/unseal.
  mutable std::shared_mutex state_mu_;
  bool sealed_ = true;  // guarded by state_mu_
  std::atomic<bool> unsealed_gauge_{false};  // mirrors !sealed_ for lock-free readers (metrics)

  // Unseal progress; guarded by unseal_mu_.
  std::mutex unseal_mu_;
  std::vector<SecureBytes> unseal_keys_;
  std::string unseal_nonce_;
  std::optional<SealConfig> seal_config_;  // cached once read
  std::optional<SealConfig> recovery_config_;  // auto seals; cached once read
  // The seal migration pending (set by StartSeal, cleared when done); guarded by unseal_mu_.
  enum class Migration { kNone, kShamirToAuto, kAutoToShamir, kAutoToAuto };
  Migration migration_ = Migration::kNone;

  // Auto-unseal: Init() of the seals done; the background retry thread.
  std::atomic<bool> seal_init_done_{false};
  std::atomic<bool> migration_seal_init_done_{false};
  std::mutex seal_init_mu_;
  std::mutex auto_mu_;
  std::condition_variable auto_cv_;
  bool auto_stop_ = false;  // guarded by auto_mu_
  std::thread auto_thread_;
  std::mutex health_mu_;
  std::optional<std::chrono::system_clock::time_point> seal_unhealthy_since_;  // guarded by health_mu_

  // Rekey and root generation attempts. Lock order: state_mu_, rotation_mu_, unseal_mu_.
  std::mutex rotation_mu_;
  std::optional<RekeyOperation> rekey_;           // guarded by rotation_mu_
  std::optional<RekeyOperation> recovery_rekey_;  // guarded by rotation_mu_
  std::optional<RootGeneration> root_generation_;  // guarded by rotation_mu_

  // Serialises mount table changes; guarded tables mirror what is persisted.
  std::mutex mounts_mu_;
  std::vector<MountEntry> mounts_;       // guarded by mounts_mu_
  std::vector<MountEntry> auth_mounts_;  // guarded by mounts_mu_

  std::mutex periodic_mu_;
  std::condition_variable periodic_cv_;
  bool periodic_stop_ = false;  // guarded by periodic_mu_
  std::thread periodic_thread_;

  // HA (ha.cc): the lockable storage (null: HA off), the campaign thread, the state.
  struct HaState;
  std::unique_ptr<HaState> ha_;
  std::atomic<bool> standby_{false};
  void LoadClusterInfo();  // cluster name/id from storage if present (an HA standby)
  void InitHa();          // constructor: HA state when the storage is HaLockable
  void StartHaLocked();   // REQUIRES: state_mu_ held exclusively, barrier unsealed
  void StopHa();          // joins the HA thread; REQUIRES: state_mu_ NOT held
  // Storage gate and cache for a standby (read-only and cached with standby reads, uncached
  // without), and back for a takeover (the read-only state dropped, writes let through).
  // REQUIRES: state_mu_ held exclusively.
  void EnterStandbyLocked();
  void LeaveStandbyLocked();
  void HaLoop();
  void HaWait(std::chrono::milliseconds d);  // until `d` passed or StopHa
  Status BecomeActiveLocked();  // REQUIRES: state_mu_ held exclusively
  // Stops everything an active node runs (PreSeal without sealing the barrier).
  // REQUIRES: state_mu_ held exclusively.
  void StopActiveLocked();
  Result<std::string> Advertisement();
  Result<HaLeader> ReadAdvertisement(const storage::HaHolder& holder);
  void InvalidateLeaderCache();
  storage::Snapshottable* SnapshotStorage() const;  // null: the storage cannot take snapshots

  // Standby reads (standby_reads.cc).
  std::atomic<bool> standby_reads_ready_{false};
  std::mutex invalidate_mu_;  // serialises ApplyInvalidations / PurgeStandbyState
  // Sets up the read-only state. REQUIRES: state_mu_ held exclusively, a standby.
  Status SetupStandbyReadsLocked();
  // Drops it. REQUIRES: state_mu_ held exclusively.
  void StopStandbyReadsLocked();
  // Called by the standby-reads thread while a standby: sets up the state when due.
  void MaybeSetupStandbyReads();
  void StandbyReadsLoop();  // every second until StopHa
  // A read-serving standby re-reads a mount table written by the active node: new mounts get
  // backends, removed ones go, changed ones are updated. REQUIRES: state_mu_ held exclusively.
  Status ReloadMountsLocked(bool is_auth);
  // Request checks of a read-serving standby (pipeline.cc).
  bool StandbyMayServeOp(logical::Operation op, std::string_view path) const;

  std::string cluster_name_;  // set at unseal
  std::string cluster_id_;

  // Last: it uses config_.physical and barrier_ until it is destroyed.
  std::unique_ptr<AutoSnapshots> auto_snapshots_;
};

}  // namespace arca::core
