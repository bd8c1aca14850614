#include "http/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <map>
#include <thread>

namespace arca::http {
namespace {

// Polls `done` (an observable state of the pool; it has no hook to wait on) until it holds or
// a generous deadline passes. Returns whether it held.
template <class Pred>
bool Eventually(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

class Item : public WorkItem {
 public:
  explicit Item(std::latch* gate = nullptr) : gate_(gate) {}
  void Run() noexcept override {
    started.count_down();
    if (gate_) gate_->wait();
    ran = true;
    done.set_value();
  }
  void Cancel() noexcept override {
    cancelled = true;
    done.set_value();
  }
  std::latch started{1};
  std::atomic<bool> ran{false}, cancelled{false};
  std::promise<void> done;

 private:
  std::latch* gate_;
};

TEST(WorkerPool, RunsItems) {
  WorkerPool pool(2, 16);
  std::vector<std::unique_ptr<Item>> items;
  for (int i = 0; i < 10; ++i) {
    items.push_back(std::make_unique<Item>());
    ASSERT_TRUE(pool.TryPush(items.back().get()));
  }
  for (auto& it : items) {
    it->done.get_future().wait();
    EXPECT_TRUE(it->ran);
  }
}

TEST(WorkerPool, ItemsBehindABlockedWorkerStillRun) {
  // A worker blocked (on fsync, a slow database) must not hold up the items queued behind it,
  // even when no further item arrives to trigger a wake-up.
  std::latch gate(1);
  WorkerPool pool(4, 16);
  Item blocked(&gate), next;
  ASSERT_TRUE(pool.TryPush(&blocked));
  blocked.started.wait();
  // The other three workers are asleep (one of them as the standby) before the item arrives.
  ASSERT_TRUE(Eventually([&] { return pool.sleeping() == 3; })) << pool.sleeping();
  ASSERT_TRUE(pool.TryPush(&next));
  auto status = next.done.get_future().wait_for(std::chrono::milliseconds(500));
  EXPECT_EQ(status, std::future_status::ready);
  EXPECT_FALSE(blocked.ran);
  gate.count_down();
  blocked.done.get_future().wait();
  EXPECT_TRUE(blocked.ran);
}

TEST(WorkerPool, ManyItemsFromManyThreadsAllRun) {
  WorkerPool pool(3, 4096);
  std::vector<std::unique_ptr<Item>> items;
  for (int i = 0; i < 600; ++i) items.push_back(std::make_unique<Item>());
  std::vector<std::thread> pushers;
  for (int t = 0; t < 3; ++t) {
    pushers.emplace_back([&, t] {
      for (int i = t; i < 600; i += 3) ASSERT_TRUE(pool.TryPush(items[i].get()));
    });
  }
  for (auto& p : pushers) p.join();
  for (auto& it : items) {
    ASSERT_EQ(it->done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_TRUE(it->ran);
  }
}

TEST(WorkerPool, RefusesWhenQueueFullAndCancelsQueuedOnShutdown) {
  std::latch gate(1);
  WorkerPool pool(1, 1);
  Item running(&gate), queued, refused;
  ASSERT_TRUE(pool.TryPush(&running));
  running.started.wait();  // the only worker is busy
  ASSERT_TRUE(pool.TryPush(&queued));
  EXPECT_EQ(pool.queued(), 1u);
  EXPECT_FALSE(pool.TryPush(&refused));
  std::thread releaser([&] {
    // Shutdown has begun (it has taken the queued item) while `running` still blocks.
    EXPECT_TRUE(Eventually([&] { return pool.queued() == 0; }));
    EXPECT_FALSE(running.ran);
    gate.count_down();
  });
  pool.Shutdown();  // waits for the running item, cancels the queued one
  releaser.join();
  EXPECT_TRUE(running.ran);
  EXPECT_TRUE(queued.cancelled);
  EXPECT_FALSE(queued.ran);
  EXPECT_FALSE(pool.TryPush(&refused));
  pool.Shutdown();  // idempotent
}

TEST(WorkerPool, OneRequestAtATimeKeepsToOneThread) {
  // Wake-ups are LIFO: the worker that just went to sleep is the one woken for the next item,
  // so a sequential load runs on one warm thread instead of rotating through the pool.
  WorkerPool pool(8, 16);
  std::map<std::thread::id, int> runs;
  struct Recorder : WorkItem {
    std::thread::id tid;
    std::promise<void> done;
    void Run() noexcept override {
      tid = std::this_thread::get_id();
      done.set_value();
    }
    void Cancel() noexcept override { done.set_value(); }
  };
  constexpr int kItems = 200;
  for (int i = 0; i < kItems; ++i) {
    Recorder r;
    auto f = r.done.get_future();
    ASSERT_TRUE(pool.TryPush(&r));
    ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    // Wait until every worker is asleep again, so each item is a fresh wake-up.
    ASSERT_TRUE(Eventually([&] { return pool.sleeping() == 8; })) << pool.sleeping();
    ++runs[r.tid];
  }
  int most = 0;
  for (const auto& [tid, n] : runs) most = std::max(most, n);
  EXPECT_GE(most, kItems * 9 / 10) << runs.size() << " threads ran the items";
}

}  // namespace
}  // namespace arca::http
