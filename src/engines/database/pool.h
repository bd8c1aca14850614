// A bounded pool of database connections of one kind (Conn is a plugin's connection type).
// At most `max_open` connections exist; idle ones are reused (up to `max_idle`), connections
// older than `max_lifetime` are closed when returned, and one reported broken is discarded.
//
// Thread-safety: Acquire may be called from many threads; a lease is used by one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "common/status.h"

namespace arca::engines::database {

template <typename Conn>
class Pool {
 public:
  using Dial = std::function<Result<std::unique_ptr<Conn>>()>;
  struct Entry {
    std::unique_ptr<Conn> conn;
    std::chrono::steady_clock::time_point born;
  };

  class Lease {
   public:
    Lease(Pool* pool, Entry entry) : pool_(pool), entry_(std::move(entry)) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), entry_(std::move(o.entry_)), broken_(o.broken_) {
      o.pool_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Return(std::move(entry_), broken_);
    }
    Conn& operator*() { return *entry_.conn; }
    Conn* operator->() { return entry_.conn.get(); }
    void MarkBroken() { broken_ = true; }

   private:
    Pool* pool_;
    Entry entry_;
    bool broken_ = false;
  };

  Pool(Dial dial, int max_open, int max_idle, std::chrono::seconds max_lifetime)
      : dial_(std::move(dial)),
        max_open_(max_open > 0 ? max_open : 4),
        max_idle_(max_idle > 0 ? max_idle : max_open_),
        max_lifetime_(max_lifetime) {}

  // Waits up to `wait` for a free slot; dials a new connection when no idle one is there.
  Result<Lease> Acquire(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait, [&] { return !idle_.empty() || open_ < max_open_ || closed_; })) {
      return std::unexpected(Error(ErrorKind::kUnavailable, "all database connections are busy"));
    }
    if (closed_) return std::unexpected(Error(ErrorKind::kUnavailable, "the connection is closed"));
    if (!idle_.empty()) {
      Entry e = std::move(idle_.front());
      idle_.pop_front();
      return Lease(this, std::move(e));
    }
    ++open_;
    lock.unlock();
    auto conn = dial_();
    if (!conn) {
      std::lock_guard relock(mu_);
      --open_;
      cv_.notify_one();
      return std::unexpected(conn.error());
    }
    return Lease(this, Entry{std::move(*conn), std::chrono::steady_clock::now()});
  }

  // Closes idle connections; later Acquires dial new ones (after a credential change).
  void Reset() {
    std::lock_guard lock(mu_);
    open_ -= static_cast<int>(idle_.size());
    idle_.clear();
    reset_at_ = std::chrono::steady_clock::now();
    cv_.notify_all();
  }
  void Close() {
    std::lock_guard lock(mu_);
    open_ -= static_cast<int>(idle_.size());
    idle_.clear();
    closed_ = true;
    cv_.notify_all();
  }

 private:
  void Return(Entry e, bool broken) {
    std::lock_guard lock(mu_);
    const bool expired =
        max_lifetime_.count() > 0 && std::chrono::steady_clock::now() - e.born > max_lifetime_;
    if (broken || expired || closed_ || static_cast<int>(idle_.size()) >= max_idle_ ||
        e.born < reset_at_) {
      --open_;
    } else {
      idle_.push_back(std::move(e));
    }
    cv_.notify_one();
  }

  Dial dial_;
  const int max_open_;
  const int max_idle_;
  const std::chrono::seconds max_lifetime_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> idle_;                            // guarded by mu_
  int open_ = 0;                                      // guarded by mu_
  bool closed_ = false;                               // guarded by mu_
  std::chrono::steady_clock::time_point reset_at_{};  // guarded by mu_
};

}  // namespace arca::engines::database
