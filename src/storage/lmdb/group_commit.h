// GroupCommitter: batches concurrent writers into one durable commit.
//
// Each writer calls Submit() with its operations and blocks. The writer at the head of the queue
// becomes the leader: it takes the queued writers (up to a size limit), releases the lock, calls
// the apply function once for the whole group, then hands every member its own result and wakes
// the next leader. While a leader is inside apply (an fsync), newcomers queue up and form the next
// group, so N concurrent writers cost about one fsync per group instead of N. A lone writer
// becomes leader at once and pays no extra latency.
//
// Thread-safety: Submit may be called from any number of threads. The apply function is called by
// one thread at a time (never concurrently with itself), from inside Submit on the leader's
// thread. Callers must not destroy the committer while a Submit is in progress.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "common/status.h"
#include "storage/backend.h"

namespace arca::storage {

class GroupCommitter {
 public:
  // One writer's operations. apply must set results[i] for writers[i] (results start as success).
  using ApplyFn = std::function<void(std::span<const std::span<const Operation>> writers,
                                     std::span<Status> results)>;

  // A group stops growing once it holds `max_ops` operations or `max_bytes` of keys and values
  // (the first writer is always taken, however large).
  explicit GroupCommitter(ApplyFn apply, size_t max_ops = 4096, size_t max_bytes = 32 << 20);
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Applies `ops` as part of some group; returns this writer's result. `ops` must stay valid
  // until Submit returns.
  Status Submit(std::span<const Operation> ops);

  // Counters for tests and metrics: groups applied, writers served.
  uint64_t groups() const;
  uint64_t writers() const;

 private:
  struct Writer {
    std::span<const Operation> ops;
    Status status;
    bool done = false;
    std::condition_variable cv;
  };

  const ApplyFn apply_;
  const size_t max_ops_;
  const size_t max_bytes_;

  mutable std::mutex mu_;
  std::deque<Writer*> queue_;  // guarded by mu_; front is the leader (or next leader)
  uint64_t groups_ = 0;        // guarded by mu_
  uint64_t writers_ = 0;       // guarded by mu_
};

}  // namespace arca::storage
