// LmdbEnv: one open LMDB environment and its unnamed main database.
//
// On-disk layout: the directory `path` (created 0700 if missing) holds LMDB's `data.mdb` (the
// B+tree; keys are storage paths as raw bytes in memcmp order, values are the stored bytes) and
// `lock.mdb` (the reader table; rebuilt on open). Files are created 0600. Nothing else is stored.
//
// Durability: the environment is opened without MDB_NOSYNC / MDB_NOMETASYNC / MDB_MAPASYNC, so
// every successful write transaction has been fsync'd (data pages, then meta page) before
// mdb_txn_commit returns.
//
// Thread-safety: the environment is opened with MDB_NOTLS, so read-only transactions are not tied
// to threads; Read may be called from any number of threads concurrently with each other and with
// Write. Write must be called by one thread at a time (the group-commit leader). One LmdbEnv per
// directory per process: a second Open of the same directory fails (LMDB forbids opening an
// environment twice in one process). Callers must stop using the env before destroying it.
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::storage {

// An LMDB failure as an Internal error "lmdb: <what>: <reason>"; MDB_MAP_FULL gets a message that
// names the max_size setting.
std::unexpected<Error> LmdbError(std::string_view what, int rc);

class LmdbEnv {
 public:
  // Opens (creating if needed) the environment in `dir` with an initial map of `map_size` bytes
  // that may grow, on MDB_MAP_FULL, up to `max_map_size`. Errors: InvalidRequest when the
  // directory cannot be created or is already open in this process, Internal for LMDB failures.
  static Result<std::unique_ptr<LmdbEnv>> Open(const std::string& dir, size_t map_size,
                                               size_t max_map_size);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  MDB_dbi dbi() const { return dbi_; }
  // The longest key LMDB accepts (511 bytes with the default build).
  size_t max_key_size() const { return max_key_size_; }
  // The current map size; changes only inside Write.
  size_t map_size() const;
  // madvise(MADV_DONTNEED) over the read-only shared map of data.mdb (found in /proc/self/maps):
  // drops the process's page-table entries (RSS), not the data. Safe with concurrent readers
  // and writers.
  void ReleaseMappedPages();

  // Runs fn(txn) in a read-only transaction and returns its status. The transaction, and every
  // pointer obtained through it, is valid only during fn: copy what you keep.
  template <typename Fn>
  Status Read(Fn&& fn) {
    std::shared_lock remap(remap_mu_);
    ARCA_ASSIGN_OR_RETURN(MDB_txn * txn, AcquireReadTxn());
    Status s = fn(txn);
    ReleaseReadTxn(txn);
    return s;
  }

  // Runs fn(txn) in a write transaction and commits it durably when fn returns 0 (MDB_SUCCESS);
  // any other return value (an LMDB error code) aborts it. When the map is full it grows the map
  // (doubling, up to max_map_size) and runs fn again from scratch, so fn must be repeatable.
  // Errors: Internal "lmdb: ..." (the transaction is then rolled back entirely).
  Status Write(const std::function<int(MDB_txn*)>& fn);

 private:
  LmdbEnv() = default;
  Result<MDB_txn*> AcquireReadTxn();
  void ReleaseReadTxn(MDB_txn* txn);
  bool Grow();  // true when the map was enlarged

  // Constant after Open.
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  size_t max_key_size_ = 0;
  size_t max_map_size_ = 0;
  std::string canonical_dir_;

  // Held shared by every read transaction, exclusively while the map is remapped.
  mutable std::shared_mutex remap_mu_;
  size_t map_size_ = 0;  // written under remap_mu_ (exclusive), read under it (shared)

  std::mutex pool_mu_;
  std::vector<MDB_txn*> idle_readers_;  // guarded by pool_mu_; reset read-only txns
};

}  // namespace arca::storage
