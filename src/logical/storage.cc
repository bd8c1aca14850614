#include "logical/storage.h"

namespace arca::logical {

Result<std::optional<json::value>> GetJson(Storage& s, std::string_view key) {
  ARCA_ASSIGN_OR_RETURN(auto raw, s.Get(key));
  if (!raw) return std::optional<json::value>();
  auto v = ParseJson(*raw);
  if (!v) return Internal("corrupt JSON entry at \"" + std::string(key) + "\"");
  return std::optional<json::value>(std::move(*v));
}

Status PutJson(Storage& s, std::string_view key, const json::value& v) {
  return s.Put(key, json::serialize(v));
}

Status Storage::Commit(std::span<const WriteOp> ops) {
  for (const WriteOp& op : ops) {
    ARCA_RETURN_IF_ERROR(op.kind == WriteOp::Kind::kPut ? Put(op.key, op.value) : Delete(op.key));
  }
  return OkStatus();
}

Status DeleteTree(Storage& s, std::string_view prefix) {
  std::vector<std::string> stack{std::string(prefix)};
  while (!stack.empty()) {
    std::string dir = std::move(stack.back());
    stack.pop_back();
    ARCA_ASSIGN_OR_RETURN(std::vector<std::string> keys, s.List(dir));
    for (const auto& k : keys) {
      if (!k.empty() && k.back() == '/') {
        stack.push_back(dir + k);
      } else {
        ARCA_RETURN_IF_ERROR(s.Delete(dir + k));
      }
    }
  }
  return OkStatus();
}

Result<std::optional<std::string>> PrefixedStorage::Get(std::string_view key) {
  return inner_.Get(prefix_ + std::string(key));
}
Status PrefixedStorage::Put(std::string_view key, std::string_view value) {
  return inner_.Put(prefix_ + std::string(key), value);
}
Status PrefixedStorage::Delete(std::string_view key) {
  return inner_.Delete(prefix_ + std::string(key));
}
Result<std::vector<std::string>> PrefixedStorage::List(std::string_view prefix) {
  return inner_.List(prefix_ + std::string(prefix));
}
Status PrefixedStorage::Commit(std::span<const WriteOp> ops) {
  std::vector<WriteOp> full(ops.begin(), ops.end());
  for (WriteOp& op : full) op.key.insert(0, prefix_);
  return inner_.Commit(full);
}

std::vector<std::string> ListOneLevel(const std::map<std::string, std::string, std::less<>>& data,
                                      std::string_view prefix) {
  std::vector<std::string> out;
  for (auto it = data.lower_bound(prefix); it != data.end(); ++it) {
    std::string_view k = it->first;
    if (k.substr(0, prefix.size()) != prefix) break;
    std::string_view rest = k.substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
      out.emplace_back(rest);
    } else {
      std::string folder(rest.substr(0, slash + 1));
      if (out.empty() || out.back() != folder) out.push_back(folder);
    }
  }
  return out;
}

Result<std::optional<std::string>> InmemStorage::Get(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = data_.find(key);
  if (it == data_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}
Status InmemStorage::Put(std::string_view key, std::string_view value) {
  std::lock_guard lock(mu_);
  data_.insert_or_assign(std::string(key), std::string(value));
  return OkStatus();
}
Status InmemStorage::Delete(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = data_.find(key);
  if (it != data_.end()) data_.erase(it);
  return OkStatus();
}
Result<std::vector<std::string>> InmemStorage::List(std::string_view prefix) {
  std::lock_guard lock(mu_);
  return ListOneLevel(data_, prefix);
}
size_t InmemStorage::size() const {
  std::lock_guard lock(mu_);
  return data_.size();
}

}  // namespace arca::logical
