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

// Leader election for active/standby HA (etcd lease, postgres lock table). Later issue; the
// interface exists so that the storage stack needs no rewrite to add it.
class HaLockable {
 public:
  virtual ~HaLockable() = default;
  // Blocks until this node holds the lock or `stop` is set; returns the lock's value.
  virtual Result<bool> TryAcquire(std::string_view node_value) = 0;
  virtual Status Release() = 0;
  // Value of the current holder, if any (the active node's address).
  virtual Result<std::optional<std::string>> Holder() = 0;
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
