// WorkerPool: a fixed set of threads running WorkItems from a bounded FIFO queue.
//
// Wake-ups: a sleeping worker is woken only while fewer workers run than there are cores, and
// only when none runs or the queue holds more items than there are workers running (they come
// back for the queue when they finish). One sleeper, the standby, sleeps with a timeout
// (kStandbyBusyWait while workers run) and takes a waiting item when the running workers have
// made no progress for that long: so items behind workers blocked on fsync or a slow database
// still run, and concurrency grows while they stay blocked. A worker inside a BlockingScope
// (common/blocking.h: fsync, audit devices, network calls) does not count as running, so
// announced waits start another worker at once. On two cores this keeps CPU-bound requests
// from hopping between many threads (a futex wake and a context switch each).
//
// Items are intrusive (the pool links them through WorkItem::next_), so submitting one does not
// allocate: the HTTP server embeds one WorkItem per connection and reuses it for every request.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "common/blocking.h"

namespace arca::http {

class WorkItem {
 public:
  // Runs on a worker thread. Must not throw.
  virtual void Run() noexcept = 0;
  // Called instead of Run (on the thread calling Shutdown) for an item still queued at
  // shutdown. Must not throw.
  virtual void Cancel() noexcept = 0;

 protected:
  ~WorkItem() = default;

 private:
  friend class WorkerPool;
  WorkItem* next_ = nullptr;
};

class WorkerPool {
 public:
  // Starts `threads` (at least 1) threads. `max_queued` (at least 1) bounds the items waiting
  // for a thread; items being run do not count.
  WorkerPool(int threads, size_t max_queued);
  ~WorkerPool();  // Shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `item` (not owned; it must stay alive until Run or Cancel has returned). Returns false
  // without taking the item when the queue is full or the pool is shut down.
  bool TryPush(WorkItem* item);

  // Stops taking items, Cancels the queued ones, waits for running ones, joins the threads.
  // Idempotent.
  void Shutdown();

  size_t queued() const;

  // The standby's sleep while workers run, and while none does.
  static constexpr std::chrono::milliseconds kStandbyBusyWait{1};
  static constexpr std::chrono::milliseconds kStandbyIdleWait{50};

 private:
  void WorkerLoop();
  void EnterBlocking();  // BlockingScope hooks of the pool's workers
  void LeaveBlocking();

  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_:
  WorkItem* head_ = nullptr;
  WorkItem* tail_ = nullptr;
  size_t size_ = 0;
  bool shutdown_ = false;
  int sleepers_ = 0;  // workers blocked on cv_; TryPush only signals when one is
  int running_ = 0;   // workers running an item
  bool standby_taken_ = false;  // a sleeper is the standby (timed wait)
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_progress_{};  // a worker took or finished an item
  const int max_awake_;  // wake-ups stop at this many running workers (the cores)
  BlockingHooks hooks_;

  // Touched only by the constructor and Shutdown (serialized by join_mu_).
  std::mutex join_mu_;
  std::vector<std::thread> threads_;
};

}  // namespace arca::http
