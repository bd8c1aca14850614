#include "http/worker_pool.h"

#include <algorithm>

namespace arca::http {

WorkerPool::WorkerPool(int threads, size_t max_queued)
    : max_queued_(std::max<size_t>(max_queued, 1)) {
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
    wake = sleepers_ > 0;
  }
  // Busy workers pick the item up when they finish: no futex wake-up needed.
  if (wake) cv_.notify_one();
  return true;
}


void WorkerPool::WorkerLoop() {
  for (;;) {
    WorkItem* item;
    {
      std::unique_lock lock(mu_);
      if (head_ == nullptr && !shutdown_) {
        ++sleepers_;
        cv_.wait(lock, [this] { return head_ != nullptr || shutdown_; });
        --sleepers_;
      }
      if (shutdown_) return;  // queued items are cancelled by Shutdown
      item = head_;
      head_ = item->next_;
      if (!head_) tail_ = nullptr;
      --size_;
    }
    item->Run();
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
