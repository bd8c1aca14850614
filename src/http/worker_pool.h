// WorkerPool: a fixed set of threads running WorkItems from a bounded FIFO queue.
//
// Items are intrusive (the pool links them through WorkItem::next_), so submitting one does not
// allocate: the HTTP server embeds one WorkItem per connection and reuses it for every request.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

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

 private:
  void WorkerLoop();

  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_:
  WorkItem* head_ = nullptr;
  WorkItem* tail_ = nullptr;
  size_t size_ = 0;
  bool shutdown_ = false;
  int sleepers_ = 0;  // workers blocked on cv_; TryPush only signals when one is

  // Touched only by the constructor and Shutdown (serialized by join_mu_).
  std::mutex join_mu_;
  std::vector<std::thread> threads_;
};

}  // namespace arca::http
