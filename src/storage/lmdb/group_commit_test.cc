#include "storage/lmdb/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

namespace arca::storage {
namespace {

using std::chrono::milliseconds;

// Records what the apply function saw.
struct Recorder {
  std::mutex mu;
  std::map<std::string, int> applied;  // key -> times applied
  std::vector<size_t> group_ops;       // ops per group
  std::atomic<int> in_flight = 0;
  std::atomic<int> overlaps = 0;
  milliseconds delay{0};

  GroupCommitter::ApplyFn Fn() {
    return [this](std::span<const std::span<const Operation>> writers, std::span<Status> results) {
      if (in_flight.fetch_add(1) != 0) ++overlaps;
      std::this_thread::sleep_for(delay);
      std::lock_guard lock(mu);
      size_t n = 0;
      for (size_t i = 0; i < writers.size(); ++i) {
        for (const Operation& op : writers[i]) {
          ++applied[op.key];
          ++n;
          if (op.key.starts_with("bad")) results[i] = InvalidRequest("rejected " + op.key);
        }
      }
      group_ops.push_back(n);
      in_flight.fetch_sub(1);
    };
  }
};

Operation Put(std::string key) { return {Operation::Kind::kPut, std::move(key), "v"}; }

TEST(GroupCommitterTest, SingleWriterGetsItsResult) {
  Recorder rec;
  GroupCommitter gc(rec.Fn());
  std::vector<Operation> ops = {Put("a"), Put("b")};
  EXPECT_TRUE(gc.Submit(ops));
  auto bad = Put("bad1");
  auto s = gc.Submit({&bad, 1});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(), "rejected bad1");
  EXPECT_EQ(gc.groups(), 2u);
  EXPECT_EQ(gc.writers(), 2u);
  EXPECT_EQ(rec.applied["a"], 1);
  EXPECT_EQ(rec.applied["b"], 1);
}

TEST(GroupCommitterTest, ConcurrentWritersAreBatchedWithOwnResults) {
  Recorder rec;
  rec.delay = milliseconds(20);  // a slow "fsync" so that writers pile up
  GroupCommitter gc(rec.Fn());
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> wrong = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string key = (t % 3 == 0 ? "bad" : "ok") + std::to_string(t);
      auto op = Put(key);
      auto s = gc.Submit({&op, 1});
      if (s.has_value() == key.starts_with("bad")) ++wrong;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(gc.writers(), uint64_t{kThreads});
  EXPECT_LT(gc.groups(), uint64_t{kThreads});  // at least one group had several writers
  EXPECT_EQ(rec.overlaps.load(), 0);           // apply never runs concurrently
  ASSERT_EQ(rec.applied.size(), size_t{kThreads});
  for (const auto& [key, times] : rec.applied) EXPECT_EQ(times, 1) << key;
}

TEST(GroupCommitterTest, GroupsRespectOpLimitButTakeOversizedWriter) {
  Recorder rec;
  rec.delay = milliseconds(5);
  GroupCommitter gc(rec.Fn(), /*max_ops=*/2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      auto op = Put("k" + std::to_string(t));
      EXPECT_TRUE(gc.Submit({&op, 1}));
    });
  }
  for (auto& th : threads) th.join();
  std::vector<Operation> big = {Put("x1"), Put("x2"), Put("x3"), Put("x4")};
  EXPECT_TRUE(gc.Submit(big));
  std::lock_guard lock(rec.mu);
  ASSERT_FALSE(rec.group_ops.empty());
  EXPECT_EQ(rec.group_ops.back(), 4u);  // a lone oversized writer still commits
  for (size_t i = 0; i + 1 < rec.group_ops.size(); ++i) EXPECT_LE(rec.group_ops[i], 2u);
  EXPECT_EQ(rec.applied.size(), 10u);
}

TEST(GroupCommitterTest, EmptySubmitIsHarmless) {
  Recorder rec;
  GroupCommitter gc(rec.Fn());
  EXPECT_TRUE(gc.Submit({}));
  EXPECT_EQ(gc.writers(), 1u);
}

}  // namespace
}  // namespace arca::storage
