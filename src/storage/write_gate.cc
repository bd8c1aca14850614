// storage::WriteGate (see write_gate.h).
#include "storage/write_gate.h"

#include <unordered_set>
#include <vector>

namespace arca::storage {

WriteGate::WriteGate(std::unique_ptr<Backend> inner) : inner_(std::move(inner)) {}

WriteGate::~WriteGate() = default;

Status WriteGate::Refused() const {
  return ForwardToActive(
      "this node is a standby serving reads: the storage write is refused (forward the request "
      "to the active node)");
}

void WriteGate::SetObserver(Observer observer) {
  std::lock_guard lock(observer_mu_);
  observer_ = std::move(observer);
  has_observer_.store(static_cast<bool>(observer_), std::memory_order_release);
}

void WriteGate::Observe(std::span<const std::string_view> keys) {
  if (!has_observer_.load(std::memory_order_acquire)) return;
  Observer fn;
  {
    std::lock_guard lock(observer_mu_);
    fn = observer_;
  }
  if (fn) fn(keys);
}

Result<std::optional<std::string>> WriteGate::Get(std::string_view key) { return inner_->Get(key); }

Status WriteGate::Put(std::string_view key, std::string_view value) {
  if (ReadOnly()) return Refused();
  Status s = inner_->Put(key, value);
  if (s) {
    writes_.fetch_add(1, std::memory_order_relaxed);
    const std::string_view keys[] = {key};
    Observe(keys);
  }
  return s;
}

Status WriteGate::Delete(std::string_view key) {
  if (ReadOnly()) return Refused();
  Status s = inner_->Delete(key);
  if (s) {
    writes_.fetch_add(1, std::memory_order_relaxed);
    const std::string_view keys[] = {key};
    Observe(keys);
  }
  return s;
}

Status WriteGate::Commit(std::span<const Operation> ops) {
  Transactional* tx = inner_->AsTransactional();
  if (tx == nullptr) return Internal("storage: the backend has no transactions");
  if (ReadOnly()) return Refused();
  Status s = tx->Commit(ops);
  if (s) {
    writes_.fetch_add(ops.size(), std::memory_order_relaxed);
    if (has_observer_.load(std::memory_order_acquire)) {
      std::vector<std::string_view> keys;
      std::unordered_set<std::string_view> seen;
      keys.reserve(ops.size());
      for (const Operation& op : ops) {
        if (seen.insert(op.key).second) keys.emplace_back(op.key);
      }
      Observe(keys);
    }
  }
  return s;
}

Result<std::vector<std::string>> WriteGate::List(std::string_view prefix) {
  return inner_->List(prefix);
}

std::string_view WriteGate::Type() const { return inner_->Type(); }

Transactional* WriteGate::AsTransactional() {
  return inner_->AsTransactional() != nullptr ? this : nullptr;
}

HaLockable* WriteGate::AsHaLockable() { return inner_->AsHaLockable(); }

Snapshottable* WriteGate::AsSnapshottable() {
  return inner_->AsSnapshottable() != nullptr ? this : nullptr;
}

void WriteGate::SetResetObserver(std::function<void()> observer) {
  std::lock_guard lock(observer_mu_);
  reset_observer_ = std::move(observer);
}

Status WriteGate::VisitAll(const EntryVisitor& visit) {
  Snapshottable* inner = inner_->AsSnapshottable();
  if (inner == nullptr) return Internal("storage: the backend does not support snapshots");
  return inner->VisitAll(visit);
}

Status WriteGate::ReplaceAll(const EntrySource& source) {
  Snapshottable* inner = inner_->AsSnapshottable();
  if (inner == nullptr) return Internal("storage: the backend does not support snapshots");
  if (ReadOnly()) return Refused();
  uint64_t entries = 0;
  Status s = inner->ReplaceAll([&](std::string* key, std::string* value) -> Result<bool> {
    ARCA_ASSIGN_OR_RETURN(bool more, source(key, value));
    if (more) ++entries;
    return more;
  });
  // Entries written before a failure are counted too (the restore is not atomic everywhere).
  writes_.fetch_add(entries, std::memory_order_relaxed);
  std::function<void()> fn;
  {
    std::lock_guard lock(observer_mu_);
    fn = reset_observer_;
  }
  if (fn) fn();
  return s;
}

void WriteGate::ReleaseMappedMemory() { inner_->ReleaseMappedMemory(); }

}  // namespace arca::storage
