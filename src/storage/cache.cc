// storage::CachedBackend (see cache.h).
//
// Each shard holds an LRU list of entries and an index into it, plus the keys with writes in
// flight (`pending`: how many, and whether two overlapped). `epoch` counts the writes that began
// or ended in the shard and every Purge: a miss remembers it before reading the inner backend and
// inserts what it read only when it is unchanged and no write of the key is pending.
#include "storage/cache.h"

#include <functional>
#include <list>
#include <mutex>
#include <unordered_map>

namespace arca::storage {

namespace {

constexpr size_t kShards = 64;

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
};

}  // namespace

struct CachedBackend::Shard {
  struct Entry {
    std::string key;
    std::optional<std::string> value;  // nullopt: the key is absent
    size_t Bytes() const { return key.size() + (value ? value->size() : 0) + 64; }
  };
  struct Pending {
    int writers = 0;
    bool overlapped = false;
  };

  std::mutex mu;
  std::list<Entry> lru;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator, TransparentHash> index;
  std::unordered_map<std::string, Pending, TransparentHash, std::equal_to<>> pending;
  uint64_t epoch = 0;
  size_t bytes = 0;

  void Erase(std::string_view key) {
    auto it = index.find(key);
    if (it == index.end()) return;
    bytes -= it->second->Bytes();
    auto pos = it->second;
    index.erase(it);
    lru.erase(pos);
  }
  void Clear() {
    index.clear();
    lru.clear();
    bytes = 0;
  }
  // Inserts or replaces, then evicts from the cold end down to the limits.
  void Insert(std::string_view key, std::optional<std::string> value, size_t max_entries,
              size_t max_bytes) {
    Erase(key);
    lru.push_front(Entry{std::string(key), std::move(value)});
    index.emplace(lru.front().key, lru.begin());
    bytes += lru.front().Bytes();
    while (!lru.empty() && (index.size() > max_entries || bytes > max_bytes)) {
      Erase(lru.back().key);
    }
  }
};

CachedBackend::CachedBackend(std::unique_ptr<Backend> inner, CacheOptions options)
    : inner_(std::move(inner)), options_(options), shards_(new Shard[kShards]) {}

CachedBackend::~CachedBackend() = default;

CachedBackend::Shard& CachedBackend::ShardFor(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

Result<std::optional<std::string>> CachedBackend::Get(std::string_view key) {
  const bool enabled = enabled_.load(std::memory_order_acquire) && options_.max_entries > 0;
  if (!enabled) return inner_->Get(key);
  Shard& sh = ShardFor(key);
  uint64_t epoch = 0;
  {
    std::lock_guard lock(sh.mu);
    if (auto it = sh.index.find(key); it != sh.index.end()) {
      sh.lru.splice(sh.lru.begin(), sh.lru, it->second);  // most recently used
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second->value;
    }
    epoch = sh.epoch;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  auto value = inner_->Get(key);
  if (!value) return value;
  if (*value && (*value)->size() > options_.max_value_bytes) return value;
  std::lock_guard lock(sh.mu);
  if (sh.epoch == epoch && !sh.pending.contains(key) && enabled_.load(std::memory_order_acquire)) {
    sh.Insert(key, *value, std::max<size_t>(1, options_.max_entries / kShards),
              std::max<size_t>(1, options_.max_bytes / kShards));
  }
  return value;
}

void CachedBackend::BeginWrite(std::span<const std::string_view> keys) {
  for (std::string_view key : keys) {
    Shard& sh = ShardFor(key);
    std::lock_guard lock(sh.mu);
    ++sh.epoch;
    sh.Erase(key);
    auto [it, inserted] = sh.pending.try_emplace(std::string(key));
    if (!inserted) it->second.overlapped = true;
    ++it->second.writers;
  }
}

void CachedBackend::EndWrite(std::span<const std::string_view> keys,
                             std::span<const std::optional<std::string_view>> values, bool ok) {
  const bool enabled = enabled_.load(std::memory_order_acquire) && options_.max_entries > 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string_view key = keys[i];
    Shard& sh = ShardFor(key);
    std::lock_guard lock(sh.mu);
    ++sh.epoch;
    auto it = sh.pending.find(key);
    if (it == sh.pending.end()) continue;  // cannot happen: BeginWrite registered it
    if (--it->second.writers > 0) {
      it->second.overlapped = true;  // the others finish later: their order is unknown
      continue;
    }
    const bool overlapped = it->second.overlapped;
    sh.pending.erase(it);
    sh.Erase(key);  // a Purge may not have run, but a read cannot have inserted: pending
    if (!ok || overlapped || !enabled) continue;
    if (values[i] && values[i]->size() > options_.max_value_bytes) continue;
    sh.Insert(key, values[i] ? std::optional<std::string>(std::string(*values[i])) : std::nullopt,
              std::max<size_t>(1, options_.max_entries / kShards),
              std::max<size_t>(1, options_.max_bytes / kShards));
  }
}

Status CachedBackend::Put(std::string_view key, std::string_view value) {
  const std::string_view keys[] = {key};
  const std::optional<std::string_view> values[] = {value};
  BeginWrite(keys);
  Status s = inner_->Put(key, value);
  EndWrite(keys, values, s.has_value());
  return s;
}

Status CachedBackend::Delete(std::string_view key) {
  const std::string_view keys[] = {key};
  const std::optional<std::string_view> values[] = {std::nullopt};
  BeginWrite(keys);
  Status s = inner_->Delete(key);
  EndWrite(keys, values, s.has_value());
  return s;
}

Status CachedBackend::Commit(std::span<const Operation> ops) {
  Transactional* tx = inner_->AsTransactional();
  if (tx == nullptr) return Internal("storage cache: the inner backend has no transactions");
  // The value each distinct key ends with (the last operation on it wins).
  std::vector<std::string_view> keys;
  std::vector<std::optional<std::string_view>> values;
  std::unordered_map<std::string_view, size_t> slot;
  keys.reserve(ops.size());
  values.reserve(ops.size());
  for (const Operation& op : ops) {
    std::optional<std::string_view> v;
    if (op.kind == Operation::Kind::kPut) v = op.value;
    auto [it, inserted] = slot.try_emplace(op.key, keys.size());
    if (inserted) {
      keys.push_back(op.key);
      values.push_back(v);
    } else {
      values[it->second] = v;
    }
  }
  BeginWrite(keys);
  Status s = tx->Commit(ops);
  EndWrite(keys, values, s.has_value());
  return s;
}

Result<std::vector<std::string>> CachedBackend::List(std::string_view prefix) {
  return inner_->List(prefix);
}

std::string_view CachedBackend::Type() const { return inner_->Type(); }

Transactional* CachedBackend::AsTransactional() {
  return inner_->AsTransactional() != nullptr ? this : nullptr;
}

HaLockable* CachedBackend::AsHaLockable() { return inner_->AsHaLockable(); }

Snapshottable* CachedBackend::AsSnapshottable() {
  return inner_->AsSnapshottable() != nullptr ? this : nullptr;
}

Status CachedBackend::VisitAll(const EntryVisitor& visit) {
  Snapshottable* inner = inner_->AsSnapshottable();
  if (inner == nullptr) return Internal("storage: the backend does not support snapshots");
  return inner->VisitAll(visit);
}

Status CachedBackend::ReplaceAll(const EntrySource& source) {
  Snapshottable* inner = inner_->AsSnapshottable();
  if (inner == nullptr) return Internal("storage: the backend does not support snapshots");
  Purge();
  Status s = inner->ReplaceAll(source);
  Purge();  // reads that overlapped the replacement keep nothing
  return s;
}

void CachedBackend::ReleaseMappedMemory() { inner_->ReleaseMappedMemory(); }

void CachedBackend::Purge() {
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    ++shards_[i].epoch;
    shards_[i].Clear();
  }
}

void CachedBackend::Invalidate(std::span<const std::string> keys) {
  for (const std::string& key : keys) {
    Shard& sh = ShardFor(key);
    std::lock_guard lock(sh.mu);
    ++sh.epoch;
    sh.Erase(key);
  }
}

void CachedBackend::SetEnabled(bool enabled) {
  enabled_.store(enabled, std::memory_order_release);
  if (!enabled) Purge();
}

bool CachedBackend::Enabled() const { return enabled_.load(std::memory_order_acquire); }

CacheStats CachedBackend::Stats() const {
  CacheStats out;
  out.hits = hits_.load(std::memory_order_relaxed);
  out.misses = misses_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    out.entries += shards_[i].index.size();
    out.bytes += shards_[i].bytes;
  }
  return out;
}

}  // namespace arca::storage
