// HA standby reads (docs/ha.md "Standby reads"): the active node's invalidation log, the
// cluster endpoint that hands it to standbys, the standby's follower, and the replication
// index headers.
//
// Active node: every write attempt on the physical storage (storage::CachedBackend's write
// observer) appends its keys to an InvalidationLog with the next index. The log has a random
// epoch, new at each activation, and keeps the latest batches in a bounded ring. The cluster
// listener answers `GET /cluster/invalidations?epoch=E&from=N` with JSON lines: the batches
// after N (`{"epoch","index","keys":[...]}`), then a heartbeat `{"epoch","index"}` naming the
// last index the answer covers; an unknown epoch, a `from` older than the ring or newer than the
// log, or a snapshot restore (every key) answer `{"reset":true,"epoch","index"}` instead.
//
// Standby: a StandbyFollower thread asks the active node every kFollowInterval (at once again
// when an answer was cut short, or when a request waits for an index), applies the keys
// (Core::ApplyInvalidations) or a reset (Core::PurgeStandbyState) and records the epoch, the
// applied index and when it last heard from the active node (the send time of the answered
// request). The standby serves reads only while that time is within the staleness bound.
//
// The index header (X-Vault-Index) is opaque to clients: base64 of "arca1:<epoch>:<index>".
//
// These classes know nothing of Core (functions are given), so they are tested without one.
//
// Thread-safety: every method of InvalidationLog and StandbyFollower is safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "server/forwarding.h"

namespace arca::server {

inline constexpr std::string_view kInvalidationsTarget = "/cluster/invalidations";
inline constexpr std::string_view kIndexHeader = "X-Vault-Index";
inline constexpr std::string_view kInconsistentHeader = "X-Vault-Inconsistent";
inline constexpr std::string_view kIndexNotPresentError = "required index state not present";

struct ReplicationPosition {
  std::string epoch;
  uint64_t index = 0;
};

// "arca1:<epoch>:<index>", base64; nullopt for anything else.
std::string EncodeIndexHeader(const ReplicationPosition& pos);
std::optional<ReplicationPosition> DecodeIndexHeader(std::string_view value);

// The epoch and `from` of a `/cluster/invalidations?epoch=E&from=N` target; InvalidRequest when
// either is missing, empty or `from` is not a decimal number.
Result<ReplicationPosition> ParseInvalidationsTarget(std::string_view target);

class InvalidationLog {
 public:
  // The ring keeps at most `max_batches` batches and `max_keys` keys (the oldest go first).
  explicit InvalidationLog(size_t max_batches = 8192, size_t max_keys = 131072);

  // A new epoch (this node became active): the ring is emptied.
  void Activate();
  // Appends one batch (the write observer). `everything`: the whole storage changed (a snapshot
  // restore): followers behind it get a reset.
  void Record(std::span<const std::string_view> keys, bool everything);
  ReplicationPosition Position() const;
  // The answer to a follower at (epoch, from): JSON lines, at most `max_batches` batches.
  std::string LinesAfter(std::string_view epoch, uint64_t from, size_t max_batches = 512) const;

 private:
  struct Batch {
    uint64_t index;
    bool everything;
    std::vector<std::string> keys;
  };
  const size_t max_batches_, max_keys_;
  mutable std::mutex mu_;
  std::string epoch_;
  uint64_t index_ = 0;
  std::deque<Batch> ring_;  // consecutive indexes ending at index_
  size_t keys_ = 0;
};

struct FollowerOptions {
  LeaderFn leader;
  TlsFn tls;
  // Whether to follow now (an unsealed standby with standby reads enabled).
  std::function<bool()> enabled;
  std::function<void(const std::vector<std::string>& keys)> apply;
  std::function<void()> purge;
  // Whether what `apply` and `purge` act on is loaded (Core::StandbyReadsReady). When it
  // becomes so, the follower purges once (invalidations applied before were no-ops) before it
  // reports CaughtUp().
  std::function<bool()> ready;
  std::chrono::milliseconds interval{50};
  std::chrono::milliseconds timeout{1000};
};

class StandbyFollower {
 public:
  explicit StandbyFollower(FollowerOptions opts);
  ~StandbyFollower();
  StandbyFollower(const StandbyFollower&) = delete;
  StandbyFollower& operator=(const StandbyFollower&) = delete;

  void Start();
  void Stop();
  // Ask the active node now (a request waits for an index).
  void Wake();

  struct State {
    ReplicationPosition applied;  // epoch empty: nothing followed yet
    std::chrono::steady_clock::time_point last_heard{};
    bool synced = false;  // a first answer of this epoch was applied
  };
  State GetState() const;
  // Heard from the active node within `bound`.
  bool Fresh(std::chrono::milliseconds bound) const;
  // Whether `want` is applied; waits (waking the thread) up to `wait` for it.
  bool WaitFor(const ReplicationPosition& want, std::chrono::milliseconds wait);
  // The state `ready` names is loaded and was purged after it became so (see FollowerOptions).
  bool CaughtUp() const { return caught_up_.load(std::memory_order_acquire); }
  // Forget the followed position (sealed, or became active).
  void Reset();

  // One request to the active node and its application (the thread's step; tests).
  Status Poll();
  // Applies an answer of the active node (tests); `sent`: when the request was sent.
  Status ApplyAnswer(std::string_view body, std::chrono::steady_clock::time_point sent);

 private:
  void Loop();

  FollowerOptions opts_;
  ClusterClient client_;
  mutable std::mutex mu_;               // guards state_, stop_, wake_
  std::condition_variable cv_;          // the thread waits here
  std::condition_variable applied_cv_;  // WaitFor waits here
  State state_;
  bool stop_ = false, wake_ = false;
  std::atomic<bool> caught_up_{false};
  std::thread thread_;
  std::atomic<int64_t> last_warned_ms_{0};
};

}  // namespace arca::server
