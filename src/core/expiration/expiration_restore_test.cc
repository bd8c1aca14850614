// Restart behaviour: restore from the index, crash leftovers, tidy.
#include <gtest/gtest.h>

#include "core/expiration/expiration_manager.h"
#include "core/expiration/expiration_test_util.h"

namespace arca::core {
namespace {

using testing::Backend;
using testing::Clock;
using testing::kStart;
using testing::NewManager;
using testing::SecretWith;

bool Exists(logical::Storage& s, std::string_view key) {
  auto v = s.Get(key);
  return v && v->has_value();
}

TEST(ExpirationRestoreTest, RestartRevokesOverdueLeasesExactlyOnce) {
  logical::InmemStorage storage;
  Backend backend;
  Clock clock;
  std::vector<std::string> overdue, future;
  {
    auto m = NewManager(storage, backend, clock);
    for (int i = 0; i < 30; ++i) {
      auto e = m->Register("db/creds/" + std::to_string(i % 3), SecretWith(10 + i), "tok", "a");
      ASSERT_TRUE(e);
      overdue.push_back(e->lease_id);
    }
    for (int i = 0; i < 10; ++i) {
      auto e = m->Register("db/creds/x", SecretWith(100000), "", "a");
      ASSERT_TRUE(e);
      future.push_back(e->lease_id);
    }
    // Renewed lease: only its new expiry counts.
    auto renewed = m->Register("db/creds/r", SecretWith(10), "", "a");
    ASSERT_TRUE(renewed);
    backend.renew_ttl = std::chrono::seconds(100000);
    ASSERT_TRUE(m->Renew(renewed->lease_id, std::chrono::seconds(0)));
    future.push_back(renewed->lease_id);
  }  // "crash": the manager goes away, storage stays
  EXPECT_EQ(backend.Calls(), 0);

  clock.Advance(1000);
  auto m = NewManager(storage, backend, clock);
  ASSERT_TRUE(m->Restore());
  ASSERT_TRUE(testing::WaitFor([&] { return backend.TotalRevoked() == 30; }));
  m->Stop();
  for (const auto& id : overdue) {
    EXPECT_EQ(backend.revoked[id], 1) << id;
    EXPECT_FALSE(Exists(storage, LeaseEntryKey(id)));
  }
  for (const auto& id : future) {
    EXPECT_EQ(backend.revoked.count(id), 0u) << id;
    EXPECT_TRUE(Exists(storage, LeaseEntryKey(id)));
  }
  // A second restart finds only the future leases.
  auto again = NewManager(storage, backend, clock);
  ASSERT_TRUE(again->Restore());
  EXPECT_EQ(*again->Count("all"), 11);
  again->Stop();
  EXPECT_EQ(backend.TotalRevoked(), 30);
}

TEST(ExpirationRestoreTest, IrrevocableCountSurvivesRestart) {
  logical::InmemStorage storage;
  Backend backend;
  Clock clock;
  ExpirationOptions o;
  o.max_revoke_attempts = 1;
  {
    auto m = NewManager(storage, backend, clock, o);
    ASSERT_TRUE(m->Register("db/creds/ro", SecretWith(1), "", "a"));
    backend.fail_all = true;
    clock.Advance(1);
    EXPECT_EQ(m->RunDue(), 1u);
    EXPECT_EQ(*m->Count("irrevocable"), 1);
  }
  auto m = NewManager(storage, backend, clock, o);
  ASSERT_TRUE(m->Restore());
  EXPECT_EQ(*m->Count("irrevocable"), 1);
  EXPECT_EQ(m->ScheduledCount(), 0u);
  m->Stop();
  EXPECT_EQ(backend.Calls(), 1);
}

TEST(ExpirationRestoreTest, RestoreReleasesMappedMemoryAsItScans) {
  logical::InmemStorage storage;
  Backend backend;
  Clock clock;
  {
    auto m = NewManager(storage, backend, clock);
    for (int i = 0; i < 25; ++i) {
      ASSERT_TRUE(m->Register("kv/x", SecretWith(3600 + i), "", "l" + std::to_string(i)));
    }
  }
  ExpirationOptions o;
  int releases = 0;
  o.release_memory = [&releases] { ++releases; };
  o.release_memory_every = 10;
  auto m = NewManager(storage, backend, clock, o);
  ASSERT_TRUE(m->Restore());
  EXPECT_EQ(m->ScheduledCount(), 25u);
  // At least twice during the scan (every 10 keys, counted per bucket) and once at the end.
  EXPECT_GE(releases, 2);
  EXPECT_LE(releases, 26);
  m->Stop();
}

TEST(ExpirationRestoreTest, CrashLeftoversAreIgnoredAndTidied) {
  logical::InmemStorage storage;
  Backend backend;
  Clock clock;
  auto m = NewManager(storage, backend, clock);
  auto live = m->Register("db/creds/ro", SecretWith(50), "tok", "a");
  ASSERT_TRUE(live);
  // A Register that crashed after its index keys, before its entry.
  ASSERT_TRUE(storage.Put(DueKey(kStart + 5, "db/creds/ro/ghost"), ""));
  ASSERT_TRUE(storage.Put(TokenIndexKey("tok", "db/creds/ro/ghost"), ""));
  // A Renew that crashed before removing the old due key of the live lease.
  ASSERT_TRUE(storage.Put(DueKey(kStart + 5, live->lease_id), ""));
  // Garbage in the index.
  ASSERT_TRUE(storage.Put("due/170000/garbage", ""));
  ASSERT_TRUE(storage.Put(IrrevocableKey("db/creds/ro/gone"), ""));

  // A restart: stale keys are scheduled, met and dropped without any revocation.
  auto fresh = NewManager(storage, backend, clock);
  ASSERT_TRUE(fresh->Restore());
  EXPECT_EQ(*fresh->Count("irrevocable"), 1);  // counted from the index until Tidy
  clock.Advance(5);
  fresh->Wake();
  ASSERT_TRUE(testing::WaitFor([&] {
    return !Exists(storage, DueKey(kStart + 5, "db/creds/ro/ghost")) &&
           !Exists(storage, DueKey(kStart + 5, live->lease_id));
  }));
  fresh->Stop();
  EXPECT_EQ(backend.Calls(), 0);
  EXPECT_TRUE(Exists(storage, LeaseEntryKey(live->lease_id)));
  EXPECT_TRUE(Exists(storage, DueKey(live->expire_time, live->lease_id)));

  // Tidy removes what is left: the ghost's token key, garbage, the orphan irrevocable key.
  auto tidy = fresh->Tidy();
  ASSERT_TRUE(tidy) << tidy.error().ToString();
  EXPECT_EQ(tidy->leases_checked, 1);
  EXPECT_EQ(tidy->stale_index_removed, 3);
  EXPECT_EQ(tidy->due_index_repaired, 0);
  EXPECT_FALSE(Exists(storage, TokenIndexKey("tok", "db/creds/ro/ghost")));
  EXPECT_FALSE(Exists(storage, "due/170000/garbage"));
  EXPECT_FALSE(Exists(storage, IrrevocableKey("db/creds/ro/gone")));
  EXPECT_TRUE(Exists(storage, TokenIndexKey("tok", live->lease_id)));
  EXPECT_EQ(*fresh->Count("irrevocable"), 0);
}

TEST(ExpirationRestoreTest, TidyRepairsALostDueKeyAndRevokesLeasesOfMissingTokens) {
  logical::InmemStorage storage;
  Backend backend;
  Clock clock;
  ExpirationOptions o;
  o.token_valid = [](std::string_view hash) { return hash != "dead"; };
  auto m = NewManager(storage, backend, clock, o);
  auto lost = m->Register("db/creds/ro", SecretWith(10), "alive", "a");
  auto orphan = m->Register("db/creds/ro", SecretWith(1000), "dead", "a");
  auto dead_auth = m->RegisterAuth("auth/token/create", "dead", std::chrono::seconds(100), true,
                                   "t");
  ASSERT_TRUE(lost && orphan && dead_auth);
  ASSERT_TRUE(storage.Delete(DueKey(lost->expire_time, lost->lease_id)));
  m = NewManager(storage, backend, clock, o);  // restart: the lost lease is not scheduled
  auto st = m->Tidy();
  ASSERT_TRUE(st) << st.error().ToString();
  EXPECT_EQ(st->leases_checked, 3);
  EXPECT_EQ(st->due_index_repaired, 1);
  EXPECT_EQ(st->revoked_dead_token, 2);
  EXPECT_EQ(backend.revoked[orphan->lease_id], 1);
  EXPECT_EQ(backend.revoked.count(dead_auth->lease_id), 0u);  // token already gone
  EXPECT_TRUE(Exists(storage, DueKey(lost->expire_time, lost->lease_id)));
  clock.Advance(10);
  EXPECT_EQ(m->RunDue(), 1u);
  EXPECT_EQ(backend.revoked[lost->lease_id], 1);
}

}  // namespace
}  // namespace arca::core
