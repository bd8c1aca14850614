// Storage migration (`arca operator migrate`): copies every entry of one backend into another,
// byte for byte (the stored, encrypted values; nothing is decrypted), as Vault's
// `vault operator migrate`.
//
// Keys are visited in Vault's order: a depth-first walk of List() with each level's children
// sorted, which is the ascending byte order of the full keys. Two keys are never copied:
// kMigrationKey (the marker of the migration itself) and the HA lock (kCoreLockKey and keys
// under it, where etcd keeps its election keys).
//
// The marker: while a migration runs, the source holds kMigrationKey = {"start":"<RFC 3339>"}
// (Vault's StorageMigrationStatus); `arca server` refuses to start over a storage that holds it,
// and `operator migrate -reset` removes a stale one.
//
// Thread-safety: the functions are safe to call concurrently on backends that are (all are).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/backend.h"

namespace arca::storage {

inline constexpr std::string_view kMigrationKey = "core/migration";
inline constexpr std::string_view kCoreLockKey = "core/lock";

// The `start` of the migration marker in `backend`, nullopt when there is none. A marker that
// is not Vault's JSON is reported as an InvalidRequest error naming the key.
Result<std::optional<std::string>> MigrationInProgress(Backend& backend);
// Writes the marker with `start` (RFC 3339) as its start time.
Status SetMigrationMarker(Backend& backend, std::string_view start);
// Removes the marker; removing an absent marker succeeds.
Status ClearMigrationMarker(Backend& backend);

// True for the keys a migration never copies (the marker and the HA lock).
bool SkippedByMigration(std::string_view key);

// The first key of `backend` at or after `start` ("" = any key at all), nullopt when there is
// none. Folders wholly before `start` are not listed.
Result<std::optional<std::string>> FirstKeyFrom(Backend& backend, std::string_view start);

struct MigrateOptions {
  // Only keys at or after this one (byte order) are copied: resuming a migration that stopped.
  std::string start;
  // How many entries are read and written at once (Vault's -max-parallel); at least 1. With 1,
  // entries are copied one by one in key order.
  int max_parallel = 10;
  // Called once for every copied key, after its write succeeded; never concurrently.
  std::function<void(std::string_view key)> on_copied;
  // Polled between entries; once it returns true no new entry is started, the ones in flight
  // finish, and CopyEntries returns with MigrateStats::stopped set (an interrupt).
  std::function<bool()> stop;
};

struct MigrateStats {
  uint64_t copied = 0;  // entries written to the destination
  uint64_t bytes = 0;   // sum of their value sizes
  bool stopped = false;  // options.stop ended the copy early
};

// Copies every entry of `from` at or after options.start into `to` (Get then Put of the raw
// value), skipping SkippedByMigration keys and keys deleted while the walk ran. Does not check
// that `to` is empty (the caller does, with FirstKeyFrom) and writes no marker. Stops at the
// first error of either backend and returns it (entries already written stay).
Result<MigrateStats> CopyEntries(Backend& from, Backend& to, const MigrateOptions& options);

}  // namespace arca::storage
