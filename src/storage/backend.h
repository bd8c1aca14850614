// storage::Backend: the physical storage under the barrier.
//
// A backend is untrusted: it only ever sees ciphertext (values) and storage paths (keys). Keys are
// '/'-separated byte strings; values are opaque bytes up to at least 1 MiB.
// Implementations must be safe for concurrent use from many threads.
// A Put or Delete that returns success is durable (fsync'd) before it returns.
//
// Optional capabilities are separate interfaces, discovered through AsTransactional() and
// AsHaLockable(); a backend that lacks one returns nullptr.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::storage {

class Transactional;
class HaLockable;
class Snapshottable;

class Backend {
 public:
  virtual ~Backend() = default;

  // The value stored at `key`, or nullopt when absent. Errors are I/O failures (Internal).
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  // Stores `value` at `key`, replacing any previous value. Durable on success.
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  // Removes `key`; removing an absent key succeeds. Durable on success.
  virtual Status Delete(std::string_view key) = 0;
  // The sorted immediate children of `prefix` ("" or ending in '/'): keys directly under it, and
  // each deeper folder once with a trailing '/'. An empty prefix lists the root.
  virtual Result<std::vector<std::string>> List(std::string_view prefix) = 0;

  // The configured type name ("inmem", "file", "lmdb", ...).
  virtual std::string_view Type() const = 0;

  virtual Transactional* AsTransactional() { return nullptr; }
  virtual HaLockable* AsHaLockable() { return nullptr; }
  virtual Snapshottable* AsSnapshottable() { return nullptr; }

  // A memory hint: backends that map their files (LMDB) drop this process's mappings of clean
  // pages, which stay in the kernel's page cache and fault back in when next used. Scans (the
  // lease restore at unseal) otherwise leave the whole file counted in the server's RSS. Safe to
  // call at any time, concurrently with other calls. Default: nothing.
  virtual void ReleaseMappedMemory() {}
};

// One write in a batch.
struct Operation {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // for kPut
};

// Applies a batch atomically: all operations or none. Durable on success.
class Transactional {
 public:
  virtual ~Transactional() = default;
  virtual Status Commit(std::span<const Operation> ops) = 0;
};

// This node's hold on the HA lock (HaLockable::Acquire). While held and not lost, every write of
// the backend is fenced by it: the storage refuses the write atomically once the lock is no
// longer this node's (etcd: a txn comparing the lock key's create revision).
class HaLock {
 public:
  virtual ~HaLock() = default;
  // True once the lock is lost: the lease is gone, the local deadline passed without a renewal,
  // or a fenced write was refused. Never becomes false again.
  virtual bool Lost() const = 0;
  // Waits until Lost() or `timeout`; returns Lost().
  virtual bool WaitLost(std::chrono::milliseconds timeout) = 0;
  // Gives the lock up (writes are refused from now on) and lets the next candidate take it at
  // once. Idempotent; also done by the destructor.
  virtual void Release() = 0;
};

// Whole-backend access for snapshots (sys/storage/raft/snapshot) and their restore.
//
// One entry of a backend: its storage key and its stored (encrypted) value.
using EntryVisitor = std::function<Status(std::string_view key, std::string_view value)>;
// Yields entries one by one: fills *key and *value and returns true, returns false at the end,
// or an error (which aborts the caller).
using EntrySource = std::function<Result<bool>(std::string* key, std::string* value)>;

class Snapshottable {
 public:
  virtual ~Snapshottable() = default;
  // Calls `visit` once for every entry, in ascending byte order of the keys, all read from one
  // consistent point in time (LMDB: one read transaction; PostgreSQL: one REPEATABLE READ
  // transaction; etcd: one revision; inmem: a copy under the lock) without holding writers back
  // for the length of the scan. Returns the first error of `visit` (stopping there) or of the
  // storage.
  virtual Status VisitAll(const EntryVisitor& visit) = 0;
  // Replaces the whole content by what `source` yields: afterwards exactly those entries exist.
  // Atomic where the backend can (LMDB, inmem, PostgreSQL: one transaction); etcd applies it in
  // fenced batches after deleting the prefix, and says so in docs/storage-etcd.md. While this
  // node holds the HA lock, the writes are fenced like every other write.
  virtual Status ReplaceAll(const EntrySource& source) = 0;
};

// The current holder of the HA lock.
struct HaHolder {
  std::string value;  // what the holder passed to Acquire (the core's encrypted advertisement)
  std::string id;     // the backend's id of the hold (etcd: the lease id), for Depose
};

// Leader election for active/standby HA (etcd: lease + campaign key; PostgreSQL later).
//
// Write modes of a lockable backend: until StartHa() writes are plain (sys/init of a new
// cluster); after it, writes are refused (kUnavailable "...standby...") except while this node
// holds a lock that is not lost, and then they are fenced. So a standby, or an active node that
// lost its lock, can never write.
class HaLockable {
 public:
  virtual ~HaLockable() = default;
  // Enters HA mode (see above). Idempotent.
  virtual void StartHa() = 0;
  // Campaigns with `value` until this node holds the lock (returned) or `stop` is set (nullptr).
  // Errors: the backend's (unreachable storage) -- the caller retries.
  virtual Result<std::unique_ptr<HaLock>> Acquire(std::string_view value,
                                                  const std::atomic<bool>& stop) = 0;
  // The current holder, nullopt when nobody holds the lock.
  virtual Result<std::optional<HaHolder>> Holder() = 0;
  // Ends the hold `id` (the holder's lock is lost and its writes refused from then on); used
  // when the holder's process is known to be gone (fast failover). Ending a hold that no longer
  // exists succeeds.
  virtual Status Depose(std::string_view id) = 0;
  // The lock's TTL: how long a crashed holder keeps the lock at most.
  virtual std::chrono::seconds LockTtl() const = 0;
};

// Configuration of a storage stanza: its key/value attributes, stringly typed (as in Vault).
using BackendConfig = std::map<std::string, std::string>;
using Factory = std::function<Result<std::unique_ptr<Backend>>(const BackendConfig&)>;

// In-memory backend (dev mode, tests).
Result<std::unique_ptr<Backend>> NewInmemBackend(const BackendConfig& config);
// LMDB backend: config "path" (a directory, created if missing), optional "max_size" in bytes
// (default 8 GiB map size). `type_name` is "file" or "lmdb".
Result<std::unique_ptr<Backend>> NewLmdbBackend(const BackendConfig& config,
                                                std::string_view type_name = "file");

}  // namespace arca::storage
