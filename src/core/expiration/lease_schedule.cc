#include "core/expiration/lease_schedule.h"

namespace arca::core {

void LeaseSchedule::Add(int64_t expire, std::string lease_id) {
  items_.insert(items_.end(), Node{expire, std::move(lease_id)});
}

void LeaseSchedule::AddRetry(int64_t when, std::string lease_id, int64_t expire, int attempts) {
  auto [it, inserted] = retries_.insert_or_assign(lease_id, Retry{when, expire, attempts});
  items_.insert(Node{when, std::move(lease_id)});
}

bool LeaseSchedule::Remove(int64_t expire, std::string_view lease_id) {
  int64_t when = expire;
  if (auto r = retries_.find(std::string(lease_id)); r != retries_.end() &&
                                                     r->second.expire == expire) {
    when = r->second.when;
    retries_.erase(r);
  }
  auto it = items_.find(Less::Key{when, lease_id});
  if (it == items_.end()) return false;
  items_.erase(it);
  return true;
}

std::optional<int64_t> LeaseSchedule::NextDue() const {
  if (items_.empty()) return std::nullopt;
  return items_.begin()->when;
}

std::optional<LeaseSchedule::Item> LeaseSchedule::PopDue(int64_t now) {
  if (items_.empty() || items_.begin()->when > now) return std::nullopt;
  auto node = items_.extract(items_.begin());
  Item item;
  item.when = node.value().when;
  item.lease_id = std::move(node.value().lease_id);
  item.expire = item.when;
  if (!retries_.empty()) {
    if (auto r = retries_.find(item.lease_id); r != retries_.end() && r->second.when == item.when) {
      item.expire = r->second.expire;
      item.attempts = r->second.attempts;
      retries_.erase(r);
    }
  }
  return item;
}

void LeaseSchedule::Clear() {
  items_.clear();
  retries_.clear();
}

}  // namespace arca::core
