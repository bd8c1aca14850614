// WorkerPool: a fixed set of threads running WorkItems from a bounded FIFO queue.
//
// Wake-ups: a sleeping worker is woken only while fewer workers run than there are cores, and
// only when none runs or the queue holds more items than there are workers running (they come
// back for the queue when they finish). The worker woken is the one that fell asleep last
// (LIFO): under a steady load the same thread, warm in cache and on its core, takes every item,
// and the others stay asleep, as with a pool of one thread. One sleeper, the standby, sleeps
// with a timeout (kStandbyBusyWait while workers run) and takes a waiting item when the running workers have
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
#include <memory>
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
  // Workers asleep waiting for an item (the standby included). Lets tests wait for the pool to
  // settle instead of sleeping.
  int sleeping() const;

  // The standby's sleep while workers run, and while none does.
  static constexpr std::chrono::milliseconds kStandbyBusyWait{5};
  static constexpr std::chrono::milliseconds kStandbyIdleWait{50};

 private:
  // One per thread; lives as long as the pool, so it may be notified after its owner moved on.
  struct Sleeper {
    std::condition_variable cv;
    bool woken = false;  // guarded by mu_
    Sleeper* next = nullptr;
  };
  void WorkerLoop(Sleeper* me);
  // With mu_ held: takes the most recent sleeper off the idle stack (or else the standby) and
  // marks it woken; the caller notifies it after unlocking. nullptr when none sleeps.
  Sleeper* TakeSleeper();
  void EnterBlocking();  // BlockingScope hooks of the pool's workers
  void LeaveBlocking();

  const size_t max_queued_;
  mutable std::mutex mu_;
  // Guarded by mu_:
  WorkItem* head_ = nullptr;
  WorkItem* tail_ = nullptr;
  size_t size_ = 0;
  bool shutdown_ = false;
  int sleepers_ = 0;  // workers asleep (stack + standby); TryPush only signals when one is
  int running_ = 0;   // workers running an item
  int waking_ = 0;    // workers woken that have not yet taken the lock: they count as running
  Sleeper* idle_top_ = nullptr;  // untimed sleepers, the most recent on top
  Sleeper* standby_ = nullptr;   // the sleeper with a timed wait, if any
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_progress_{};  // a worker took or finished an item
  const int max_awake_;  // wake-ups stop at this many running workers (the cores)
  BlockingHooks hooks_;

  // Touched only by the constructor and Shutdown (serialized by join_mu_).
  std::mutex join_mu_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<Sleeper>> sleeper_slots_;
};

}  // namespace arca::http
