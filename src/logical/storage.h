// logical::Storage: the key/value view a backend (secrets engine, auth method, system backend)
// sees. In the server it is a BarrierView (encrypted, prefixed to the mount); in tests it is an
// InmemStorage. Keys are '/'-separated paths; values are opaque bytes.
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace arca::logical {

// One write of a Storage::Commit batch.
struct WriteOp {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // for kPut
};

class Storage {
 public:
  virtual ~Storage() = default;
  // The value at `key`, or nullopt when absent. Errors: sealed, I/O, integrity (Internal).
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  // Deleting an absent key succeeds.
  virtual Status Delete(std::string_view key) = 0;
  // Sorted immediate children of `prefix` (which is "" or ends in '/'); sub-folders are
  // returned once, with a trailing '/'.
  virtual Result<std::vector<std::string>> List(std::string_view prefix) = 0;
  // Applies `ops` in order. Storage over a transactional physical backend (the barrier on LMDB or
  // etcd) applies them as one atomic, durable batch: one physical write. The default applies them
  // one after the other and stops at the first error (earlier ones stay applied), so callers order
  // them to be recoverable after a crash.
  virtual Status Commit(std::span<const WriteOp> ops);
};

// JSON convenience on top of any Storage.
Result<std::optional<json::value>> GetJson(Storage& s, std::string_view key);
Status PutJson(Storage& s, std::string_view key, const json::value& v);

// Deletes every key under `prefix` ("" or ending in '/'), depth first. Best effort: stops at the
// first error and returns it.
Status DeleteTree(Storage& s, std::string_view prefix);

// A Storage over another one, with every key prefixed (used for sub-views).
class PrefixedStorage : public Storage {
 public:
  // `inner` must outlive this object.
  PrefixedStorage(Storage& inner, std::string prefix) : inner_(inner), prefix_(std::move(prefix)) {}
  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  Status Commit(std::span<const WriteOp> ops) override;

 private:
  Storage& inner_;
  std::string prefix_;
};

// In-memory storage for tests of backends.
class InmemStorage : public Storage {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> data_;  // guarded by mu_
};

// Lists one level under `prefix` from a sorted key map: shared by in-memory implementations.
std::vector<std::string> ListOneLevel(const std::map<std::string, std::string, std::less<>>& data,
                                      std::string_view prefix);

}  // namespace arca::logical
