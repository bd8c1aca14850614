// LeaseSchedule: the in-memory timer queue of the expiration manager: which lease is due when.
// Compact by design: one small node per lease (due time and lease id), no lease entry. Leases
// whose revocation failed also carry retry state (attempts so far, and the expiry their due/ key
// records), kept in a side table that only holds those.
//
// Thread-safety: none; the owner guards it with its own mutex.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

namespace arca::core {

class LeaseSchedule {
 public:
  struct Item {
    int64_t when = 0;    // unix seconds at which to act
    std::string lease_id;
    int64_t expire = 0;  // the lease's expiry as its due/ key records it (== when, but for retries)
    int attempts = 0;    // failed revocations so far
  };

  // Schedules a lease at its expiry. Scheduling the same (expire, id) twice keeps one item.
  void Add(int64_t expire, std::string lease_id);
  // Schedules a retry at `when` of a lease that expired at `expire`.
  void AddRetry(int64_t when, std::string lease_id, int64_t expire, int attempts);
  // Removes the lease scheduled for expiry `expire` (its first attempt or its retry). Returns
  // whether something was removed.
  bool Remove(int64_t expire, std::string_view lease_id);
  // The earliest due time, if any.
  std::optional<int64_t> NextDue() const;
  // Takes the earliest item when it is due at `now` (when <= now).
  std::optional<Item> PopDue(int64_t now);
  size_t size() const { return items_.size(); }
  size_t retrying() const { return retries_.size(); }
  void Clear();

 private:
  struct Node {
    int64_t when;
    std::string lease_id;
  };
  struct Less {
    using is_transparent = void;
    using Key = std::pair<int64_t, std::string_view>;
    static Key K(const Node& n) { return {n.when, n.lease_id}; }
    static Key K(const Key& k) { return k; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return K(a) < K(b);
    }
  };
  struct Retry {
    int64_t when = 0;
    int64_t expire = 0;
    int attempts = 0;
  };

  std::set<Node, Less> items_;
  std::unordered_map<std::string, Retry> retries_;  // lease id -> retry state
};

}  // namespace arca::core
