// Client counts for sys/internal/counters/activity: the distinct clients that made requests in
// the current calendar month (UTC), in memory (lost on restart). As Vault counts them since
// 1.9, a token with an entity is the entity's client and a token without one is a
// "non-entity client" identified by its namespace (always root here) and sorted policies.
//
// Recording runs on the request path: each thread keeps its own set (guarded by a mutex only a
// reader contends for) and skips the set when it sees the same token entry again; no lock or
// cache line is shared between threads.
//
// Thread-safety: all methods are safe for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace arca::core {

struct TokenEntry;

class ActivityLog {
 public:
  // `now_unix` gives the time in unix seconds (injectable for tests).
  explicit ActivityLog(std::function<int64_t()> now_unix);
  ~ActivityLog();
  ActivityLog(const ActivityLog&) = delete;
  ActivityLog& operator=(const ActivityLog&) = delete;

  // The token's client made a request now.
  void Record(const std::shared_ptr<const TokenEntry>& token);

  struct Counts {
    int64_t month_start = 0;  // unix seconds of the current month's first instant (UTC)
    int64_t entity_clients = 0, non_entity_clients = 0;
    int64_t clients() const { return entity_clients + non_entity_clients; }
  };
  // The distinct clients of the current month.
  Counts Current() const;

  // The first instant (UTC) of the month containing `unix_seconds`, and of the next month.
  static int64_t MonthStart(int64_t unix_seconds);
  static int64_t NextMonthStart(int64_t unix_seconds);

 private:
  struct Slot {
    std::mutex mu;
    int64_t month_start = 0, month_end = 0;       // guarded by mu
    std::unordered_set<std::string> entities;     // guarded by mu
    std::unordered_set<std::string> non_entities; // guarded by mu
    std::shared_ptr<const TokenEntry> last;        // guarded by mu; seen this month
  };
  Slot& ThreadSlot();

  const std::function<int64_t()> now_;
  const uint64_t instance_;
  mutable std::mutex slots_mu_;
  std::vector<std::shared_ptr<Slot>> slots_;  // guarded by slots_mu_
};

}  // namespace arca::core
