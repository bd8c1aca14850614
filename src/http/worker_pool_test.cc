#include "http/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>

namespace arca::http {
namespace {

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
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
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

}  // namespace
}  // namespace arca::http
