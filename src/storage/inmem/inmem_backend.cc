// The in-memory backend: a sorted map under a reader/writer lock. Nothing is persisted; "durable"
// means visible to every later call. Implements Transactional (a batch is applied under the write
// lock, so readers never see half of it) and Snapshottable (VisitAll visits a copy taken under the
// read lock; ReplaceAll builds the new map outside the lock and swaps it in under the write lock).
#include <map>
#include <mutex>
#include <shared_mutex>

#include "storage/backend.h"
#include "storage/keys.h"

namespace arca::storage {
namespace {

class InmemBackend final : public Backend, public Transactional, public Snapshottable {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override {
    ARCA_RETURN_IF_ERROR(CheckKey(key));
    std::shared_lock lock(mu_);
    auto it = data_.find(key);
    if (it == data_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status Put(std::string_view key, std::string_view value) override {
    ARCA_RETURN_IF_ERROR(CheckKey(key));
    std::unique_lock lock(mu_);
    data_.insert_or_assign(std::string(key), std::string(value));
    return OkStatus();
  }

  Status Delete(std::string_view key) override {
    ARCA_RETURN_IF_ERROR(CheckKey(key));
    std::unique_lock lock(mu_);
    if (auto it = data_.find(key); it != data_.end()) data_.erase(it);
    return OkStatus();
  }

  Result<std::vector<std::string>> List(std::string_view prefix) override {
    std::vector<std::string> out;
    std::shared_lock lock(mu_);
    auto it = data_.lower_bound(prefix);
    while (it != data_.end()) {
      if (!std::string_view(it->first).starts_with(prefix)) break;
      auto entry = ChildOf(it->first, prefix);
      if (!entry) {  // the key equal to the prefix
        ++it;
        continue;
      }
      out.emplace_back(entry->name);
      if (entry->is_folder) {
        it = data_.lower_bound(FolderSkipKey(prefix, entry->name));
      } else {
        ++it;
      }
    }
    return out;
  }

  std::string_view Type() const override { return "inmem"; }
  Transactional* AsTransactional() override { return this; }
  Snapshottable* AsSnapshottable() override { return this; }

  Status VisitAll(const EntryVisitor& visit) override {
    std::map<std::string, std::string, std::less<>> copy;
    {
      std::shared_lock lock(mu_);
      copy = data_;
    }
    for (const auto& [key, value] : copy) ARCA_RETURN_IF_ERROR(visit(key, value));
    return OkStatus();
  }

  Status ReplaceAll(const EntrySource& source) override {
    std::map<std::string, std::string, std::less<>> next;
    std::string key, value;
    for (;;) {
      ARCA_ASSIGN_OR_RETURN(bool more, source(&key, &value));
      if (!more) break;
      ARCA_RETURN_IF_ERROR(CheckKey(key));
      next.insert_or_assign(std::move(key), std::move(value));
      key.clear();
      value.clear();
    }
    std::unique_lock lock(mu_);
    data_.swap(next);
    return OkStatus();
  }

  Status Commit(std::span<const Operation> ops) override {
    for (const Operation& op : ops) ARCA_RETURN_IF_ERROR(CheckKey(op.key));
    std::unique_lock lock(mu_);
    for (const Operation& op : ops) {
      if (op.kind == Operation::Kind::kPut) {
        data_.insert_or_assign(op.key, op.value);
      } else if (auto it = data_.find(op.key); it != data_.end()) {
        data_.erase(it);
      }
    }
    return OkStatus();
  }

 private:
  std::shared_mutex mu_;
  std::map<std::string, std::string, std::less<>> data_;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<Backend>> NewInmemBackend(const BackendConfig& /*config*/) {
  return std::make_unique<InmemBackend>();
}

}  // namespace arca::storage
