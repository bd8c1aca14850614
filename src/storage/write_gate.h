// storage::WriteGate: the outermost-but-one wrapper of the core's physical storage (directly
// around the configured backend, under the read cache). It
//   - counts the physical writes this process made: every successful Put and Delete is one,
//     a successful batch (Commit) counts its operations (sys/metrics `arca.storage.writes`);
//   - tells a write observer the keys of every successful write, after it is durable, in the
//     writing thread (the active node's invalidation log for read-serving standbys);
//   - refuses every write while read-only (a read-serving HA standby) with kForwardToActive,
//     without reaching the backend, so a request that would write is forwarded to the active
//     node instead of failing (docs/ha.md).
//
// Capabilities: AsTransactional() and AsSnapshottable() are this wrapper when the inner backend
// has them; AsHaLockable() is the inner backend's. A snapshot restore (ReplaceAll) counts every
// entry it writes, is refused while read-only, and is reported to the reset observer instead of
// the write observer (everything may have changed), whether it succeeded or not.
//
// Thread-safety: all methods are safe for concurrent use. SetObserver is meant to be called
// before the storage is written (server start); it is guarded all the same.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>

#include "storage/backend.h"

namespace arca::storage {

class WriteGate final : public Backend, public Transactional, public Snapshottable {
 public:
  // Called after each successful write with the keys it wrote (a batch: each distinct key once,
  // in operation order). Must not call back into the storage.
  using Observer = std::function<void(std::span<const std::string_view> keys)>;

  explicit WriteGate(std::unique_ptr<Backend> inner);
  ~WriteGate() override;
  WriteGate(const WriteGate&) = delete;
  WriteGate& operator=(const WriteGate&) = delete;

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  std::string_view Type() const override;
  Transactional* AsTransactional() override;
  HaLockable* AsHaLockable() override;
  Snapshottable* AsSnapshottable() override;
  void ReleaseMappedMemory() override;
  Status Commit(std::span<const Operation> ops) override;
  Status VisitAll(const EntryVisitor& visit) override;
  Status ReplaceAll(const EntrySource& source) override;

  // Physical writes made so far (see above).
  uint64_t Writes() const { return writes_.load(std::memory_order_relaxed); }
  void SetObserver(Observer observer);
  // Called after a ReplaceAll (the whole content replaced), in the calling thread.
  void SetResetObserver(std::function<void()> observer);
  // While read-only, every write is refused (kForwardToActive) before the backend sees it.
  void SetReadOnly(bool read_only) { read_only_.store(read_only, std::memory_order_release); }
  bool ReadOnly() const { return read_only_.load(std::memory_order_acquire); }

  Backend& inner() { return *inner_; }

 private:
  Status Refused() const;
  void Observe(std::span<const std::string_view> keys);

  std::unique_ptr<Backend> inner_;
  std::atomic<uint64_t> writes_{0};
  std::atomic<bool> read_only_{false};
  std::atomic<bool> has_observer_{false};
  std::mutex observer_mu_;
  Observer observer_;  // guarded by observer_mu_ (a copy is called outside it)
  std::function<void()> reset_observer_;  // guarded by observer_mu_
};

}  // namespace arca::storage
