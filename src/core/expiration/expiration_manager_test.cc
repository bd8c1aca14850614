#include "core/expiration/expiration_manager.h"

#include <gtest/gtest.h>

#include "core/expiration/expiration_test_util.h"

namespace arca::core {
namespace {

using testing::Backend;
using testing::Clock;
using testing::kStart;
using testing::NewManager;
using testing::SecretWith;

class ExpirationManagerTest : public ::testing::Test {
 protected:
  ExpirationManagerTest() : m_(NewManager(storage_, backend_, clock_)) {}

  LeaseEntry Reg(std::string path, int64_t ttl, std::string token = "", int64_t max_ttl = 0,
                 bool renewable = true) {
    auto e = m_->Register(path, SecretWith(ttl, max_ttl, renewable), token, "acc1");
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? *e : LeaseEntry{};
  }
  bool Has(const std::string& id) {
    auto e = m_->Lookup(id);
    EXPECT_TRUE(e) << e.error().ToString();
    return e && e->has_value();
  }
  bool Exists(std::string_view key) {
    auto v = storage_.Get(key);
    return v && v->has_value();
  }

  logical::InmemStorage storage_;
  Backend backend_;
  Clock clock_;
  std::unique_ptr<ExpirationManager> m_;
};

TEST_F(ExpirationManagerTest, RegisterPersistsEntryAndIndexes) {
  LeaseEntry e = Reg("/database/creds/ro/", 3600, "tok1");
  ASSERT_TRUE(e.lease_id.starts_with("database/creds/ro/"));
  std::string suffix = e.lease_id.substr(std::string("database/creds/ro/").size());
  EXPECT_EQ(suffix.size(), 24u);
  EXPECT_EQ(suffix.find_first_not_of(
                "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
            std::string::npos);
  EXPECT_EQ(e.path, "database/creds/ro");
  EXPECT_EQ(e.issue_time, kStart);
  EXPECT_EQ(e.expire_time, kStart + 3600);
  EXPECT_EQ(e.max_expire, kStart + 768 * 3600);
  EXPECT_TRUE(Exists(LeaseEntryKey(e.lease_id)));
  EXPECT_TRUE(Exists(DueKey(kStart + 3600, e.lease_id)));
  EXPECT_TRUE(Exists(TokenIndexKey("tok1", e.lease_id)));

  auto found = m_->Lookup(e.lease_id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->mount_accessor, "acc1");
  EXPECT_EQ((*found)->token_hash, "tok1");
  EXPECT_EQ(m_->ScheduledCount(), 1u);
  EXPECT_NE(Reg("database/creds/ro", 10).lease_id, e.lease_id);
}

TEST_F(ExpirationManagerTest, RegisterCapsTtlAndRejectsBadInput) {
  LeaseEntry e = Reg("a/b", 500, "", 100);
  EXPECT_EQ(e.ttl.count(), 100);
  EXPECT_EQ(e.expire_time, kStart + 100);
  LeaseEntry d = Reg("a/b", 0);
  EXPECT_EQ(d.ttl, std::chrono::hours(768));

  size_t before = storage_.size();
  EXPECT_FALSE(m_->Register("", SecretWith(10), "", "x"));
  EXPECT_FALSE(m_->Register("//", SecretWith(10), "", "x"));
  EXPECT_FALSE(m_->Register("a", SecretWith(-1), "", "x"));
  EXPECT_FALSE(m_->Register("a", SecretWith(10, -5), "", "x"));
  EXPECT_FALSE(m_->Register("a", SecretWith(10), "bad/hash", "x"));
  EXPECT_FALSE(m_->RegisterAuth("auth/token/create", "", std::chrono::seconds(10), true, "x"));
  EXPECT_FALSE(m_->RegisterAuth("auth/token/create", "h", std::chrono::seconds(0), true, "x"));
  EXPECT_EQ(storage_.size(), before);
  EXPECT_FALSE(m_->Lookup(""));
}

TEST_F(ExpirationManagerTest, RenewIsCappedByMaxTtl) {
  backend_.renew_ttl = std::chrono::seconds(1000);
  LeaseEntry e = Reg("db/creds/ro", 100, "", 300);
  clock_.Advance(50);
  auto r = m_->Renew(e.lease_id, std::chrono::seconds(1000));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->ttl.count(), 250);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("capped"), std::string::npos);
  auto found = *m_->Lookup(e.lease_id);
  EXPECT_EQ(found->expire_time, kStart + 300);
  EXPECT_EQ(found->last_renewal, kStart + 50);
  EXPECT_FALSE(Exists(DueKey(kStart + 100, e.lease_id)));
  EXPECT_TRUE(Exists(DueKey(kStart + 300, e.lease_id)));
  EXPECT_EQ(m_->ScheduledCount(), 1u);

  // Within the max TTL: the backend's TTL is granted as is.
  backend_.renew_ttl = std::chrono::seconds(20);
  r = m_->Renew(e.lease_id, std::chrono::seconds(0));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ttl.count(), 20);
  EXPECT_TRUE(r->warnings.empty());
  // The old expiry no longer fires.
  clock_.Advance(30);
  EXPECT_EQ(m_->RunDue(), 1u);
  EXPECT_EQ(backend_.TotalRevoked(), 1);
}

TEST_F(ExpirationManagerTest, RenewErrorsChangeNothing) {
  LeaseEntry fixed = Reg("db/creds/ro", 100, "", 0, /*renewable=*/false);
  LeaseEntry ok = Reg("db/creds/ro", 100);
  auto auth = m_->RegisterAuth("auth/token/create", "abc", std::chrono::seconds(100), true, "t");
  ASSERT_TRUE(auth);
  auto snapshot = [&](const std::string& id) { return json::serialize((*m_->Lookup(id))->ToJson()); };
  std::string fixed_before = snapshot(fixed.lease_id), ok_before = snapshot(ok.lease_id);

  struct Case {
    std::string id;
    int64_t increment;
    std::string message;
  };
  const Case cases[] = {
      {"", 0, "lease_id must be specified"},
      {"db/creds/ro/nope", 0, "lease not found"},
      {fixed.lease_id, 0, "lease is not renewable"},
      {auth->lease_id, 0, "tokens cannot be renewed through this endpoint"},
      {ok.lease_id, -1, "increment must not be negative"},
  };
  for (const Case& c : cases) {
    auto r = m_->Renew(c.id, std::chrono::seconds(c.increment));
    ASSERT_FALSE(r) << c.id;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest);
    EXPECT_EQ(r.error().message(), c.message);
  }
  backend_.renew_fails = true;
  EXPECT_FALSE(m_->Renew(ok.lease_id, std::chrono::seconds(10)));
  backend_.renew_fails = false;
  clock_.Advance(100);
  auto expired = m_->Renew(ok.lease_id, std::chrono::seconds(10));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().message(), "lease expired");
  EXPECT_EQ(snapshot(fixed.lease_id), fixed_before);
  EXPECT_EQ(snapshot(ok.lease_id), ok_before);
}

TEST_F(ExpirationManagerTest, RevokeCallsBackendOnceAndDeletesEverything) {
  LeaseEntry e = Reg("db/creds/ro", 100, "tok");
  ASSERT_TRUE(m_->Revoke(e.lease_id));
  EXPECT_EQ(backend_.revoked[e.lease_id], 1);
  EXPECT_EQ(storage_.size(), 0u);
  EXPECT_EQ(m_->ScheduledCount(), 0u);
  EXPECT_FALSE(Has(e.lease_id));
  // Unknown leases succeed without a callback (Vault's behaviour).
  EXPECT_TRUE(m_->Revoke(e.lease_id));
  EXPECT_EQ(backend_.Calls(), 1);
  EXPECT_FALSE(m_->Revoke(""));
}

TEST_F(ExpirationManagerTest, FailedRevokeKeepsLeaseUnlessForced) {
  LeaseEntry e = Reg("db/creds/ro", 100, "tok");
  backend_.fail.insert(e.lease_id);
  auto s = m_->Revoke(e.lease_id);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("failed to revoke lease"), std::string::npos);
  EXPECT_TRUE(Has(e.lease_id));
  EXPECT_TRUE(m_->Revoke(e.lease_id, /*force=*/true));
  EXPECT_FALSE(Has(e.lease_id));
  EXPECT_EQ(storage_.size(), 0u);
}

TEST_F(ExpirationManagerTest, RevokePrefix) {
  LeaseEntry b1 = Reg("a/b", 100), b2 = Reg("a/b", 100), b3 = Reg("a/b/c", 100);
  LeaseEntry c1 = Reg("a/c", 100), ab = Reg("ab", 100), x = Reg("x", 100);
  // A whole lease id revokes only that lease.
  ASSERT_TRUE(m_->RevokePrefix(c1.lease_id, false));
  EXPECT_EQ(backend_.TotalRevoked(), 1);
  // "a/b" is the folder a/b/: three leases, not "ab/...".
  ASSERT_TRUE(m_->RevokePrefix("a/b", false));
  EXPECT_EQ(backend_.TotalRevoked(), 4);
  for (auto* e : {&b1, &b2, &b3}) EXPECT_EQ(backend_.revoked[e->lease_id], 1);
  EXPECT_TRUE(Has(ab.lease_id));
  // Without force the first failure stops; with force everything goes.
  LeaseEntry y1 = Reg("y", 100), y2 = Reg("y", 100);
  backend_.fail_all = true;
  EXPECT_FALSE(m_->RevokePrefix("y/", false));
  EXPECT_TRUE(Has(y1.lease_id));
  EXPECT_TRUE(Has(y2.lease_id));
  ASSERT_TRUE(m_->RevokePrefix("y/", true));
  EXPECT_FALSE(Has(y1.lease_id));
  EXPECT_FALSE(Has(y2.lease_id));
  backend_.fail_all = false;
  // An unknown prefix is fine.
  EXPECT_TRUE(m_->RevokePrefix("nothing/here", false));
  // Async: leases expire now and are revoked by a worker (here RunDue).
  ASSERT_TRUE(m_->RevokePrefix("x", false, /*sync=*/false));
  EXPECT_EQ(backend_.revoked[x.lease_id], 0);
  EXPECT_EQ(m_->RunDue(), 1u);
  EXPECT_EQ(backend_.revoked[x.lease_id], 1);
}

TEST_F(ExpirationManagerTest, RevokeByTokenRevokesOnlyThatTokensLeases) {
  LeaseEntry t1a = Reg("db/creds/ro", 100, "t1"), t1b = Reg("aws/creds/x", 100, "t1");
  LeaseEntry t2 = Reg("db/creds/ro", 100, "t2"), none = Reg("db/creds/ro", 100);
  auto own = m_->RegisterAuth("auth/token/create", "t1", std::chrono::seconds(100), true, "tk");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->lease_id, "auth/token/create/ht1");
  ASSERT_TRUE(m_->RevokeByToken("t1"));
  EXPECT_EQ(backend_.revoked[t1a.lease_id], 1);
  EXPECT_EQ(backend_.revoked[t1b.lease_id], 1);
  EXPECT_EQ(backend_.revoked.count(own->lease_id), 0u);  // the token's own lease: no callback
  EXPECT_FALSE(Has(own->lease_id));
  EXPECT_TRUE(Has(t2.lease_id));
  EXPECT_TRUE(Has(none.lease_id));
  EXPECT_TRUE(m_->RevokeByToken("unknown"));
  EXPECT_FALSE(m_->RevokeByToken(""));
}

TEST_F(ExpirationManagerTest, RevokeByTokenRetriesFailuresInTheBackground) {
  LeaseEntry e = Reg("db/creds/ro", 1000, "t1");
  backend_.fail_first_n = 1;
  EXPECT_FALSE(m_->RevokeByToken("t1"));
  EXPECT_TRUE(Has(e.lease_id));
  clock_.Advance(1);  // first backoff
  EXPECT_EQ(m_->RunDue(), 1u);
  EXPECT_EQ(backend_.revoked[e.lease_id], 1);
  EXPECT_FALSE(Has(e.lease_id));
}

TEST_F(ExpirationManagerTest, TokenLeaseCallbackMayRevokeTheTokensLeases) {
  // The core's callback for a token lease revokes the token, whose hook calls RevokeByToken on
  // the same thread while the token lease is being revoked.
  ExpirationManager* m = m_.get();
  backend_.on_revoke = [m](const LeaseEntry& e) {
    if (e.is_auth) ASSERT_TRUE(m->RevokeByToken(e.token_hash));
  };
  LeaseEntry child = Reg("db/creds/ro", 1000, "t1");
  auto own = m_->RegisterAuth("auth/token/create", "t1", std::chrono::seconds(10), true, "tk");
  ASSERT_TRUE(own);
  clock_.Advance(10);
  EXPECT_EQ(m_->RunDue(), 1u);
  EXPECT_EQ(backend_.revoked[child.lease_id], 1);
  EXPECT_EQ(backend_.revoked[own->lease_id], 1);
  EXPECT_EQ(storage_.size(), 0u);

  auto own2 = m_->RegisterAuth("auth/token/create", "t2", std::chrono::seconds(10), true, "tk");
  LeaseEntry child2 = Reg("db/creds/ro", 1000, "t2");
  ASSERT_TRUE(m_->Revoke(own2->lease_id));
  EXPECT_EQ(backend_.revoked[child2.lease_id], 1);
  EXPECT_EQ(storage_.size(), 0u);
}

TEST_F(ExpirationManagerTest, RenewAuthMovesTheTokenLease) {
  auto own = m_->RegisterAuth("auth/token/create", "t1", std::chrono::seconds(10), true, "tk");
  ASSERT_TRUE(own);
  clock_.Advance(5);
  ASSERT_TRUE(m_->RenewAuth("t1", std::chrono::seconds(100)));
  EXPECT_EQ((*m_->Lookup(own->lease_id))->expire_time, kStart + 105);
  clock_.Advance(10);
  EXPECT_EQ(m_->RunDue(), 0u);  // the old expiry does not fire
  EXPECT_EQ(backend_.Calls(), 0);
  EXPECT_TRUE(m_->RenewAuth("unknown", std::chrono::seconds(5)));
  EXPECT_FALSE(m_->RenewAuth("t1", std::chrono::seconds(0)));
}

TEST_F(ExpirationManagerTest, ListIsOneLevel) {
  LeaseEntry a = Reg("db/creds/ro", 100);
  Reg("db/creds/rw", 100);
  Reg("db/other", 100);
  auto top = m_->List("db");
  ASSERT_TRUE(top);
  EXPECT_EQ(*top, (std::vector<std::string>{"creds/", "other/"}));
  auto ro = m_->List("db/creds/ro/");
  ASSERT_TRUE(ro);
  ASSERT_EQ(ro->size(), 1u);
  EXPECT_EQ("db/creds/ro/" + (*ro)[0], a.lease_id);
  EXPECT_TRUE(m_->List("nothing/")->empty());
}

TEST_F(ExpirationManagerTest, ExpiryFiresAtTheInjectedTime) {
  LeaseEntry e = Reg("db/creds/ro", 10);
  LeaseEntry later = Reg("db/creds/ro", 20);
  clock_.Advance(9);
  EXPECT_EQ(m_->RunDue(), 0u);
  clock_.Advance(1);
  EXPECT_EQ(m_->RunDue(), 1u);
  EXPECT_EQ(backend_.revoked[e.lease_id], 1);
  EXPECT_EQ(backend_.revoked.count(later.lease_id), 0u);
  EXPECT_FALSE(Has(e.lease_id));
  EXPECT_EQ(m_->RunDue(), 0u);
  EXPECT_EQ(backend_.revoked[e.lease_id], 1);
}

TEST_F(ExpirationManagerTest, BackgroundWorkersRevokeDueLeases) {
  ASSERT_TRUE(m_->Restore());
  LeaseEntry e = Reg("db/creds/ro", 5);
  clock_.Advance(5);
  m_->Wake();
  ASSERT_TRUE(testing::WaitFor([&] { return backend_.TotalRevoked() == 1; }));
  ASSERT_TRUE(testing::WaitFor([&] { return !Has(e.lease_id); }));
  m_->Stop();
  EXPECT_EQ(backend_.revoked[e.lease_id], 1);
}

TEST_F(ExpirationManagerTest, FailingRevocationBacksOffThenBecomesIrrevocable) {
  ExpirationOptions o;
  o.max_revoke_attempts = 4;
  m_ = NewManager(storage_, backend_, clock_, o);
  LeaseEntry e = Reg("db/creds/ro", 10);
  LeaseEntry fine = Reg("db/creds/ro", 10);
  backend_.fail.insert(e.lease_id);
  clock_.Advance(10);
  EXPECT_EQ(m_->RunDue(), 2u);  // attempt 1 fails, the other lease goes
  EXPECT_EQ(backend_.revoked[fine.lease_id], 1);
  // Backoff 1 s, 2 s, 4 s: nothing happens before each retry is due.
  for (int64_t wait : {1, 2, 4}) {
    clock_.Advance(wait - 1);
    EXPECT_EQ(m_->RunDue(), 0u) << wait;
    clock_.Advance(1);
    EXPECT_EQ(m_->RunDue(), 1u) << wait;
  }
  EXPECT_EQ(backend_.Calls(), 5);  // 4 attempts + the other lease
  EXPECT_EQ(*m_->Count("irrevocable"), 1);
  EXPECT_EQ(*m_->Count("all"), 1);
  auto found = *m_->Lookup(e.lease_id);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->irrevocable);
  EXPECT_EQ(found->revoke_error, "backend unavailable");
  EXPECT_TRUE(Exists(IrrevocableKey(e.lease_id)));
  EXPECT_FALSE(Exists(DueKey(e.expire_time, e.lease_id)));
  auto listed = m_->ListIrrevocable();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  // No more automatic attempts.
  clock_.Advance(100000);
  EXPECT_EQ(m_->RunDue(), 0u);
  EXPECT_EQ(backend_.Calls(), 5);
  // Revoking by hand still works once the backend recovers.
  backend_.fail.clear();
  ASSERT_TRUE(m_->Revoke(e.lease_id));
  EXPECT_EQ(*m_->Count("irrevocable"), 0);
  EXPECT_EQ(storage_.size(), 0u);
}

TEST_F(ExpirationManagerTest, RetrySucceedsAfterTransientFailures) {
  LeaseEntry e = Reg("db/creds/ro", 10);
  backend_.fail_first_n = 2;
  clock_.Advance(10);
  EXPECT_EQ(m_->RunDue(), 1u);
  clock_.Advance(1);
  EXPECT_EQ(m_->RunDue(), 1u);
  clock_.Advance(2);
  EXPECT_EQ(m_->RunDue(), 1u);
  EXPECT_EQ(backend_.revoked[e.lease_id], 1);
  EXPECT_EQ(*m_->Count("irrevocable"), 0);
  EXPECT_EQ(storage_.size(), 0u);
}

TEST_F(ExpirationManagerTest, CountTypes) {
  Reg("a", 10);
  Reg("b", 10);
  EXPECT_EQ(*m_->Count("all"), 2);
  EXPECT_EQ(*m_->Count(""), 2);
  EXPECT_EQ(*m_->Count("IRREVOCABLE"), 0);
  auto bad = m_->Count("bogus");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidRequest);
}

TEST_F(ExpirationManagerTest, RevokeAsyncExpiresNow) {
  LeaseEntry e = Reg("db/creds/ro", 1000);
  ASSERT_TRUE(m_->RevokeAsync(e.lease_id));
  EXPECT_EQ((*m_->Lookup(e.lease_id))->expire_time, kStart);
  EXPECT_EQ(m_->RunDue(), 1u);
  EXPECT_EQ(backend_.revoked[e.lease_id], 1);
  EXPECT_TRUE(m_->RevokeAsync("unknown/lease"));
  EXPECT_FALSE(m_->RevokeAsync(""));
}

TEST_F(ExpirationManagerTest, ConcurrentRegistersWithRunningWorkers) {
  ASSERT_TRUE(m_->Restore());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(m_->Register("p/" + std::to_string(t), SecretWith(1 + i % 3), "tok", "a"));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(*m_->Count("all"), 200);
  clock_.Advance(3);
  m_->Wake();
  ASSERT_TRUE(testing::WaitFor([&] { return backend_.TotalRevoked() == 200; }));
  m_->Stop();
  for (auto& [id, n] : backend_.revoked) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(storage_.size(), 0u);
}

}  // namespace
}  // namespace arca::core
