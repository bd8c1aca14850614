// The PostgreSQL backend's HA side against a real PostgreSQL 15: plain writes before HA mode, a
// standby's writes refused, one lock holder at a time, release handing over at once, writes of
// a deposed or expired holder refused atomically by the fence inside their transaction, a
// TRUNCATE of the lock table noticed, renewal never taking back an expired lock, the local
// deadline when the database is unreachable.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "storage/postgresql/pg_backend.h"
#include "storage/postgresql/pg_conn.h"
#include "storage/postgresql/pg_test_util.h"

namespace arca::storage::postgresql {
namespace {

using namespace testing;  // NOLINT
using std::chrono::milliseconds;
using std::chrono::seconds;

#define REQUIRE_PG() ASSERT_TRUE(Pg().ok()) << Pg().error()

struct Tables {
  std::string kv = FreshTable("ha_kv");
  std::string ha = FreshTable("ha_lock");
};

std::unique_ptr<Backend> Node(const Tables& t, const std::string& lock_timeout = "3s",
                              const std::string& renew = "") {
  BackendConfig c = PgConfig(t.kv, t.ha);
  c["lock_timeout"] = lock_timeout;
  c["lock_retry_interval"] = "50ms";
  if (!renew.empty()) c["lock_renew_interval"] = renew;
  auto b = NewPostgresqlBackend(c);
  EXPECT_TRUE(b) << b.error().ToString();
  return b ? std::move(*b) : nullptr;
}

std::optional<std::string> Read(Backend& b, std::string_view key) {
  auto v = b.Get(key);
  EXPECT_TRUE(v) << v.error().ToString();
  return v ? *v : std::nullopt;
}

std::string Sql(const std::string& sql) {
  std::string out;
  EXPECT_EQ(Pg().Sql(sql, &out), 0) << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::unique_ptr<HaLock> MustAcquire(Backend& b, std::string_view value) {
  std::atomic<bool> stop{false};
  auto lock = b.AsHaLockable()->Acquire(value, stop);
  EXPECT_TRUE(lock) << lock.error().ToString();
  return lock ? std::move(*lock) : nullptr;
}

void ExpectRefused(const Status& s, std::string_view word) {
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(s.error().message().find(word), std::string::npos) << s.error().message();
}

TEST(PgHa, HaEnabledOnlyWhenConfigured) {
  REQUIRE_PG();
  Tables t;
  auto plain = NewPostgresqlBackend(PgConfig(t.kv));
  ASSERT_TRUE(plain) << plain.error().ToString();
  EXPECT_EQ((*plain)->AsHaLockable(), nullptr);
  auto ha = Node(t);
  ASSERT_TRUE(ha);
  ASSERT_NE(ha->AsHaLockable(), nullptr);
  EXPECT_EQ(ha->AsHaLockable()->LockTtl(), seconds(3));
  // The lock table was created, with Vault's columns.
  EXPECT_EQ(Sql("SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) "
                "FROM information_schema.columns WHERE table_name = '" + t.ha + "'"),
            "ha_key:text,ha_identity:text,ha_value:text,valid_until:timestamp with time zone");
}

TEST(PgHa, StandbyWritesAreRefusedAndTheHolderWritesFenced) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t), b = Node(t);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Put("init", "1"));  // before HA mode: plain
  HaLockable& la = *a->AsHaLockable();
  HaLockable& lb = *b->AsHaLockable();
  la.StartHa();
  lb.StartHa();
  ExpectRefused(a->Put("k", "standby"), "standby");
  ExpectRefused(a->Delete("init"), "standby");
  ExpectRefused(a->AsTransactional()->Commit(
                    std::vector<Operation>{Operation{Operation::Kind::kPut, "k", "v"}}),
                "standby");
  ExpectRefused(a->AsSnapshottable()->ReplaceAll(
                    [](std::string*, std::string*) -> Result<bool> { return false; }),
                "standby");
  EXPECT_FALSE(Read(*a, "k").has_value());
  EXPECT_EQ(Read(*a, "init"), "1");  // reads are not fenced

  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  EXPECT_FALSE(lock_a->Lost());
  ASSERT_TRUE(a->Put("k", "from-a"));
  ASSERT_TRUE(a->AsTransactional()->Commit(std::vector<Operation>{
      Operation{Operation::Kind::kPut, "x", "1"}, Operation{Operation::Kind::kDelete, "init", ""}}));
  EXPECT_EQ(Read(*b, "k"), "from-a");
  EXPECT_EQ(Read(*b, "x"), "1");
  EXPECT_FALSE(Read(*b, "init").has_value());
  ExpectRefused(b->Put("k", "from-b"), "standby");

  auto holder = lb.Holder();
  ASSERT_TRUE(holder && *holder);
  EXPECT_EQ((*holder)->value, "node-a");
  EXPECT_FALSE((*holder)->id.empty());
  // The row: Vault's columns, the value base64, the database clock's TTL.
  EXPECT_EQ(Sql("SELECT ha_key || '|' || ha_value || '|' || (valid_until > NOW() AND valid_until "
                "<= NOW() + INTERVAL '3 seconds') FROM " + t.ha),
            "core/lock|bm9kZS1h|true");

  // b campaigns; it wins only once a releases, and at once then.
  std::atomic<bool> stop_b{false};
  auto fut = std::async(std::launch::async, [&] { return lb.Acquire("node-b", stop_b); });
  EXPECT_EQ(fut.wait_for(milliseconds(800)), std::future_status::timeout);
  lock_a->Release();
  EXPECT_TRUE(lock_a->Lost());
  ASSERT_EQ(fut.wait_for(seconds(2)), std::future_status::ready);
  auto lock_b = fut.get();
  ASSERT_TRUE(lock_b && *lock_b);
  ExpectRefused(a->Put("k", "late-a"), "standby");
  ASSERT_TRUE(b->Put("k", "from-b"));
  EXPECT_EQ(Read(*a, "k"), "from-b");
  holder = la.Holder();
  ASSERT_TRUE(holder && *holder);
  EXPECT_EQ((*holder)->value, "node-b");
  (*lock_b)->Release();
  holder = la.Holder();
  ASSERT_TRUE(holder);
  EXPECT_FALSE(holder->has_value());
}

TEST(PgHa, ADeposedHolderCannotWriteAndNoticesTheLoss) {
  REQUIRE_PG();
  Tables t;
  // Renewal far apart: a does not notice by itself during the test.
  auto a = Node(t, "30s", "19s"), b = Node(t);
  ASSERT_TRUE(a && b);
  a->AsHaLockable()->StartHa();
  b->AsHaLockable()->StartHa();
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  ASSERT_TRUE(a->Put("k", "1"));
  auto holder = b->AsHaLockable()->Holder();
  ASSERT_TRUE(holder && *holder);
  ASSERT_TRUE(b->AsHaLockable()->Depose((*holder)->id));
  EXPECT_TRUE(b->AsHaLockable()->Depose((*holder)->id));  // gone already: still fine
  EXPECT_FALSE(lock_a->Lost());                          // a has not noticed yet
  ExpectRefused(a->AsTransactional()->Commit(std::vector<Operation>{
                    Operation{Operation::Kind::kPut, "k", "2"},
                    Operation{Operation::Kind::kPut, "other", "2"}}),
                "fenced");
  EXPECT_TRUE(lock_a->Lost());
  EXPECT_TRUE(lock_a->WaitLost(milliseconds(1)));
  ExpectRefused(a->Put("k", "3"), "standby");  // and every later write, without asking
  EXPECT_EQ(Read(*b, "k"), "1");
  EXPECT_FALSE(Read(*b, "other").has_value());
  auto lock_b = MustAcquire(*b, "node-b");  // the lock is free: b takes it at once
  ASSERT_TRUE(lock_b);
  ASSERT_TRUE(b->Put("k", "b"));
}

// A holder paused past its TTL: its row expired, another node took the lock; when it resumes
// (its local deadline not yet passed, its renewal not yet run: it did not notice) its writes
// are refused by the database inside their own transaction and nothing of them is visible.
TEST(PgHa, AnExpiredAndRetakenHolderIsFencedAtomically) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t, "30s", "19s"), b = Node(t);
  ASSERT_TRUE(a && b);
  a->AsHaLockable()->StartHa();
  b->AsHaLockable()->StartHa();
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  ASSERT_TRUE(a->Put("k", "1"));
  // The pause, as the database sees it: the row's TTL ran out.
  Sql("UPDATE " + t.ha + " SET valid_until = NOW() - INTERVAL '1 second'");
  auto lock_b = MustAcquire(*b, "node-b");
  ASSERT_TRUE(lock_b);
  EXPECT_FALSE(lock_a->Lost());
  ExpectRefused(a->AsTransactional()->Commit(std::vector<Operation>{
                    Operation{Operation::Kind::kPut, "k", "stale"},
                    Operation{Operation::Kind::kDelete, "k", ""},
                    Operation{Operation::Kind::kPut, "stale", "x"}}),
                "fenced");
  EXPECT_TRUE(lock_a->Lost());
  EXPECT_EQ(Read(*b, "k"), "1");
  EXPECT_FALSE(Read(*b, "stale").has_value());
  ASSERT_TRUE(b->Put("k", "b"));
  EXPECT_FALSE(lock_b->Lost());
}

// The same pause with a's renewal running: whether it runs before or after b took the lock, it
// never takes the lock back; a finds out it lost it, b keeps it.
TEST(PgHa, RenewalNeverStealsBackARetakenLock) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t, "30s", "300ms"), b = Node(t);
  ASSERT_TRUE(a && b);
  a->AsHaLockable()->StartHa();
  b->AsHaLockable()->StartHa();
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  Sql("UPDATE " + t.ha + " SET valid_until = NOW() - INTERVAL '1 second'");
  auto lock_b = MustAcquire(*b, "node-b");
  ASSERT_TRUE(lock_b);
  const std::string b_identity = Sql("SELECT ha_identity FROM " + t.ha);
  // The local deadline is 20 s away: only the renewal's refusal can end a's hold this soon.
  EXPECT_TRUE(lock_a->WaitLost(seconds(3)));
  const auto until = std::chrono::steady_clock::now() + seconds(1);
  while (std::chrono::steady_clock::now() < until) {
    EXPECT_EQ(Sql("SELECT ha_identity FROM " + t.ha + " WHERE valid_until > NOW()"), b_identity);
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_FALSE(lock_b->Lost());
  ASSERT_TRUE(b->Put("k", "b"));
  ExpectRefused(a->Put("k", "a"), "standby");
}

// Expired but not retaken: the renewal does not revive it either (OpenBao's fix, stricter: the
// renewal needs the row unexpired).
TEST(PgHa, RenewalNeverRevivesAnExpiredLock) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t, "30s", "300ms");
  ASSERT_TRUE(a);
  a->AsHaLockable()->StartHa();
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  Sql("UPDATE " + t.ha + " SET valid_until = NOW() - INTERVAL '1 second'");
  // The local deadline is 20 s away: only the renewal's refusal can end it this soon.
  EXPECT_TRUE(lock_a->WaitLost(seconds(3)));
  EXPECT_EQ(Sql("SELECT count(*) FROM " + t.ha + " WHERE valid_until > NOW()"), "0");
  auto holder = a->AsHaLockable()->Holder();
  ASSERT_TRUE(holder);
  EXPECT_FALSE(holder->has_value());
  ExpectRefused(a->Put("k", "v"), "standby");
}

TEST(PgHa, TruncateOfTheLockTableIsNoticedAndWritesRefused) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t, "30s", "300ms"), b = Node(t, "30s", "19s");
  ASSERT_TRUE(a && b);
  a->AsHaLockable()->StartHa();
  b->AsHaLockable()->StartHa();
  // b holds, with renewals far apart: its next write meets the truncated table.
  auto lock_b = MustAcquire(*b, "node-b");
  ASSERT_TRUE(lock_b);
  ASSERT_TRUE(b->Put("k", "1"));
  Sql("TRUNCATE " + t.ha);
  ExpectRefused(b->Put("k", "2"), "fenced");
  EXPECT_TRUE(lock_b->Lost());
  EXPECT_EQ(Read(*b, "k"), "1");
  // a holds, renewing every 300 ms: it notices the TRUNCATE without writing.
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  ASSERT_TRUE(a->Put("k", "a"));
  Sql("TRUNCATE " + t.ha);
  EXPECT_TRUE(lock_a->WaitLost(seconds(3)));
  ExpectRefused(a->Put("k", "a2"), "standby");
  EXPECT_EQ(Read(*a, "k"), "a");
}

// Why the fence holds against a race: a write whose fence has passed keeps the lock row
// KEY SHARE-locked until it commits, so a takeover (which deletes the expired row) waits for
// it; the holder's renewal (an UPDATE of a non-key column) does not. Here a connection plays the
// in-flight write by running the same fence statement inside an open transaction.
TEST(PgHa, ATakeoverWaitsForAnInFlightFencedWriteButRenewalDoesNot) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t, "3s", "300ms"), b = Node(t);
  ASSERT_TRUE(a && b);
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  const std::string identity = Sql("SELECT ha_identity FROM " + t.ha);
  auto conn = PgConn::Open(PgUrl(), "");
  ASSERT_TRUE(conn) << conn.error().ToString();
  auto run = [&](const std::string& sql) {
    auto [rows, error] = (*conn)->Run(PgStatement{.sql = sql});
    EXPECT_FALSE(error) << (error ? error->message : "");
    return rows;
  };
  run("BEGIN");
  auto fenced = run("SELECT 1 / count(*) FROM (SELECT 1 FROM " + t.ha +
                    " WHERE ha_key = 'core/lock' AND ha_identity = '" + identity +
                    "' AND valid_until > NOW() FOR KEY SHARE) AS held");
  ASSERT_EQ(fenced.rows.size(), 1u);
  // Renewals go on while the "write" is open: the row's TTL keeps moving.
  const std::string before = Sql("SELECT valid_until FROM " + t.ha);
  const auto until = std::chrono::steady_clock::now() + seconds(3);
  while (Sql("SELECT valid_until FROM " + t.ha) == before &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_NE(Sql("SELECT valid_until FROM " + t.ha), before) << "renewal blocked by the fence";
  EXPECT_FALSE(lock_a->Lost());
  // a stops renewing (released locally without deleting the row is not possible: expire it as a
  // pause would) and b tries to take over: it must wait for the open "write".
  Sql("UPDATE " + t.ha + " SET valid_until = NOW() - INTERVAL '1 second' WHERE ha_identity = '" +
      identity + "'");
  std::atomic<bool> stop_b{false};
  auto fut = std::async(std::launch::async,
                        [&] { return b->AsHaLockable()->Acquire("node-b", stop_b); });
  EXPECT_EQ(fut.wait_for(milliseconds(700)), std::future_status::timeout)
      << "the takeover did not wait for the in-flight fenced write";
  run("COMMIT");
  ASSERT_EQ(fut.wait_for(seconds(3)), std::future_status::ready);
  auto lock_b = fut.get();
  ASSERT_TRUE(lock_b && *lock_b);
}

TEST(PgHa, LocalDeadlineEndsTheHoldWhenTheDatabaseIsUnreachable) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t, "3s");
  ASSERT_TRUE(a);
  a->AsHaLockable()->StartHa();
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  Pg().Stop();
  const auto stopped = std::chrono::steady_clock::now();
  // Lost by the local deadline (last renewal + 3s - 1s), before the row's TTL would end.
  EXPECT_TRUE(lock_a->WaitLost(seconds(4)));
  EXPECT_LE(std::chrono::steady_clock::now() - stopped, milliseconds(2500));
  ASSERT_TRUE(Pg().Start());
  ExpectRefused(a->Put("k", "v"), "standby");
}

TEST(PgHa, AcquireReturnsNullWhenStopped) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t), b = Node(t);
  ASSERT_TRUE(a && b);
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  std::atomic<bool> stop_b{false};
  auto fut = std::async(std::launch::async,
                        [&] { return b->AsHaLockable()->Acquire("node-b", stop_b); });
  EXPECT_EQ(fut.wait_for(milliseconds(500)), std::future_status::timeout);
  stop_b = true;
  ASSERT_EQ(fut.wait_for(seconds(2)), std::future_status::ready);
  auto r = fut.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, nullptr);
  auto holder = a->AsHaLockable()->Holder();
  ASSERT_TRUE(holder && *holder);
  EXPECT_EQ((*holder)->value, "node-a");
}

TEST(PgHa, OnlyOneOfManyCampaignersWins) {
  REQUIRE_PG();
  Tables t;
  constexpr int kNodes = 5;
  std::vector<std::unique_ptr<Backend>> nodes;
  for (int i = 0; i < kNodes; ++i) nodes.push_back(Node(t));
  std::atomic<bool> stop{false};
  std::vector<std::future<Result<std::unique_ptr<HaLock>>>> futs;
  for (int i = 0; i < kNodes; ++i) {
    futs.push_back(std::async(std::launch::async, [&, i] {
      return nodes[i]->AsHaLockable()->Acquire("n" + std::to_string(i), stop);
    }));
  }
  // Exactly one wins; the others keep campaigning until stopped.
  int winner = -1;
  const auto until = std::chrono::steady_clock::now() + seconds(5);
  while (winner < 0 && std::chrono::steady_clock::now() < until) {
    for (int i = 0; i < kNodes; ++i) {
      if (futs[i].wait_for(milliseconds(10)) == std::future_status::ready) winner = i;
    }
  }
  ASSERT_GE(winner, 0);
  std::this_thread::sleep_for(milliseconds(300));  // give a second winner the chance to appear
  for (int i = 0; i < kNodes; ++i) {
    if (i != winner) EXPECT_EQ(futs[i].wait_for(milliseconds(0)), std::future_status::timeout);
  }
  stop = true;
  auto won = futs[winner].get();
  ASSERT_TRUE(won && *won);
  for (int i = 0; i < kNodes; ++i) {
    if (i == winner) continue;
    auto r = futs[i].get();
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, nullptr);
  }
}

TEST(PgHa, FencedConcurrentWritesAllFailOnceDeposed) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t, "30s", "19s"), b = Node(t);
  ASSERT_TRUE(a && b);
  a->AsHaLockable()->StartHa();
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 10; ++j) {
        if (!a->Put("w/" + std::to_string(i) + "/" + std::to_string(j), "v")) ++failed;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  auto holder = b->AsHaLockable()->Holder();
  ASSERT_TRUE(holder && *holder);
  ASSERT_TRUE(b->AsHaLockable()->Depose((*holder)->id));
  std::atomic<int> landed{0};
  threads.clear();
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (a->Put("late/" + std::to_string(i), "x")) ++landed;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(landed.load(), 0);
  auto listed = b->List("");
  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed, std::vector<std::string>{"w/"});
  // ReplaceAll of a deposed holder: refused, nothing replaced.
  ExpectRefused(a->AsSnapshottable()->ReplaceAll(
                    [](std::string*, std::string*) -> Result<bool> { return false; }),
                "standby");
  EXPECT_EQ(*b->List(""), std::vector<std::string>{"w/"});
}

TEST(PgHa, ReplaceAllOfTheHolderIsFencedAtCommit) {
  REQUIRE_PG();
  Tables t;
  auto a = Node(t, "30s", "19s"), b = Node(t);
  ASSERT_TRUE(a && b);
  a->AsHaLockable()->StartHa();
  auto lock_a = MustAcquire(*a, "node-a");
  ASSERT_TRUE(lock_a);
  ASSERT_TRUE(a->Put("keep", "1"));
  const std::string id = (*b->AsHaLockable()->Holder())->id;
  int n = 0;
  // The hold ends while the load runs: the commit's fence refuses it all.
  Status s = a->AsSnapshottable()->ReplaceAll([&](std::string* k, std::string* v) -> Result<bool> {
    if (n == 1200) {
      EXPECT_TRUE(b->AsHaLockable()->Depose(id));
      return false;
    }
    *k = "r/" + std::to_string(n++);
    *v = "v";
    return true;
  });
  ExpectRefused(s, "fenced");
  EXPECT_EQ(Read(*b, "keep"), "1");
  EXPECT_FALSE(Read(*b, "r/0").has_value());
}

}  // namespace
}  // namespace arca::storage::postgresql
