// Internals of the KV version 2 backend (not for use outside src/engines/kv/).
//
// Storage layout (relative to the mount's storage view):
//   config                      JSON {"max_versions": int, "cas_required": bool,
//                                     "delete_version_after": int seconds}
//   metadata/<path>             JSON of KeyMeta: {"created_time": ns, "updated_time": ns,
//                                 "current_version", "oldest_version", "max_versions",
//                                 "cas_required", "delete_version_after" (seconds),
//                                 "custom_metadata": {k: v},
//                                 "versions": {"<n>": {"created_time": ns,
//                                                      "deletion_time": ns (0 = not deleted),
//                                                      "destroyed": bool}}}
//   versions/<path>@<n>         JSON object: the data of version n (absent once destroyed or
//                               pruned). The text after the last '@' is always digits, so keys
//                               of different paths never collide.
// Times are stored as nanoseconds since the Unix epoch (UTC) and shown as RFC 3339 with nine
// fractional digits; deletion_time 0 is shown as "".
//
// Thread-safety: State is shared by all handlers. Every mutation of one key's metadata or
// versions holds State::LockKey(path) (a mutex striped by the hash of the path), so
// check-and-set is race-free; config writes hold ConfigLock(). Reads take no key lock.
//
// Cache: State keeps the decoded metadata and current version's data of recently used keys
// (State::ReadKey), so a read of the latest version costs neither a storage read, nor a barrier
// decryption, nor a JSON parse, and keys known to be absent (off with the server's
// `disable_cache`). A mutation either publishes the key's new state (KeyGuard::Publish: a data
// write knows the new metadata and data) or drops the key, when its KeyGuard is released (still
// under the key lock); a miss loads and inserts under the key lock, so it never inserts what a
// mutation has replaced. So under the key lock the cached metadata is exactly the stored one, and
// writes read it from the cache (KeyGuard::Meta) instead of from storage. The mount config is
// cached the same way (State::Config, replaced under ConfigLock by config writes). Bounded
// (kReadCacheKeys per mount); dropped with the backend (unmount, seal, and in HA when a node
// becomes active, since the core re-creates the mounts then). Only the mount's own storage view
// is cached. This is exact because the node is the only writer of its storage: a single node, or
// the active node of an HA cluster.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/json.h"
#include "common/status.h"
#include "logical/framework/path.h"
#include "logical/request.h"
#include "logical/storage.h"

namespace arca::engines::kv::v2 {

using Clock = std::function<std::chrono::system_clock::time_point()>;

inline constexpr int64_t kDefaultMaxVersions = 10;
inline constexpr size_t kMaxCustomMetadataKeys = 64;
inline constexpr size_t kMaxCustomMetadataKeyBytes = 128;
inline constexpr size_t kMaxCustomMetadataValueBytes = 512;

struct MountConfig {
  int64_t max_versions = 0;  // 0 = kDefaultMaxVersions
  bool cas_required = false;
  int64_t delete_version_after = 0;  // seconds, 0 = never
};

struct VersionMeta {
  int64_t created_ns = 0;
  int64_t deletion_ns = 0;  // 0 = not deleted
  bool destroyed = false;
};

struct KeyMeta {
  int64_t created_ns = 0;
  int64_t updated_ns = 0;
  int64_t current_version = 0;
  int64_t oldest_version = 0;
  int64_t max_versions = 0;  // 0 = the mount's
  bool cas_required = false;
  int64_t delete_version_after = 0;  // seconds, 0 = the mount's
  json::object custom_metadata;      // string -> string
  std::map<int64_t, VersionMeta> versions;
};

// A key as the read cache holds it.
struct CachedKey {
  bool absent = false;  // the key has no metadata (a negative entry; nothing else is set)
  KeyMeta meta;
  int64_t data_version = 0;                  // the version `data` belongs to (0: none held)
  std::shared_ptr<const json::object> data;  // the current version's data, when stored
  json::object data_metadata;                // VersionMetadataJson(meta, data_version)
};

inline constexpr size_t kReadCacheKeys = 4096;

class State {
 public:
  State(logical::Storage* storage, Clock clock, bool read_cache = true)
      : storage_(storage), clock_(std::move(clock)), read_cache_(read_cache) {}

  // req.storage when set, else the mount's; Internal when neither.
  Result<logical::Storage*> StorageFor(const logical::Request& req) const;
  int64_t NowNs() const;

  // Holds the key's lock; on release, caches what Publish() was given, else drops the key from
  // the cache.
  class KeyGuard {
   public:
    KeyGuard(const State& st, std::string path);
    ~KeyGuard();
    KeyGuard(const KeyGuard&) = delete;
    KeyGuard& operator=(const KeyGuard&) = delete;

    // The key's stored metadata (nullopt when absent): from the cache when `s` is the mount's
    // storage and the key is cached, else read from `s`.
    Result<std::optional<KeyMeta>> Meta(logical::Storage& s) const;
    // The key's state after a successful write through `s` (ignored unless `s` is the mount's
    // storage and the cache is on).
    void Publish(logical::Storage& s, std::shared_ptr<const CachedKey> key);

   private:
    const State& st_;
    std::string path_;
    std::lock_guard<std::mutex> lock_;
    std::shared_ptr<const CachedKey> published_;
  };
  // Every mutation of a key's metadata or versions holds this.
  KeyGuard LockKey(std::string path) const { return KeyGuard(*this, std::move(path)); }
  std::mutex& ConfigLock() const { return config_mu_; }
  // The mount config, cached when `s` is the mount's storage (see above).
  Result<MountConfig> Config(logical::Storage& s) const;
  // Records `c` as stored through `s` (nullopt: unknown, reload next time). REQUIRES: ConfigLock.
  void SetConfig(logical::Storage& s, std::optional<MountConfig> c) const;

  // The key's metadata and current data, from the cache or else from `s` (and then cached when
  // `s` is the mount's storage and the cache is on); nullptr when the key has no metadata.
  Result<std::shared_ptr<const CachedKey>> ReadKey(logical::Storage& s,
                                                   std::string_view path) const;
  // A storage key of the mount ("config", "metadata/<path>", "versions/<path>@<n>") was written
  // by another node (a read-serving HA standby): its cached state is dropped, under the key's
  // lock (or the config lock), so a miss that read the old value cannot insert it afterwards.
  void Invalidate(std::string_view storage_key) const;

  // Whether the key has metadata: through ReadKey when cached (so the write that follows an
  // existence check finds the key in the cache), else one metadata read.
  Result<bool> KeyExists(logical::Storage& s, std::string_view path) const;

 private:
  struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
  };
  struct CacheShard {
    std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<const CachedKey>, TransparentHash,
                       std::equal_to<>>
        keys;
  };
  static constexpr size_t kCacheShards = 16;
  std::mutex& StripeFor(std::string_view path) const;  // the key lock
  CacheShard& ShardFor(std::string_view path) const;
  void Drop(std::string_view path) const;
  void Insert(std::string_view path, std::shared_ptr<const CachedKey> key) const;
  bool Cacheable(const logical::Storage& s) const { return read_cache_ && &s == storage_; }

  logical::Storage* storage_;
  Clock clock_;
  const bool read_cache_;  // off with the server's disable_cache
  mutable std::array<std::mutex, 64> stripes_;
  mutable std::mutex config_mu_;
  mutable std::mutex config_cache_mu_;                 // guards config_cache_
  mutable std::optional<MountConfig> config_cache_;
  mutable std::array<CacheShard, kCacheShards> cache_;
};

using StatePtr = std::shared_ptr<State>;

// --- storage ---
std::string MetaKey(std::string_view path);
std::string VersionKey(std::string_view path, int64_t version);
Result<MountConfig> LoadConfig(logical::Storage& s);
Status SaveConfig(logical::Storage& s, const MountConfig& c);
Result<std::optional<KeyMeta>> LoadMeta(logical::Storage& s, std::string_view path);
Status SaveMeta(logical::Storage& s, std::string_view path, const KeyMeta& m);
std::string EncodeMeta(const KeyMeta& m);  // the stored form SaveMeta writes
// At most this many operations go into one storage batch (etcd allows 128 per txn).
inline constexpr size_t kMaxBatchOps = 64;
// Deletes the stored data of every version and the metadata of `path`.
Status DeleteKey(logical::Storage& s, std::string_view path, const KeyMeta& m);

// --- presentation and rules ---
std::string FormatTime(int64_t ns);  // "" for 0
// {created_time, custom_metadata, deletion_time, destroyed, version} of one version.
json::object VersionMetadataJson(const KeyMeta& m, int64_t version);
json::value CustomMetadataJson(const KeyMeta& m);  // null when empty
// Neither destroyed nor deleted (a deletion_time in the future does not count yet).
bool IsLive(const VersionMeta& v, int64_t now_ns);
int64_t EffectiveMaxVersions(const MountConfig& c, const KeyMeta& m);
int64_t EffectiveDeleteAfter(const MountConfig& c, const KeyMeta& m);
// The key path from the "path" capture: empty -> InvalidRequest("missing path").
Result<std::string> KeyPath(const std::string& raw);
// Limits of custom_metadata; values must be strings. InvalidRequest on violation.
Status ValidateCustomMetadata(const json::object& cm);
// A non-negative integer from a raw JSON value (number or numeric string).
Result<int64_t> NonNegativeInt(const json::value& raw, std::string_view name);
// 404 with an empty "errors" array, as Vault answers for absent entries.
std::unexpected<Error> NotFoundEmpty();
// RFC 7396 JSON merge patch.
json::value MergePatch(const json::value& target, const json::value& patch);

// --- paths (one file each) ---
logical::framework::Path ConfigPath(StatePtr st);
logical::framework::Path DataPath(StatePtr st);
logical::framework::Path MetadataPath(StatePtr st);
logical::framework::Path DeletePath(StatePtr st);
logical::framework::Path UndeletePath(StatePtr st);
logical::framework::Path DestroyPath(StatePtr st);
logical::framework::Path SubkeysPath(StatePtr st);

}  // namespace arca::engines::kv::v2
