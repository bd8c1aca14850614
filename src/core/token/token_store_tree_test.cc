// TokenStore: the parent/child tree, revoke-orphan, use limits, renewal rules, batch tokens and
// tidy, against an in-memory view.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "common/encoding.h"
#include "core/token/token_batch.h"
#include "core/token/token_store.h"
#include "logical/storage.h"

namespace arca::core {
namespace {

using std::chrono::seconds;

class TokenTree : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.Setup());
    store_.SetRevokeHook([this](const TokenEntry& e) { revoked_.push_back(e.id_hash); });
    root_ = *store_.CreateRootToken();
    root_hash_ = Entry(root_)->id_hash;
  }
  std::shared_ptr<const TokenEntry> Entry(const std::string& token) {
    auto e = store_.Lookup(token);
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? *e : nullptr;
  }
  // A service child of `parent` ("" = orphan).
  std::string Child(const std::string& parent, TokenEntry e = {}) {
    if (e.policies.empty()) e.policies = {"default"};
    e.parent = parent.empty() ? "" : Entry(parent)->id_hash;
    auto t = store_.CreateToken(e);
    EXPECT_TRUE(t) << t.error().ToString();
    return t ? *t : "";
  }
  std::string HashOf(const std::string& token) { return Entry(token)->id_hash; }
  size_t Keys(const std::string& prefix) {
    auto k = view_.List(prefix);
    return k ? k->size() : 0;
  }
  // Overwrites a stored entry (to simulate expiry or a crash).
  void Patch(const std::string& hash, void (*f)(TokenEntry&)) {
    auto v = logical::GetJson(view_, "id/" + hash);
    ASSERT_TRUE(v && *v);
    auto e = TokenEntry::FromStorageJson((*v)->as_object());
    ASSERT_TRUE(e);
    f(*e);
    ASSERT_TRUE(logical::PutJson(view_, "id/" + hash, e->ToStorageJson()));
  }

  logical::InmemStorage view_;
  TokenStore store_{view_};
  std::vector<std::string> revoked_;
  std::string root_, root_hash_;
};

TEST_F(TokenTree, ChildRecordsParentAndIndex) {
  std::string a = Child(root_);
  auto e = Entry(a);
  EXPECT_EQ(e->parent, root_hash_);
  EXPECT_FALSE(e->orphan);
  EXPECT_EQ(*store_.ListChildren(root_hash_), std::vector<std::string>{e->id_hash});
  std::string o = Child("");
  EXPECT_TRUE(Entry(o)->orphan);
  EXPECT_TRUE(Entry(o)->parent.empty());
  EXPECT_EQ(store_.ListChildren(root_hash_)->size(), 1u);  // orphans are not indexed
}

TEST_F(TokenTree, RevokeTakesTheSubtreeChildrenFirst) {
  std::string a = Child(root_), b = Child(a), c = Child(a), d = Child(b), o = Child("");
  std::string ha = HashOf(a), hb = HashOf(b), hc = HashOf(c), hd = HashOf(d);
  ASSERT_TRUE(Entry(d));  // cached now: revocation must drop the cached entry too
  ASSERT_TRUE(store_.Revoke(a));
  for (const auto& t : {a, b, c, d}) EXPECT_FALSE(*store_.Lookup(t)) << t;
  EXPECT_TRUE(Entry(o));
  EXPECT_TRUE(Entry(root_));
  // The hook ran once per token, every child before its parent.
  ASSERT_EQ(revoked_.size(), 4u);
  auto pos = [&](const std::string& h) {
    return std::find(revoked_.begin(), revoked_.end(), h) - revoked_.begin();
  };
  EXPECT_LT(pos(hd), pos(hb));
  EXPECT_LT(pos(hb), pos(ha));
  EXPECT_LT(pos(hc), pos(ha));
  // Nothing of them is left in storage: entries, accessors, child indexes.
  EXPECT_EQ(Keys("id/"), 2u);  // root + orphan
  EXPECT_EQ(Keys("accessor/"), 2u);
  EXPECT_EQ(Keys("parent/"), 0u);
  // Revoking again, or an unknown token, succeeds and changes nothing.
  ASSERT_TRUE(store_.Revoke(a));
  ASSERT_TRUE(store_.Revoke("hvs.unknown"));
  EXPECT_EQ(revoked_.size(), 4u);
}

TEST_F(TokenTree, DeepChainIsRevokedIteratively) {
  std::string parent = root_;
  std::string first;
  for (int i = 0; i < 300; ++i) {
    parent = Child(parent);
    if (i == 0) first = parent;
  }
  ASSERT_TRUE(store_.Revoke(first));
  EXPECT_EQ(revoked_.size(), 300u);
  EXPECT_FALSE(*store_.Lookup(parent));
  EXPECT_EQ(Keys("id/"), 1u);
}

TEST_F(TokenTree, CreateUnderRevokedParentFails) {
  std::string a = Child(root_);
  TokenEntry e;
  e.policies = {"default"};
  e.parent = HashOf(a);
  ASSERT_TRUE(store_.Revoke(a));
  auto t = store_.CreateToken(e);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(Keys("id/"), 1u);  // nothing stored
  e.type = "batch";
  EXPECT_FALSE(store_.CreateToken(e));
}

TEST_F(TokenTree, NoChildOutlivesAParentRevokedConcurrently) {
  std::string p = Child(root_);
  TokenEntry e;
  e.policies = {"default"};
  e.parent = HashOf(p);
  std::vector<std::string> created;
  std::atomic<bool> go{false};
  std::thread creator([&] {
    while (!go) std::this_thread::yield();
    for (int i = 0; i < 40; ++i) {
      if (auto t = store_.CreateToken(e)) created.push_back(*t);
    }
  });
  go = true;
  ASSERT_TRUE(store_.Revoke(p));
  creator.join();
  for (const auto& t : created) EXPECT_FALSE(*store_.Lookup(t));
  EXPECT_EQ(Keys("id/"), 1u);  // only the root token is left
  EXPECT_EQ(Keys("parent/"), 0u);
}

TEST_F(TokenTree, RevokeOrphanKeepsTheChildren) {
  std::string p = Child(root_), c1 = Child(p), c2 = Child(p), g = Child(c2);
  std::string hp = HashOf(p), hc2 = HashOf(c2);
  ASSERT_TRUE(Entry(c1));  // cached: the cache must see the new parentless entry
  ASSERT_TRUE(store_.RevokeOrphan(hp));
  EXPECT_FALSE(*store_.Lookup(p));
  EXPECT_EQ(revoked_, std::vector<std::string>{hp});
  for (const auto& t : {c1, c2}) {
    auto e = Entry(t);
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->orphan);
    EXPECT_TRUE(e->parent.empty());
  }
  EXPECT_EQ(Entry(g)->parent, hc2);  // grandchildren keep their parent
  EXPECT_TRUE(store_.ListChildren(hp)->empty());
  ASSERT_TRUE(store_.Revoke(c2));
  EXPECT_FALSE(*store_.Lookup(g));
  EXPECT_TRUE(Entry(c1));
  ASSERT_TRUE(store_.RevokeOrphan("no-such-hash"));
}

TEST_F(TokenTree, LastUseRevokesTheSubtree) {
  TokenEntry limited;
  limited.num_uses = 2;
  std::string t = Child(root_, limited);
  std::string kid = Child(t);
  ASSERT_TRUE(store_.UseToken(t, *Entry(t)));
  EXPECT_EQ(Entry(t)->num_uses, 1);
  ASSERT_TRUE(store_.UseToken(t, *Entry(t)));
  EXPECT_FALSE(*store_.Lookup(t));
  EXPECT_FALSE(*store_.Lookup(kid));
  EXPECT_EQ(revoked_.size(), 2u);
}

TEST_F(TokenTree, CustomIds) {
  TokenEntry e;
  e.policies = {"default"};
  EXPECT_EQ(*store_.CreateToken(e, "my-token"), "my-token");
  auto dup = store_.CreateToken(e, "my-token");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_FALSE(store_.CreateToken(e, "has.dot"));
  e.type = "batch";
  EXPECT_FALSE(store_.CreateToken(e, "batch-id"));
}

TEST_F(TokenTree, RenewRules) {
  struct Case {
    const char* name;
    int64_t ttl, period, explicit_max, increment, max_ttl;
    int64_t want_min, want_max;  // expected remaining TTL range (clock may tick)
  };
  const Case cases[] = {
      {"increment", 100, 0, 0, 500, 0, 499, 500},
      {"default increment is the ttl", 100, 0, 0, 0, 0, 99, 100},
      {"capped by max ttl", 100, 0, 0, 5000, 300, 299, 300},
      {"capped by explicit max", 100, 0, 200, 5000, 0, 199, 200},
      {"period resets, ignores increment and max", 50, 50, 0, 5000, 10, 49, 50},
      {"period capped by explicit max", 50, 50, 20, 0, 0, 19, 20},
  };
  for (const auto& c : cases) {
    TokenEntry e;
    e.policies = {"default"};
    e.ttl = seconds(c.ttl);
    e.period = seconds(c.period);
    e.explicit_max_ttl = seconds(c.explicit_max);
    std::string t = *store_.CreateToken(e);
    auto r = store_.Renew(t, seconds(c.increment), seconds(c.max_ttl));
    ASSERT_TRUE(r) << c.name << ": " << r.error().ToString();
    EXPECT_GE(r->count(), c.want_min) << c.name;
    EXPECT_LE(r->count(), c.want_max) << c.name;
    // The cached entry saw the renewal.
    EXPECT_GE(Entry(t)->expire_time, UnixNow() + c.want_min) << c.name;
  }
  TokenEntry fixed;
  fixed.policies = {"default"};
  fixed.ttl = seconds(100);
  fixed.renewable = false;
  std::string t = *store_.CreateToken(fixed);
  int64_t before = Entry(t)->expire_time;
  EXPECT_FALSE(store_.Renew(t, seconds(500), seconds(0)));
  EXPECT_EQ(Entry(t)->expire_time, before);                    // nothing changed
  EXPECT_FALSE(store_.Renew(root_, seconds(10), seconds(0)));  // no TTL
  EXPECT_FALSE(store_.Renew("hvs.unknown", seconds(10), seconds(0)));
}

TEST_F(TokenTree, BatchTokens) {
  std::string parent = Child(root_);
  size_t stored = view_.size();
  TokenEntry e;
  e.type = "batch";
  e.policies = {"default", "p"};
  e.ttl = seconds(600);
  e.parent = HashOf(parent);
  auto token = store_.CreateToken(e);
  ASSERT_TRUE(token) << token.error().ToString();
  EXPECT_TRUE(token->starts_with("hvb."));
  EXPECT_EQ(view_.size(), stored);  // not stored
  auto got = Entry(*token);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->IsBatch());
  EXPECT_TRUE(got->accessor.empty());
  EXPECT_EQ(got->policies, e.policies);
  EXPECT_FALSE(got->orphan);

  EXPECT_EQ(store_.Revoke(*token).error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(store_.Renew(*token, seconds(1), seconds(0)).error().kind(),
            ErrorKind::kInvalidRequest);
  ASSERT_TRUE(store_.UseToken(*token, *got));  // no use counting for batch tokens

  std::string tampered = *token;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(*store_.Lookup(tampered));

  // An orphan batch token survives the parent; a child batch token does not.
  TokenEntry orphan = e;
  orphan.parent.clear();
  std::string o = *store_.CreateToken(orphan);
  ASSERT_TRUE(store_.Revoke(parent));
  EXPECT_FALSE(*store_.Lookup(*token));
  EXPECT_TRUE(Entry(o));
  EXPECT_TRUE(Entry(o)->orphan);

  // Expired batch tokens are unknown (sealed here directly under the stored key).
  auto key = Base64Decode(**view_.Get("batch_key"));
  ASSERT_TRUE(key);
  TokenEntry old = orphan;
  old.expire_time = UnixNow() - 1;
  std::string expired =
      *SealBatchToken(std::span(reinterpret_cast<const uint8_t*>(key->data()), key->size()), old);
  EXPECT_FALSE(*store_.Lookup(expired));

  // The batch key survives a seal/unseal.
  store_.Reset();
  ASSERT_TRUE(store_.Setup());
  EXPECT_TRUE(Entry(o));
}

TEST_F(TokenTree, TidyRepairsIndexesAndRevokesExpired) {
  std::string keep = Child(root_);
  std::string expired = Child(root_), expired_kid = Child(expired);
  Patch(HashOf(expired), [](TokenEntry& e) { e.expire_time = UnixNow() - 10; });
  std::string lost_parent = Child(root_), stranded = Child(lost_parent);
  std::string hlost = HashOf(lost_parent);
  ASSERT_TRUE(view_.Delete("id/" + hlost));  // a crash half-way through a revocation
  ASSERT_TRUE(view_.Put("accessor/dangling", "no-such-id"));
  ASSERT_TRUE(view_.Put("parent/" + root_hash_ + "/no-such-child", ""));
  std::string reparented = Child(root_);
  ASSERT_TRUE(view_.Put("parent/" + HashOf(keep) + "/" + HashOf(reparented), ""));
  revoked_.clear();

  auto stats = store_.Tidy();
  ASSERT_TRUE(stats) << stats.error().ToString();
  EXPECT_EQ(stats->expired_revoked, 1);
  EXPECT_EQ(stats->orphans_revoked, 1);
  // "no-such-child", the stale index of the re-parented token, the lost parent's own index
  EXPECT_EQ(stats->child_index_removed, 3);
  // "dangling" and the accessor of the lost parent
  EXPECT_EQ(stats->accessors_removed, 2);
  EXPECT_EQ(revoked_.size(), 3u);  // expired, its kid, the stranded child
  EXPECT_FALSE(*store_.Lookup(expired_kid));
  EXPECT_FALSE(*store_.Lookup(stranded));
  EXPECT_TRUE(Entry(keep));
  EXPECT_TRUE(Entry(reparented));
  EXPECT_EQ(*store_.ListChildren(HashOf(keep)), std::vector<std::string>{});

  // A second run finds nothing to do.
  auto again = store_.Tidy();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->expired_revoked + again->orphans_revoked + again->child_index_removed +
                again->accessors_removed,
            0);
  EXPECT_EQ(store_.ListAccessors()->size(), Keys("id/"));
}

}  // namespace
}  // namespace arca::core
