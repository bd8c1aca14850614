// Snapshots of a whole storage backend, for any backend that is Snapshottable.
//
// A snapshot is a gzip'd tar (as Vault's Raft snapshots are) with three members, in this order:
//   meta.json   what Meta says, as JSON
//   state.bin   every entry of the backend: the stored (encrypted) values, never plaintext
//   SHA256SUMS  "<hex>  meta.json\n<hex>  state.bin\n", as sha256sum(1) writes it
// The exact layout of state.bin is in docs/formats/snapshot.md.
//
// Writing streams: memory stays bounded by one entry whatever the backend's size. Reading checks
// the file completely (gzip, tar, checksums, the framing of every entry) before anything is
// applied, so a corrupted or truncated snapshot is refused and changes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/backend.h"

namespace arca::storage::snapshot {

struct Meta {
  int version = 1;         // format version of state.bin
  std::string id;          // random id of this snapshot
  std::string created;     // RFC 3339, UTC
  std::string backend;     // storage type it was taken from ("file", "etcd", "postgresql", ...)
  uint64_t entries = 0;    // number of entries in state.bin
  uint64_t state_bytes = 0;  // size of state.bin
};

// Writes a snapshot of everything `source` holds (one consistent VisitAll) to `out_fd`, which
// stays open. Returns its meta. Errors: the storage's, or kInternal for I/O on out_fd.
Result<Meta> Write(Snapshottable& source, std::string_view backend_type, int out_fd);

// A snapshot file, verified completely by Open.
class Reader {
 public:
  virtual ~Reader() = default;
  // Opens and verifies `path`. Errors are kInvalidArgument with a message that says what is
  // wrong ("snapshot is truncated", "snapshot checksum mismatch for state.bin", "not a
  // snapshot: ...").
  static Result<std::unique_ptr<Reader>> Open(const std::string& path);
  virtual const Meta& meta() const = 0;
  // The stored value at `key` in the snapshot (the restore's keyring check), nullopt if absent.
  virtual Result<std::optional<std::string>> Find(std::string_view key) = 0;
  // Every entry, in the snapshot's order, for Snapshottable::ReplaceAll. Each call starts over.
  virtual EntrySource Entries() = 0;
};

}  // namespace arca::storage::snapshot
