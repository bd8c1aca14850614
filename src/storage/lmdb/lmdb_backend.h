// The LMDB storage backend ("file" / "lmdb" in the server configuration).
//
// Configuration (BackendConfig):
//   path      required; a directory, created (mode 0700) if missing. Holds data.mdb and lock.mdb;
//             see lmdb_env.h for the layout.
//   max_size  optional; the largest the database may grow, in bytes (a plain integer, at least
//             1 MiB). Default 8 GiB. When it is reached, writes fail with an Internal error
//             ("database is full ... raise storage max_size") and reads keep working.
//
// Behaviour: keys are 1..max_key_size() bytes (511 with Debian's liblmdb); longer or empty keys
// get InvalidRequest. Values of any size the map holds (1 MiB and more), binary keys and values.
// Writes from concurrent threads are group-committed: one durable (fsync'd) LMDB transaction per
// group; a write returns success only after its group committed. Reads use read-only snapshots
// and never wait for writers. Transactional::Commit applies a batch in one LMDB transaction.
// Snapshottable: VisitAll scans one read transaction (writers go on meanwhile; only a growth of
// the map waits for the scan's end); ReplaceAll empties the database and loads the source in one
// durable write transaction, serialised with the group committer's writes.
//
// Thread-safety: all methods may be called concurrently. One backend per directory per process.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/backend.h"
#include "storage/lmdb/group_commit.h"
#include "storage/lmdb/lmdb_env.h"

namespace arca::storage {

struct LmdbOptions {
  std::string path;
  size_t max_size = size_t{8} << 30;
  // The map size to start with (0: max_size). The map doubles on MDB_MAP_FULL up to max_size.
  size_t initial_map_size = 0;
  std::string type_name = "file";
};

inline constexpr size_t kLmdbMinMaxSize = size_t{1} << 20;

// Reads `path` and `max_size` from a storage stanza. Errors: InvalidRequest naming the field.
Result<LmdbOptions> ParseLmdbConfig(const BackendConfig& config, std::string_view type_name);

class LmdbBackend final : public Backend, public Transactional, public Snapshottable {
 public:
  static Result<std::unique_ptr<LmdbBackend>> Open(const LmdbOptions& options);

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  std::string_view Type() const override { return type_name_; }
  Transactional* AsTransactional() override { return this; }
  Status Commit(std::span<const Operation> ops) override;
  Snapshottable* AsSnapshottable() override { return this; }
  Status VisitAll(const EntryVisitor& visit) override;
  Status ReplaceAll(const EntrySource& source) override;
  void ReleaseMappedMemory() override { env_->ReleaseMappedPages(); }

  size_t max_key_size() const { return env_->max_key_size(); }
  size_t map_size() const { return env_->map_size(); }
  // Group-commit counters: durable commit groups so far, and writers they served.
  uint64_t commit_groups() const { return committer_.groups(); }
  uint64_t committed_writers() const { return committer_.writers(); }

 private:
  LmdbBackend(std::unique_ptr<LmdbEnv> env, std::string type_name);
  Status CheckLmdbKey(std::string_view key) const;
  // Called by the group-commit leader.
  void ApplyGroup(std::span<const std::span<const Operation>> writers, std::span<Status> results);

  std::unique_ptr<LmdbEnv> env_;
  const std::string type_name_;
  // Held by the group-commit leader while it writes and by ReplaceAll: one LMDB writer at a time.
  std::mutex write_mu_;
  GroupCommitter committer_;
};

}  // namespace arca::storage
