// storage::CachedBackend: a bounded read cache in front of a non-local backend (etcd), so that
// the node that is the only writer of the storage (a single node, or the active node of an HA
// cluster) serves repeated reads from memory instead of a network round trip each.
//
// What is cached: the result of Get, present values and absences alike (a negative entry), per
// key, least recently used first out, bounded by `max_entries` and by `max_bytes` (keys plus
// values; the budget is split over 64 shards, so an entry over max_bytes/64 is not kept). List is
// never cached (it always reaches the inner backend).
//
// Writes go to the inner backend first; a successful Put, Delete or Commit then updates the
// entries of the keys it wrote (the new value, or a negative entry), so a read after a write is a
// hit. A failed write (refused, or with an unknown outcome such as a timeout or a refused fenced
// txn) removes the entries of the keys it touched: the next read goes to the backend.
//
// Consistency: the cache is exact for this process's own reads and writes, including concurrent
// ones: a miss inserts what it read only when no write of that key began or ended while it was
// reading, and two overlapping writes of one key leave no entry (their order at the backend is
// unknown). It cannot see writes made by other processes: it is only correct while this node is
// the only writer. In HA the core calls Purge() when the node becomes active (before the mounts
// are re-created) and SetEnabled(false) while it is a standby (reads then pass through and writes
// only invalidate). A read-serving standby enables it and drops the keys the active node wrote
// (Invalidate) as it hears of them.
//
// Capabilities: AsTransactional() is this wrapper when the inner backend is transactional (its
// Commit updates the cache as above), else nullptr; AsHaLockable() is the inner backend's (the
// lock and fencing are the inner backend's; a refused fenced write is a failed write above).
// AsSnapshottable() is this wrapper when the inner backend is snapshottable: VisitAll is the
// inner one's (the cache is not involved); ReplaceAll purges the cache before and after.
//
// Thread-safety: all methods are safe for concurrent use (the cache is sharded by key hash, one
// mutex per shard).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/backend.h"

namespace arca::storage {

struct CacheOptions {
  size_t max_entries = 65536;        // across all shards; 0 disables caching
  size_t max_bytes = 64 << 20;       // keys plus values, across all shards
  size_t max_value_bytes = 1 << 20;  // larger values are not cached (still read and written)
};

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

class CachedBackend final : public Backend, public Transactional, public Snapshottable {
 public:
  explicit CachedBackend(std::unique_ptr<Backend> inner, CacheOptions options = {});
  ~CachedBackend() override;
  CachedBackend(const CachedBackend&) = delete;
  CachedBackend& operator=(const CachedBackend&) = delete;

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  std::string_view Type() const override;
  Transactional* AsTransactional() override;
  HaLockable* AsHaLockable() override;
  Snapshottable* AsSnapshottable() override;
  void ReleaseMappedMemory() override;

  // Transactional (only reachable through AsTransactional(), i.e. when the inner one exists).
  Status Commit(std::span<const Operation> ops) override;
  // Snapshottable (only reachable through AsSnapshottable()).
  Status VisitAll(const EntryVisitor& visit) override;
  Status ReplaceAll(const EntrySource& source) override;

  // Drops every entry (in-flight reads started before the call insert nothing).
  void Purge();
  // Drops the entries of `keys`, written by another node (a read-serving HA standby applying the
  // active node's invalidations): in-flight reads of those keys (of their shards) that started
  // before the call insert nothing, so a value read before the other node's write cannot stay.
  void Invalidate(std::span<const std::string> keys);
  // Disabled: every entry is dropped, reads pass through, writes only invalidate. Enabled by
  // default.
  void SetEnabled(bool enabled);
  bool Enabled() const;

  CacheStats Stats() const;
  Backend& inner() { return *inner_; }

 private:
  struct Shard;
  Shard& ShardFor(std::string_view key) const;
  // Bracket a write of `keys`: Begin marks them pending and drops their entries; End records the
  // outcome (`values[i]`: the value written to keys[i], nullopt for a delete) when `ok`.
  void BeginWrite(std::span<const std::string_view> keys);
  void EndWrite(std::span<const std::string_view> keys,
                std::span<const std::optional<std::string_view>> values, bool ok);

  std::unique_ptr<Backend> inner_;
  CacheOptions options_;
  std::atomic<bool> enabled_{true};
  std::unique_ptr<Shard[]> shards_;
  mutable std::atomic<uint64_t> hits_{0};
  mutable std::atomic<uint64_t> misses_{0};
};

}  // namespace arca::storage
