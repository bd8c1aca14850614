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
  for (int i = 0; i < n; ++i) sleeper_slots_.push_back(std::make_unique<Sleeper>());
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this, me = sleeper_slots_[i].get()] { WorkerLoop(me); });
  }
}

WorkerPool::~WorkerPool() { Shutdown(); }

WorkerPool::Sleeper* WorkerPool::TakeSleeper() {
  Sleeper* s = idle_top_;
  if (s) {
    idle_top_ = s->next;
  } else {
    s = standby_;
    standby_ = nullptr;
  }
  if (s) {
    s->woken = true;
    --sleepers_;
    ++waking_;
  }
  return s;
}

bool WorkerPool::TryPush(WorkItem* item) {
  Sleeper* wake = nullptr;
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
    const int busy = running_ + waking_;
    if (sleepers_ > 0 && busy < max_awake_ && (busy == 0 || size_ > static_cast<size_t>(busy))) {
      wake = TakeSleeper();
    }
  }
  if (wake) wake->cv.notify_one();
  return true;
}

void WorkerPool::EnterBlocking() {
  Sleeper* wake = nullptr;
  {
    std::lock_guard lock(mu_);
    --running_;
    last_progress_ = Clock::now();
    if (head_ != nullptr && sleepers_ > 0 && running_ + waking_ < max_awake_) wake = TakeSleeper();
  }
  if (wake) wake->cv.notify_one();
}

void WorkerPool::LeaveBlocking() {
  std::lock_guard lock(mu_);
  ++running_;
}

void WorkerPool::WorkerLoop(Sleeper* me) {
  SetThreadBlockingHooks(&hooks_);
  std::unique_lock lock(mu_);
  bool just_ran = false;  // this worker has just finished an item: it may go on with the next
  for (;;) {
    bool standby_timeout = false;
    for (;;) {
      if (shutdown_) break;
      if (head_ != nullptr &&
          (just_ran || running_ + waking_ < max_awake_ ||
           (standby_timeout && Clock::now() - last_progress_ >= kStandbyBusyWait))) {
        break;  // take it
      }
      just_ran = false;
      me->woken = false;
      ++sleepers_;
      auto woken = [&] { return me->woken || shutdown_; };
      if (standby_ == nullptr) {
        // One sleeper at a time is the standby: it sleeps with a timeout, so an item queued
        // behind workers blocked on fsync or a slow database waits about kStandbyBusyWait.
        standby_ = me;
        standby_timeout =
            !me->cv.wait_for(lock, running_ > 0 ? kStandbyBusyWait : kStandbyIdleWait, woken);
      } else {
        me->next = idle_top_;
        idle_top_ = me;
        me->cv.wait(lock, woken);
        standby_timeout = false;
      }
      if (me->woken) {
        --waking_;
      } else {  // timed out (the standby) or shutdown: still listed, so unlist
        if (standby_ == me) standby_ = nullptr;
        --sleepers_;
      }
    }
    if (shutdown_) return;  // queued items are cancelled by Shutdown
    WorkItem* item = head_;
    head_ = item->next_;
    if (!head_) tail_ = nullptr;
    --size_;
    ++running_;
    last_progress_ = Clock::now();
    // The standby went to work: wake a sleeper to take over the standby's watch.
    Sleeper* relay = nullptr;
    if (standby_timeout && head_ != nullptr && sleepers_ > 0) relay = TakeSleeper();
    lock.unlock();
    if (relay) relay->cv.notify_one();
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
    idle_top_ = nullptr;
    standby_ = nullptr;
  }
  for (auto& s : sleeper_slots_) s->cv.notify_all();
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

int WorkerPool::sleeping() const {
  std::lock_guard lock(mu_);
  return sleepers_;
}

}  // namespace arca::http
