#include "http/worker_pool.h"

#include <algorithm>

namespace arca::http {

WorkerPool::WorkerPool(int threads, size_t max_queued)
    : max_queued_(std::max<size_t>(max_queued, 1)),
      max_awake_(static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2))) {
  hooks_.enter = [](void* p) { static_cast<WorkerPool*>(p)->EnterBlocking(); };
  hooks_.leave = [](void* p) { static_cast<WorkerPool*>(p)->LeaveBlocking(); };
  hooks_.ctx = this;
  int n = std::max(threads, 1);
  threads_.reserve(n);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::TryPush(WorkItem* item) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (shutdown_ || size_ >= max_queued_) return false;
    item->next_ = nullptr;
    if (tail_) {
      tail_->next_ = item;
    } else {
      head_ = item;
    }
    tail_ = item;
    ++size_;
    // Busy workers pick the item up when they finish: no futex wake-up needed unless the queue
    // outgrows them. If they are stuck, the standby sleeper finds the item (see WorkerLoop).
    wake = sleepers_ > 0 && running_ < max_awake_ &&
           (running_ == 0 || size_ > static_cast<size_t>(running_));
  }
  if (wake) cv_.notify_one();
  return true;
}

void WorkerPool::EnterBlocking() {
  bool wake;
  {
    std::lock_guard lock(mu_);
    --running_;
    last_progress_ = Clock::now();
    wake = head_ != nullptr && sleepers_ > 0 && running_ < max_awake_;
  }
  if (wake) cv_.notify_one();
}

void WorkerPool::LeaveBlocking() {
  std::lock_guard lock(mu_);
  ++running_;
}

void WorkerPool::WorkerLoop() {
  SetThreadBlockingHooks(&hooks_);
  std::unique_lock lock(mu_);
  bool just_ran = false;  // this worker has just finished an item: it may go on with the next
  for (;;) {
    bool standby_timeout = false;
    for (;;) {
      if (shutdown_) break;
      if (head_ != nullptr &&
          (just_ran || running_ < max_awake_ ||
           (standby_timeout && Clock::now() - last_progress_ >= kStandbyBusyWait))) {
        break;  // take it
      }
      just_ran = false;
      // One sleeper at a time is the standby: it sleeps with a timeout, so an item queued
      // behind workers blocked on fsync or a slow database waits about kStandbyBusyWait.
      const bool standby = !standby_taken_;
      ++sleepers_;
      if (standby) {
        standby_taken_ = true;
        standby_timeout =
            cv_.wait_for(lock, running_ > 0 ? kStandbyBusyWait : kStandbyIdleWait) ==
            std::cv_status::timeout;
        standby_taken_ = false;
      } else {
        cv_.wait(lock);
        standby_timeout = false;
      }
      --sleepers_;
    }
    if (shutdown_) return;  // queued items are cancelled by Shutdown
    WorkItem* item = head_;
    head_ = item->next_;
    if (!head_) tail_ = nullptr;
    --size_;
    ++running_;
    last_progress_ = Clock::now();
    // The standby went to work: wake a sleeper to take over the standby's watch.
    if (standby_timeout && head_ != nullptr && sleepers_ > 0) cv_.notify_one();
    lock.unlock();
    item->Run();
    lock.lock();
    --running_;
    last_progress_ = Clock::now();
    just_ran = true;
  }
}

void WorkerPool::Shutdown() {
  std::lock_guard join_lock(join_mu_);
  WorkItem* pending;
  {
    std::lock_guard lock(mu_);
    if (shutdown_ && threads_.empty()) return;
    shutdown_ = true;
    pending = head_;
    head_ = tail_ = nullptr;
    size_ = 0;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  while (pending) {
    WorkItem* next = pending->next_;
    pending->Cancel();
    pending = next;
  }
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return size_;
}

}  // namespace arca::http
