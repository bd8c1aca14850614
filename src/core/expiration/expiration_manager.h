// ExpirationManager: the leases of secrets and tokens. It registers a lease for every secret
// (and token) with a TTL, renews within the lease's max TTL, revokes one lease, a prefix of
// lease ids or every lease a token created, and revokes each lease when it expires, through a
// callback that the core routes to the owning backend (Operation::kRevoke).
//
// Storage: the view it is given (the barrier view "sys/expire/"); layout in lease_entry.h. Only
// index keys are listed at Restore, so unseal cost grows with the number of leases but never
// decrypts or parses an entry; memory holds a compact schedule (due time + lease id per lease).
//
// Background: Restore() starts `workers` threads that share one schedule (an ordered set): they
// sleep until the earliest expiry, take due leases and revoke them. A failed revocation is retried
// with exponential backoff (retry_base doubling up to retry_max); after max_revoke_attempts
// failures the lease is marked irrevocable (persisted, counted by Count("irrevocable"), shown by
// Lookup) and is no longer retried automatically; Revoke / RevokePrefix(force) still remove it.
//
// Concurrency: every public method is thread-safe. Operations on one lease are serialised (a
// per-lease claim, not a global lock), and no lock is held across storage writes or callbacks,
// so concurrent Registers group-commit in storage. Callbacks run on the caller's thread or on a
// worker thread and must not call Stop(). The revoke callback of a token lease may (through the
// token store's revoke hook) call RevokeByToken on the same thread: this is supported.
//
// Failure behaviour: storage errors are returned (Sealed, Internal); an index key without a
// matching entry (a crash between writes) is ignored and cleaned up when met and by Tidy().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/expiration/lease_entry.h"
#include "core/expiration/lease_schedule.h"
#include "logical/response.h"
#include "logical/storage.h"

namespace arca::core {

struct ExpirationOptions {
  // Used when a secret comes without a TTL / max TTL (the core normally resolves the mount's).
  std::chrono::seconds default_lease_ttl = std::chrono::hours(768);
  std::chrono::seconds max_lease_ttl = std::chrono::hours(768);
  int max_revoke_attempts = 6;
  std::chrono::seconds retry_base{1};
  std::chrono::seconds retry_max{300};
  int workers = 2;  // background threads revoking due leases (>= 1)
  // The longest a worker sleeps before looking at the clock again (an injected clock may jump).
  std::chrono::milliseconds max_sleep{1000};
  // Whether a token (by hash) still exists; Tidy revokes the leases of missing tokens. Optional.
  std::function<bool(std::string_view token_hash)> token_valid;
  // Optional: writes several keys of the manager's view atomically and durably (all or none),
  // e.g. a barrier batch over storage::Transactional. When set, Register writes its three keys
  // as one batch (one group-committed write instead of three in a row: the Register rate is then
  // bounded by storage's writes/s, not a third of it). Unset: ordered single-key writes.
  std::function<Status(const std::vector<std::pair<std::string, std::string>>& puts)> put_batch;
  // Optional: called by Restore every `release_memory_every` index keys and at its end, so
  // that a scan of a large index does not leave the storage file mapped into the RSS
  // (storage::Backend::ReleaseMappedMemory).
  std::function<void()> release_memory;
  size_t release_memory_every = 100000;
  // Injectable clock (tests). Default: system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class ExpirationManager {
 public:
  // Revokes the secret (or token) of a lease in its backend. Success = the lease may be deleted.
  using RevokeFn = std::function<Status(const LeaseEntry&)>;
  // Asks the backend to renew; returns the secret with its new ttl (0 = the increment, else the
  // lease's last TTL), renewable flag and internal data (empty = unchanged).
  using RenewFn =
      std::function<Result<logical::Secret>(const LeaseEntry&, std::chrono::seconds increment)>;

  // `storage` must outlive the manager.
  ExpirationManager(logical::Storage& storage, RevokeFn revoke, RenewFn renew,
                    ExpirationOptions options = {});
  ~ExpirationManager();  // Stop()s
  ExpirationManager(const ExpirationManager&) = delete;
  ExpirationManager& operator=(const ExpirationManager&) = delete;

  // --- registration ---
  // Leases `secret` created by a request on `path` (full API path, e.g. "database/creds/ro"):
  // lease id "<path>/<24 base62 chars>" (6 encode the issue second, so that leases issued
  // together sort together in storage; 18 are random). TTL 0 = default_lease_ttl; max_ttl 0 = max_lease_ttl;
  // the TTL is capped by the max TTL. `token_hash` (may be empty) indexes the lease under its
  // creating token. Returns the persisted entry. Errors: InvalidRequest (empty path, negative
  // TTL), storage errors.
  Result<LeaseEntry> Register(std::string_view path, const logical::Secret& secret,
                              std::string_view token_hash, std::string_view mount_accessor);
  // A token lease: id "<path>/h<token_hash>", expiring after `ttl` (> 0), no max TTL (the token
  // store enforces its own). Its revoke callback is expected to revoke the token; RevokeByToken
  // (from the token's revoke hook) then deletes this lease without calling back.
  Result<LeaseEntry> RegisterAuth(std::string_view path, std::string_view token_hash,
                                  std::chrono::seconds ttl, bool renewable,
                                  std::string_view mount_accessor);
  // The token store renewed a token: its token lease(s) now expire `ttl` from now. Unknown
  // tokens succeed (nothing to update).
  Status RenewAuth(std::string_view token_hash, std::chrono::seconds ttl);

  // --- API operations ---
  // The stored entry, or nullopt. Errors: storage.
  Result<std::optional<LeaseEntry>> Lookup(std::string_view lease_id);

  struct Renewed {
    LeaseEntry entry;
    std::chrono::seconds ttl{0};        // granted, from now
    std::vector<std::string> warnings;  // e.g. capped by the max TTL
  };
  // Errors: InvalidRequest "lease not found", "lease is not renewable", "lease expired",
  // "tokens cannot be renewed through this endpoint", negative increment; the renew callback's.
  Result<Renewed> Renew(std::string_view lease_id, std::chrono::seconds increment);

  // Revokes now through the callback, then deletes the lease. Unknown leases succeed. A failing
  // callback is returned and the lease kept (unless `force`: then deleted anyway).
  Status Revoke(std::string_view lease_id, bool force = false);
  // Queues revocation: the lease expires now and a worker revokes it (Vault's sync=false).
  // Unknown leases succeed.
  Status RevokeAsync(std::string_view lease_id);
  // Revokes every lease whose id starts with `prefix` (a whole lease id is revoked alone; other
  // prefixes are taken as folders: "a/b" means "a/b/"; "" means all). Without `force`, stops at
  // the first failure and returns it; with `force`, callback failures are ignored. `sync` false
  // queues every lease for a worker instead of calling back here.
  Status RevokePrefix(std::string_view prefix, bool force, bool sync = true);
  // Revokes every lease created by the token (its own token lease is deleted without callback).
  // A lease whose callback fails is kept and retried in the background; the first error is
  // returned after all leases were tried.
  Status RevokeByToken(std::string_view token_hash);

  // Lease ids one level under `prefix` ("" or a folder; a missing '/' is added), folders with a
  // trailing '/', as storage List.
  Result<std::vector<std::string>> List(std::string_view prefix);
  // "irrevocable": leases whose revocation gave up; "all" (or ""): every lease known to the
  // schedule plus the irrevocable ones. Other types: InvalidRequest.
  Result<int64_t> Count(std::string_view type);
  // The irrevocable leases (at most `limit`, 0 = all), sorted by lease id.
  Result<std::vector<LeaseEntry>> ListIrrevocable(size_t limit = 0);

  struct TidyStats {
    int64_t leases_checked = 0;
    int64_t stale_index_removed = 0;  // due/, token/, irrevocable/ keys without a matching entry
    int64_t due_index_repaired = 0;   // entries that had lost their due/ key
    int64_t revoked_dead_token = 0;   // leases of tokens that no longer exist (token_valid)
  };
  // Walks every entry and index key: removes stale index keys, restores missing due keys,
  // recounts irrevocable leases, revokes leases of dead tokens. Synchronous; reads every entry.
  Result<TidyStats> Tidy();

  // --- lifecycle ---
  // Loads the schedule from the due/ index (keys only) and starts the workers; overdue leases are
  // revoked by the workers, Restore does not wait for them. Errors: storage (nothing started).
  Status Restore();
  // Stops and joins the workers (waiting for revocations in progress) and forgets the in-memory
  // schedule. Idempotent. Must not be called from a callback.
  void Stop();
  // Processes every lease due now on the calling thread; returns how many items were handled.
  // For tests and tools (no workers needed).
  size_t RunDue();
  // Wakes the workers to look at the clock now (e.g. after a test moved an injected clock).
  void Wake();
  // Leases in the in-memory schedule (including ones awaiting a retry).
  size_t ScheduledCount() const;
  // The manager's clock, in unix seconds.
  int64_t NowUnix() const { return Now(); }

 private:
  int64_t Now() const;
  std::string NewLeaseId(std::string_view path) const;
  Result<LeaseEntry> Persist(LeaseEntry entry);  // index keys, then entry, then schedule
  Result<std::optional<LeaseEntry>> Load(std::string_view lease_id);
  // Moves a lease's expiry: new due key, entry, old due key removed; schedule updated.
  Status SetExpiry(LeaseEntry& entry, int64_t new_expire);
  // Deletes entry then index keys; unschedules.
  Status DeleteLease(const LeaseEntry& entry);
  Status MarkIrrevocable(LeaseEntry& entry, const std::string& error);
  // Revoke under a claim already held.
  Status RevokeClaimed(std::string_view lease_id, bool force);
  // One due schedule item, under its claim (released by the caller).
  void ProcessItem(const LeaseSchedule::Item& item);
  void ScheduleRetry(std::string lease_id, int64_t expire, int attempts);
  std::chrono::seconds Backoff(int attempts) const;
  void WorkerLoop();
  // Recursive walk of id/<folder> calling fn(lease_id); stops at fn's first error.
  Status WalkLeases(const std::string& folder, const std::function<Status(const std::string&)>& fn);

  // Per-lease claims: at most one operation on a lease at a time.
  void Claim(const std::string& lease_id);     // blocks while another holds it
  bool TryClaim(const std::string& lease_id);  // false when held
  void Release(const std::string& lease_id);
  // Releases a claim the caller holds when it goes out of scope.
  class ClaimGuard {
   public:
    ClaimGuard(ExpirationManager& m, std::string lease_id) : m_(m), id_(std::move(lease_id)) {}
    ~ClaimGuard() { m_.Release(id_); }
    ClaimGuard(const ClaimGuard&) = delete;
    ClaimGuard& operator=(const ClaimGuard&) = delete;

   private:
    ExpirationManager& m_;
    std::string id_;
  };

  // Constant after construction.
  logical::Storage& storage_;
  const RevokeFn revoke_;
  const RenewFn renew_;
  const ExpirationOptions options_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;    // schedule changed / stop
  std::condition_variable claim_cv_;   // a claim was released
  LeaseSchedule schedule_;             // guarded by mu_
  std::unordered_set<std::string> claimed_;  // guarded by mu_
  int64_t irrevocable_count_ = 0;      // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  std::vector<std::thread> workers_;   // started by Restore, joined by Stop
  std::mutex lifecycle_mu_;            // serialises Restore / Stop
};

}  // namespace arca::core
