// KeyStore: the transit keys of one mount, read through an in-memory cache.
//
// Keys live in the mount's storage as JSON at "policy/<name>". Published keys are immutable
// std::shared_ptr<const Policy>: the hot path (encrypt, decrypt, sign, ...) takes a shared lock,
// copies one shared_ptr and does no storage read once the key is cached. Every change (create,
// rotate, config, trim, delete, restore) is serialized by one write mutex, written to storage
// first and then published to the cache (copy on write). InvalidateKey / Clear drop entries; a
// generation counter keeps a concurrent cache fill from resurrecting a dropped entry.
//
// Automatic rotation is lazy: Get rotates (and persists) a key whose auto_rotate_period has
// elapsed before returning it. There is no background task.
//
// Thread-safety: all methods are thread-safe. The Storage passed to a call must be the mount's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "engines/transit/policy.h"
#include "logical/storage.h"

namespace arca::engines::transit {

using PolicyPtr = std::shared_ptr<const Policy>;

class KeyStore {
 public:
  // `now` gives Unix seconds (tests inject a clock).
  explicit KeyStore(std::function<int64_t()> now);
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  int64_t Now() const { return now_(); }

  // The key, or nullptr when it does not exist. Storage errors and corrupt entries: Internal.
  Result<PolicyPtr> Get(logical::Storage& s, std::string_view name);

  // Creates the key from `make` unless it exists; *created says which happened.
  Result<PolicyPtr> GetOrCreate(logical::Storage& s, std::string_view name,
                                const std::function<Result<Policy>()>& make, bool* created);

  // Applies `edit` to a clone of the existing key and persists it. NotFound-style errors are
  // the caller's: a missing key yields InvalidRequest("key not found").
  Result<PolicyPtr> Update(logical::Storage& s, std::string_view name,
                           const std::function<Status(Policy&)>& edit);

  // Stores `p` under its name, replacing any existing key.
  Result<PolicyPtr> Put(logical::Storage& s, Policy p);

  // Deletes the key from storage and cache (the caller checks deletion_allowed).
  Status Delete(logical::Storage& s, std::string_view name);

  // Names of all keys (sorted).
  Result<std::vector<std::string>> List(logical::Storage& s);

  // Drops a cached key ("policy/<name>" storage keys map to names) or everything.
  void InvalidateKey(std::string_view storage_key);
  void Clear();

  // Cache size limit (0 = unlimited); persisted by the caller at "config/cache".
  void SetCacheSize(size_t size);
  size_t CacheSize() const;

  static std::string StorageKey(std::string_view name);

 private:
  Result<PolicyPtr> Load(logical::Storage& s, std::string_view name);
  Status Persist(logical::Storage& s, const Policy& p);
  void Publish(const std::string& name, PolicyPtr p);  // REQUIRES: write_mu_ held

  std::function<int64_t()> now_;
  std::mutex write_mu_;  // serializes every change to storage
  mutable std::shared_mutex cache_mu_;
  // Transparent hashing: lookups by string_view allocate nothing.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, PolicyPtr, NameHash, std::equal_to<>> cache_;  // cache_mu_
  uint64_t generation_ = 0;  // guarded by cache_mu_
  size_t cache_size_ = 0;    // guarded by cache_mu_
};

}  // namespace arca::engines::transit
