// storage::WriteGate: counts successful physical writes (puts, deletes, batch entries), tells
// the observer the keys written, and refuses every write while read-only (kForwardToActive)
// without reaching the backend. Also CachedBackend::Invalidate (the standby's cache).
#include "storage/write_gate.h"

#include <gtest/gtest.h>

#include <mutex>

#include "storage/cache.h"

namespace arca::storage {
namespace {

std::unique_ptr<WriteGate> Gate() {
  auto inner = NewInmemBackend({});
  EXPECT_TRUE(inner);
  return std::make_unique<WriteGate>(std::move(*inner));
}

TEST(WriteGate, CountsAndObservesSuccessfulWrites) {
  auto gate = Gate();
  std::mutex mu;
  std::vector<std::vector<std::string>> seen;
  gate->SetObserver([&](std::span<const std::string_view> keys) {
    std::lock_guard lock(mu);
    seen.emplace_back(keys.begin(), keys.end());
  });
  EXPECT_EQ(gate->Writes(), 0u);
  ASSERT_TRUE(gate->Put("a", "1"));
  ASSERT_TRUE(gate->Delete("b"));
  ASSERT_TRUE(gate->Get("a"));
  ASSERT_TRUE(gate->List(""));
  EXPECT_EQ(gate->Writes(), 2u);  // reads are not writes
  ASSERT_NE(gate->AsTransactional(), nullptr);
  std::vector<Operation> ops = {{Operation::Kind::kPut, "x", "1"},
                                {Operation::Kind::kPut, "y", "2"},
                                {Operation::Kind::kPut, "x", "3"},
                                {Operation::Kind::kDelete, "a", ""}};
  ASSERT_TRUE(gate->AsTransactional()->Commit(ops));
  EXPECT_EQ(gate->Writes(), 6u);  // every batch entry
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::vector<std::string>{"a"});
  EXPECT_EQ(seen[1], std::vector<std::string>{"b"});
  EXPECT_EQ(seen[2], (std::vector<std::string>{"x", "y", "a"}));  // each key once, in order
  auto x = gate->Get("x");
  ASSERT_TRUE(x && *x);
  EXPECT_EQ(**x, "3");
  EXPECT_EQ(gate->Type(), "inmem");
}

TEST(WriteGate, ReadOnlyRefusesWithForwardToActiveAndWritesNothing) {
  auto gate = Gate();
  ASSERT_TRUE(gate->Put("k", "old"));
  int observed = 0;
  gate->SetObserver([&](std::span<const std::string_view>) { ++observed; });
  gate->SetReadOnly(true);
  EXPECT_TRUE(gate->ReadOnly());
  auto put = gate->Put("k", "new");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind(), ErrorKind::kForwardToActive);
  EXPECT_EQ(put.error().http_status(), 503);
  auto del = gate->Delete("k");
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().kind(), ErrorKind::kForwardToActive);
  std::vector<Operation> ops = {{Operation::Kind::kPut, "k", "batch"}};
  auto commit = gate->AsTransactional()->Commit(ops);
  ASSERT_FALSE(commit);
  EXPECT_EQ(commit.error().kind(), ErrorKind::kForwardToActive);
  EXPECT_EQ(gate->Writes(), 1u);
  EXPECT_EQ(observed, 0);
  auto v = gate->inner().Get("k");
  ASSERT_TRUE(v && *v);
  EXPECT_EQ(**v, "old");  // nothing reached the backend
  gate->SetReadOnly(false);
  ASSERT_TRUE(gate->Put("k", "new"));
  EXPECT_EQ(observed, 1);
}

TEST(WriteGate, ReplaceAllCountsEntriesAndTellsTheResetObserver) {
  auto gate = Gate();
  ASSERT_TRUE(gate->Put("old", "1"));
  int resets = 0, observed = 0;
  gate->SetResetObserver([&] { ++resets; });
  gate->SetObserver([&](std::span<const std::string_view>) { ++observed; });
  ASSERT_NE(gate->AsSnapshottable(), nullptr);
  std::vector<std::pair<std::string, std::string>> entries = {{"a", "1"}, {"b", "2"}};
  size_t i = 0;
  auto source = [&](std::string* k, std::string* v) -> Result<bool> {
    if (i == entries.size()) return false;
    *k = entries[i].first;
    *v = entries[i].second;
    ++i;
    return true;
  };
  ASSERT_TRUE(gate->AsSnapshottable()->ReplaceAll(source));
  EXPECT_EQ(gate->Writes(), 3u);  // the put, then two restored entries
  EXPECT_EQ(resets, 1);
  EXPECT_EQ(observed, 0);
  EXPECT_FALSE(*gate->Get("old"));
  EXPECT_EQ(**gate->Get("b"), "2");

  gate->SetReadOnly(true);
  i = 0;
  auto refused = gate->AsSnapshottable()->ReplaceAll(source);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kForwardToActive);
  EXPECT_EQ(resets, 1);
  EXPECT_EQ(**gate->Get("a"), "1");
}

TEST(CachedBackendInvalidate, DropsOnlyTheGivenKeys) {
  auto inner = NewInmemBackend({});
  ASSERT_TRUE(inner);
  Backend* raw = inner->get();
  CachedBackend cache(std::move(*inner));
  ASSERT_TRUE(cache.Put("a", "1"));
  ASSERT_TRUE(cache.Put("b", "1"));
  // Another node writes both underneath the cache.
  ASSERT_TRUE(raw->Put("a", "2"));
  ASSERT_TRUE(raw->Put("b", "2"));
  EXPECT_EQ(**cache.Get("a"), "1");  // cached: stale until invalidated
  const std::vector<std::string> keys = {"a"};
  cache.Invalidate(keys);
  EXPECT_EQ(**cache.Get("a"), "2");
  EXPECT_EQ(**cache.Get("b"), "1");  // not invalidated
}

}  // namespace
}  // namespace arca::storage
