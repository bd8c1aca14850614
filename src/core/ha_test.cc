// Core HA against real etcd: two cores on one etcd path. One becomes active, the other stays an
// unsealed standby that serves nothing but the lifecycle paths; step-down and seal hand the
// active role over; the new active node sets itself up from storage (mounts, data, tokens);
// sys/health, sys/leader and sys/ha-status report it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "core/identity/identity_store.h"
#include "core/testing.h"
#include "engines/transit/transit.h"
#include "services/etcd.h"
#include "storage/etcd/etcd_backend.h"

namespace arca::core {
namespace {

using logical::Operation;
using std::chrono::milliseconds;

std::string NewPath() {
  static std::atomic<int> n = 0;
  return "/core-ha/" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "/";
}

std::unique_ptr<Core> HaCore(const std::string& path, const std::string& addr,
                             bool standby_reads = false) {
  auto& etcd = arca::testing::SharedEtcd();
  auto b = storage::etcd::NewEtcdBackend(storage::BackendConfig{{"address", etcd.ClientUrl(0)},
                                                                {"path", path},
                                                                {"ha_enabled", "true"},
                                                                {"lock_timeout", "3s"},
                                                                {"sync", "false"}});
  EXPECT_TRUE(b) << b.error().ToString();
  if (!b) return nullptr;
  CoreConfig cfg;
  cfg.physical = std::move(*b);
  cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
  cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
  cfg.secret_engines["transit"] = engines::transit::NewTransitBackend;
  cfg.disable_standby_reads = !standby_reads;
  cfg.api_addr = addr;
  cfg.cluster_addr = "https://cluster-of-" + addr.substr(7);
  cfg.step_down_wait = milliseconds(300);
  return std::make_unique<Core>(std::move(cfg));
}

Result<logical::Response> Do(Core& core, Operation op, std::string path, json::object data = {},
                             std::string token = "") {
  logical::Request req;
  req.operation = op;
  req.path = std::move(path);
  req.data = std::move(data);
  req.client_token = std::move(token);
  return core.HandleRequest(req);
}

Result<logical::Response> DoReq(Core& core, logical::Request req) { return core.HandleRequest(req); }

// Polls for up to 15 s (a lease TTL of 3 s plus a loaded machine).
template <class Pred>
bool Within15s(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

int HealthCode(Core& core, json::object query = {}) {
  auto r = Do(core, Operation::kRead, "sys/health", std::move(query));
  if (!r || !r->raw) return 0;
  return r->raw->status;
}

class CoreHaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(arca::testing::SharedEtcd().ok()) << arca::testing::SharedEtcd().error();
    const std::string path = NewPath();
    a_ = HaCore(path, "http://node-a:8200");
    b_ = HaCore(path, "http://node-b:8200");
    ASSERT_TRUE(a_ && b_);
    auto init = a_->Initialize({1, 1});
    ASSERT_TRUE(init) << init.error().ToString();
    keys_ = init->keys_hex;
    root_ = init->root_token;
    ASSERT_TRUE(a_->UnsealWithKeys(keys_));
    ASSERT_TRUE(Within15s([&] { return a_->GetHaStatus().active; }));
    ASSERT_TRUE(b_->UnsealWithKeys(keys_));
  }
  void TearDown() override {
    b_.reset();
    a_.reset();
  }

  std::unique_ptr<Core> a_, b_;
  std::vector<std::string> keys_;
  std::string root_;
};

TEST_F(CoreHaTest, OneActiveNodeAndAnUnsealedStandbyThatServesOnlyLifecyclePaths) {
  EXPECT_TRUE(a_->HaEnabled());
  EXPECT_FALSE(a_->IsStandby());
  EXPECT_FALSE(b_->Sealed());
  EXPECT_TRUE(b_->IsStandby());
  Core::HaStatus sb = b_->GetHaStatus();
  EXPECT_TRUE(sb.enabled);
  EXPECT_TRUE(sb.standby);
  EXPECT_FALSE(sb.active);
  ASSERT_TRUE(sb.leader.has_value());
  EXPECT_EQ(sb.leader->api_addr, "http://node-a:8200");
  EXPECT_EQ(sb.leader->cluster_addr, "https://cluster-of-node-a:8200");
  EXPECT_FALSE(sb.leader->holder_id.empty());

  // The active node serves; the standby refuses with Vault's message (503).
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv/x", {{"v", "1"}}, root_));
  auto refused = Do(*b_, Operation::kRead, "kv/x", {}, root_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status(), 503);
  EXPECT_EQ(refused.error().message(), "local node not active but active cluster node not found");

  // sys/health: 200 active; 429 standby, or activecode with standbyok, or a chosen standbycode.
  EXPECT_EQ(HealthCode(*a_), 200);
  EXPECT_EQ(HealthCode(*b_), 429);
  EXPECT_EQ(HealthCode(*b_, {{"standbyok", true}}), 200);
  EXPECT_EQ(HealthCode(*b_, {{"standbycode", 299}}), 299);
  auto health = Do(*b_, Operation::kRead, "sys/health");
  ASSERT_TRUE(health);
  json::object hb = ParseRaw(*health);
  EXPECT_TRUE(hb.at("standby").as_bool());
  EXPECT_FALSE(hb.at("sealed").as_bool());
  EXPECT_FALSE(hb.at("cluster_name").as_string().empty());  // a standby knows its cluster

  // sys/leader on both.
  auto la = Do(*a_, Operation::kRead, "sys/leader");
  auto lb = Do(*b_, Operation::kRead, "sys/leader");
  ASSERT_TRUE(la && lb);
  json::object ja = ParseRaw(*la), jb = ParseRaw(*lb);
  EXPECT_TRUE(ja.at("ha_enabled").as_bool());
  EXPECT_TRUE(ja.at("is_self").as_bool());
  EXPECT_NE(ja.at("active_time").as_string(), "0001-01-01T00:00:00Z");
  EXPECT_EQ(ja.at("leader_address").as_string(), "http://node-a:8200");
  EXPECT_FALSE(jb.at("is_self").as_bool());
  EXPECT_EQ(jb.at("active_time").as_string(), "0001-01-01T00:00:00Z");
  EXPECT_EQ(jb.at("leader_address").as_string(), "http://node-a:8200");
  EXPECT_EQ(jb.at("leader_cluster_address").as_string(), "https://cluster-of-node-a:8200");

  // sys/ha-status on the active node: itself, and a standby once it echoed.
  Core::HaNode echo;
  echo.node_id = b_->GetHaStatus().node_id;
  echo.api_address = "http://node-b:8200";
  echo.hostname = "b";
  a_->RecordEcho(echo);
  auto ha = Do(*a_, Operation::kRead, "sys/ha-status", {}, root_);
  ASSERT_TRUE(ha) << ha.error().ToString();
  EXPECT_TRUE(ha->data_at_top_level);
  const json::array& nodes = ha->data.at("nodes").as_array();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_TRUE(nodes[0].as_object().at("active_node").as_bool());
  EXPECT_EQ(nodes[1].as_object().at("api_address").as_string(), "http://node-b:8200");
  EXPECT_FALSE(nodes[1].as_object().at("active_node").as_bool());
  EXPECT_TRUE(nodes[1].as_object().at("last_echo").is_string());
  auto no_token = Do(*a_, Operation::kRead, "sys/ha-status");
  ASSERT_FALSE(no_token);
  EXPECT_EQ(no_token.error().http_status(), 403);
}

TEST_F(CoreHaTest, StepDownHandsOverAndTheNewActiveNodeLoadsEverythingFromStorage) {
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv/x", {{"v", "1"}}, root_));
  auto child = Do(*a_, Operation::kUpdate, "auth/token/create", {{"policies", json::array{"default"}}},
                  root_);
  ASSERT_TRUE(child) << child.error().ToString();
  const std::string child_token = std::string(child->auth->client_token);

  // Step-down needs a sudo token; a standby cannot be asked (the server forwards it).
  auto denied = Do(*a_, Operation::kUpdate, "sys/step-down", {}, child_token);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().http_status(), 403);
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/step-down", {}, root_));
  ASSERT_TRUE(Within15s([&] { return b_->GetHaStatus().active; }));
  EXPECT_TRUE(Within15s([&] { return a_->IsStandby(); }));
  EXPECT_FALSE(a_->Sealed());

  // The mount, its data and the token made on a are all there on b.
  auto read = Do(*b_, Operation::kRead, "kv/x", {}, root_);
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->data.at("v").as_string(), "1");
  auto lookup = Do(*b_, Operation::kRead, "auth/token/lookup-self", {}, child_token);
  ASSERT_TRUE(lookup) << lookup.error().ToString();
  ASSERT_TRUE(Do(*b_, Operation::kUpdate, "kv/y", {{"v", "2"}}, root_));
  // a, now a standby, cannot write (the storage refuses it too).
  EXPECT_FALSE(Do(*a_, Operation::kUpdate, "kv/z", {{"v", "3"}}, root_));
  EXPECT_FALSE(a_->StepDown());  // not active

  // After its step-down wait a campaigns again and takes over when b seals.
  ASSERT_TRUE(b_->Seal());
  EXPECT_TRUE(b_->Sealed());
  auto sealed_leader = Do(*b_, Operation::kRead, "sys/leader");  // an HA node must be unsealed
  ASSERT_FALSE(sealed_leader);
  EXPECT_EQ(sealed_leader.error().http_status(), 503);
  ASSERT_TRUE(Within15s([&] { return a_->GetHaStatus().active; }));
  auto y = Do(*a_, Operation::kRead, "kv/y", {}, root_);
  ASSERT_TRUE(y) << y.error().ToString();
  EXPECT_EQ(y->data.at("v").as_string(), "2");
}

// The identity store follows the active node: loaded at takeover, dropped at step-down.
TEST_F(CoreHaTest, IdentityStoreIsLoadedAtTakeoverAndDroppedAtStepDown) {
  auto ent = Do(*a_, Operation::kUpdate, "identity/entity", {{"name", "ha-ent"}}, root_);
  ASSERT_TRUE(ent) << ent.error().ToString();
  const std::string id = std::string(ent->data.at("id").as_string());
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "identity/group",
                 {{"name", "ha-group"}, {"member_entity_ids", json::array{json::value(id)}}}, root_));
  EXPECT_EQ(a_->identity().EntityCount(), 1u);
  EXPECT_EQ(b_->identity().EntityCount(), 0u);  // a standby holds nothing
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/step-down", {}, root_));
  ASSERT_TRUE(Within15s([&] { return b_->GetHaStatus().active; }));
  EXPECT_TRUE(Within15s([&] { return a_->IsStandby(); }));
  EXPECT_EQ(a_->identity().EntityCount(), 0u);
  auto read = Do(*b_, Operation::kRead, "identity/entity/name/ha-ent", {}, root_);
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(std::string(read->data.at("id").as_string()), id);
  EXPECT_EQ(read->data.at("direct_group_ids").as_array().size(), 1u);
}

TEST_F(CoreHaTest, ADeposedActiveNodeStepsDownAndTheStandbyTakesOver) {
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root_));
  Core::HaStatus sb = b_->GetHaStatus();
  ASSERT_TRUE(sb.leader);
  EXPECT_TRUE(b_->DeposeLeader("not-the-holder"));  // a stale id: nothing happens
  EXPECT_TRUE(a_->GetHaStatus().active);
  ASSERT_TRUE(b_->DeposeLeader(sb.leader->holder_id));
  // a's next write is refused by etcd (fenced) and a returns to standby; b takes over.
  ASSERT_TRUE(Within15s([&] { return b_->GetHaStatus().active; }));
  ASSERT_TRUE(Within15s([&] { return a_->IsStandby(); }));
  ASSERT_TRUE(Do(*b_, Operation::kUpdate, "kv/after", {{"v", "b"}}, root_));
  auto r = Do(*b_, Operation::kRead, "kv/after", {}, root_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data.at("v").as_string(), "b");
}

// --- standby reads (standby_reads.cc): the standby serves what only reads, from its own copy
// of the state, kept current by the active node's written keys (ApplyInvalidations); anything
// that would write is handed back as kForwardToActive and changes nothing. ---
class CoreStandbyReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(arca::testing::SharedEtcd().ok()) << arca::testing::SharedEtcd().error();
    const std::string path = NewPath();
    a_ = HaCore(path, "http://node-a:8200", /*standby_reads=*/true);
    b_ = HaCore(path, "http://node-b:8200", /*standby_reads=*/true);
    ASSERT_TRUE(a_ && b_);
    // What the active node writes, as the replication stream would carry it.
    for (Core* c : {a_.get(), b_.get()}) {
      c->SetStorageWriteObserver([this](std::span<const std::string_view> keys) {
        std::lock_guard lock(mu_);
        for (auto k : keys) written_.emplace_back(k);
      });
    }
    auto init = a_->Initialize({1, 1});
    ASSERT_TRUE(init) << init.error().ToString();
    keys_ = init->keys_hex;
    root_ = init->root_token;
    ASSERT_TRUE(a_->UnsealWithKeys(keys_));
    ASSERT_TRUE(Within15s([&] { return a_->GetHaStatus().active; }));
    ASSERT_TRUE(b_->UnsealWithKeys(keys_));
    ASSERT_TRUE(Within15s([&] { return b_->StandbyReadsReady(); }));
    EXPECT_TRUE(b_->IsStandby());
    Sync();
    b_writes_ = b_->StorageWrites();
  }
  void TearDown() override {
    b_.reset();
    a_.reset();
  }
  // Hands the keys the active node wrote so far to the standby.
  void Sync() {
    std::vector<std::string> keys;
    {
      std::lock_guard lock(mu_);
      keys.swap(written_);
    }
    b_->ApplyInvalidations(keys);
  }
  void ExpectForwarded(Result<logical::Response> r) {
    ASSERT_FALSE(r) << "served on the standby";
    EXPECT_EQ(r.error().kind(), ErrorKind::kForwardToActive) << r.error().ToString();
    EXPECT_EQ(r.error().http_status(), 503);
  }

  std::unique_ptr<Core> a_, b_;
  std::vector<std::string> keys_;
  std::string root_;
  std::mutex mu_;
  std::vector<std::string> written_;
  uint64_t b_writes_ = 0;
};

TEST_F(CoreStandbyReadsTest, AKvWriteOnTheActiveNodeIsReadOnTheStandbyAfterItsInvalidation) {
  EXPECT_TRUE(b_->StandbyReadsEnabled());
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv2", {{"type", "kv"},
                                                            {"options", json::object{{"version", "2"}}}},
                 root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv/x", {{"v", "1"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv2/data/x", {{"data", json::object{{"v", "1"}}}},
                 root_));
  EXPECT_FALSE(b_->StandbyMayServe("GET", "kv/x"));  // the mount is not known yet
  Sync();
  EXPECT_TRUE(b_->StandbyMayServe("GET", "kv/x"));
  EXPECT_TRUE(b_->StandbyMayServe("GET", "/v1/kv/x"));
  EXPECT_TRUE(b_->StandbyMayServe("LIST", "kv/"));
  EXPECT_FALSE(b_->StandbyMayServe("POST", "kv/x"));
  EXPECT_FALSE(b_->StandbyMayServe("DELETE", "kv/x"));
  EXPECT_TRUE(b_->StandbyMayServe("GET", "kv2/data/x"));
  EXPECT_TRUE(b_->StandbyMayServe("GET", "kv2/metadata/x"));
  EXPECT_FALSE(b_->StandbyMayServe("POST", "kv2/destroy/x"));
  EXPECT_FALSE(b_->StandbyMayServe("GET", "sys/ha-status"));
  EXPECT_FALSE(a_->StandbyMayServe("GET", "kv/x"));  // the active node is no standby

  auto r = Do(*b_, Operation::kRead, "kv/x", {}, root_);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("v").as_string(), "1");
  auto r2 = Do(*b_, Operation::kRead, "kv2/data/x", {}, root_);
  ASSERT_TRUE(r2) << r2.error().ToString();
  EXPECT_EQ(r2->data.at("data").as_object().at("v").as_string(), "1");

  // An update: served fresh once its keys are applied (the cache and the kv v2 cache).
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv/x", {{"v", "2"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv2/data/x", {{"data", json::object{{"v", "2"}}}},
                 root_));
  Sync();
  r = Do(*b_, Operation::kRead, "kv/x", {}, root_);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("v").as_string(), "2");
  r2 = Do(*b_, Operation::kRead, "kv2/data/x", {}, root_);
  ASSERT_TRUE(r2) << r2.error().ToString();
  EXPECT_EQ(r2->data.at("data").as_object().at("v").as_string(), "2");
  EXPECT_EQ(r2->data.at("metadata").as_object().at("version").as_int64(), 2);

  // A write sent to the standby anyway: handed back, nothing written.
  ExpectForwarded(Do(*b_, Operation::kUpdate, "kv/y", {{"v", "1"}}, root_));
  EXPECT_EQ(b_->StorageWrites(), b_writes_);
  auto y = Do(*a_, Operation::kRead, "kv/y", {}, root_);
  ASSERT_FALSE(y);
  EXPECT_EQ(y.error().http_status(), 404);
}

TEST_F(CoreStandbyReadsTest, PolicyChangesAndTokenRevocationTakeEffectOnTheStandby) {
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv/x", {{"v", "1"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/policies/acl/reader",
                 {{"policy", "path \"kv/*\" { capabilities = [\"read\"] }"}}, root_));
  auto tok = Do(*a_, Operation::kUpdate, "auth/token/create",
                {{"policies", json::array{"reader"}}}, root_);
  ASSERT_TRUE(tok) << tok.error().ToString();
  const std::string t = std::string(tok->auth->client_token);
  Sync();
  auto r = Do(*b_, Operation::kRead, "kv/x", {}, t);
  ASSERT_TRUE(r) << r.error().ToString();
  auto lookup = Do(*b_, Operation::kRead, "auth/token/lookup-self", {}, t);
  ASSERT_TRUE(lookup) << lookup.error().ToString();
  auto pol = Do(*b_, Operation::kRead, "sys/policies/acl/reader", {}, root_);
  ASSERT_TRUE(pol) << pol.error().ToString();

  // The policy loses the path on the active node: the standby refuses once it applied it.
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/policies/acl/reader",
                 {{"policy", "path \"other/*\" { capabilities = [\"read\"] }"}}, root_));
  Sync();
  r = Do(*b_, Operation::kRead, "kv/x", {}, t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status(), 403);

  // A revoked token stops working on the standby.
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "auth/token/revoke", {{"token", t}}, root_));
  Sync();
  lookup = Do(*b_, Operation::kRead, "auth/token/lookup-self", {}, t);
  ASSERT_FALSE(lookup);
  EXPECT_EQ(lookup.error().http_status(), 403);
  EXPECT_EQ(b_->StorageWrites(), b_writes_);
}

TEST_F(CoreStandbyReadsTest, MountsAddedTunedAndRemovedOnTheActiveNodeFollowOnTheStandby) {
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/m1", {{"type", "kv"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "m1/x", {{"v", "1"}}, root_));
  Sync();
  auto mounts = Do(*b_, Operation::kRead, "sys/mounts", {}, root_);
  ASSERT_TRUE(mounts) << mounts.error().ToString();
  EXPECT_TRUE(mounts->data.contains("m1/"));
  ASSERT_TRUE(Do(*b_, Operation::kRead, "m1/x", {}, root_));

  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/m1/tune", {{"default_lease_ttl", "1h"}},
                 root_));
  Sync();
  auto tune = Do(*b_, Operation::kRead, "sys/mounts/m1/tune", {}, root_);
  ASSERT_TRUE(tune) << tune.error().ToString();
  EXPECT_EQ(tune->data.at("default_lease_ttl").as_int64(), 3600);

  ASSERT_TRUE(Do(*a_, Operation::kDelete, "sys/mounts/m1", {}, root_));
  Sync();
  EXPECT_FALSE(b_->StandbyMayServe("GET", "m1/x"));
  ExpectForwarded(Do(*b_, Operation::kRead, "m1/x", {}, root_));
  mounts = Do(*b_, Operation::kRead, "sys/mounts", {}, root_);
  ASSERT_TRUE(mounts);
  EXPECT_FALSE(mounts->data.contains("m1/"));
  EXPECT_EQ(b_->StorageWrites(), b_writes_);
}

TEST_F(CoreStandbyReadsTest, TransitServesWithExistingKeysAndSeesARotation) {
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/transit", {{"type", "transit"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "transit/keys/k", {}, root_));
  Sync();
  const std::string plain = "aGVsbG8=";
  auto enc = Do(*b_, Operation::kUpdate, "transit/encrypt/k", {{"plaintext", plain}}, root_);
  ASSERT_TRUE(enc) << enc.error().ToString();
  const std::string ct = std::string(enc->data.at("ciphertext").as_string());
  EXPECT_TRUE(ct.starts_with("vault:v1:")) << ct;
  auto dec = Do(*a_, Operation::kUpdate, "transit/decrypt/k", {{"ciphertext", ct}}, root_);
  ASSERT_TRUE(dec) << dec.error().ToString();
  EXPECT_EQ(dec->data.at("plaintext").as_string(), plain);

  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "transit/keys/k/rotate", {}, root_));
  Sync();
  enc = Do(*b_, Operation::kUpdate, "transit/encrypt/k", {{"plaintext", plain}}, root_);
  ASSERT_TRUE(enc) << enc.error().ToString();
  EXPECT_TRUE(std::string(enc->data.at("ciphertext").as_string()).starts_with("vault:v2:"));
  auto key = Do(*b_, Operation::kRead, "transit/keys/k", {}, root_);
  ASSERT_TRUE(key) << key.error().ToString();
  EXPECT_EQ(key->data.at("latest_version").as_int64(), 2);

  // Encrypting with a key that does not exist would create it (a write): forwarded, no key.
  ExpectForwarded(Do(*b_, Operation::kUpdate, "transit/encrypt/new", {{"plaintext", plain}},
                     root_));
  auto none = Do(*a_, Operation::kRead, "transit/keys/new", {}, root_);
  EXPECT_FALSE(none && !none->data.empty());
  EXPECT_EQ(b_->StorageWrites(), b_writes_);
}

TEST_F(CoreStandbyReadsTest, EachReasonToForwardChangesNothing) {
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv/x", {{"v", "1"}}, root_));
  auto limited = Do(*a_, Operation::kUpdate, "auth/token/create", {{"num_uses", 2}}, root_);
  ASSERT_TRUE(limited) << limited.error().ToString();
  const std::string lt = std::string(limited->auth->client_token);
  Sync();
  const uint64_t a_writes = a_->StorageWrites();

  // A token with a use limit: its use is a write.
  ExpectForwarded(Do(*b_, Operation::kRead, "kv/x", {}, lt));
  // Response wrapping creates a token.
  logical::Request wrapped;
  wrapped.operation = Operation::kRead;
  wrapped.path = "kv/x";
  wrapped.client_token = root_;
  wrapped.wrap_ttl = std::chrono::seconds(60);
  ExpectForwarded(DoReq(*b_, std::move(wrapped)));
  // Not a standby-safe operation (a login, a renewal, a lease read, a write).
  ExpectForwarded(Do(*b_, Operation::kUpdate, "auth/token/create", {}, root_));
  ExpectForwarded(Do(*b_, Operation::kUpdate, "auth/token/renew-self", {}, root_));
  ExpectForwarded(Do(*b_, Operation::kUpdate, "sys/leases/lookup", {{"lease_id", "x"}}, root_));
  ExpectForwarded(Do(*b_, Operation::kDelete, "kv/x", {}, root_));
  ExpectForwarded(Do(*b_, Operation::kUpdate, "sys/policies/acl/p", {{"policy", ""}}, root_));
  EXPECT_FALSE(b_->StandbyMayServe("PUT", "auth/token/create"));
  EXPECT_FALSE(b_->StandbyMayServe("POST", "sys/mounts/x"));
  EXPECT_FALSE(b_->StandbyMayServe("PATCH", "kv/x"));

  // Nothing changed: no write on the standby, none caused on the active node; the limited
  // token still has both uses.
  EXPECT_EQ(b_->StorageWrites(), b_writes_);
  EXPECT_EQ(a_->StorageWrites(), a_writes);
  auto look = Do(*a_, Operation::kUpdate, "auth/token/lookup", {{"token", lt}}, root_);
  ASSERT_TRUE(look) << look.error().ToString();
  EXPECT_EQ(look->data.at("num_uses").as_int64(), 2);
  auto x = Do(*a_, Operation::kRead, "kv/x", {}, root_);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->data.at("v").as_string(), "1");
}

TEST_F(CoreStandbyReadsTest, TakeoverDropsTheStandbyStateAndTheOldActiveNodeServesReadsAgain) {
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv/x", {{"v", "1"}}, root_));
  Sync();
  ASSERT_TRUE(Do(*b_, Operation::kRead, "kv/x", {}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/step-down", {}, root_));
  ASSERT_TRUE(Within15s([&] { return b_->GetHaStatus().active; }));
  EXPECT_FALSE(b_->StandbyReadsReady());
  EXPECT_FALSE(b_->StandbyMayServe("GET", "kv/x"));
  // b writes as the active node (its gate is open again), and a follows as a standby.
  ASSERT_TRUE(Do(*b_, Operation::kUpdate, "kv/x", {{"v", "2"}}, root_));
  EXPECT_GT(b_->StorageWrites(), b_writes_);
  ASSERT_TRUE(Within15s([&] { return a_->StandbyReadsReady(); }));
  {
    std::vector<std::string> keys;
    {
      std::lock_guard lock(mu_);
      keys.swap(written_);
    }
    a_->ApplyInvalidations(keys);
  }
  auto r = Do(*a_, Operation::kRead, "kv/x", {}, root_);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("v").as_string(), "2");
  const uint64_t a_writes = a_->StorageWrites();
  ExpectForwarded(Do(*a_, Operation::kUpdate, "kv/x", {{"v", "3"}}, root_));
  EXPECT_EQ(a_->StorageWrites(), a_writes);

  // PurgeStandbyState reloads everything; a seal drops it.
  a_->PurgeStandbyState();
  EXPECT_TRUE(a_->StandbyReadsReady());
  ASSERT_TRUE(Do(*a_, Operation::kRead, "kv/x", {}, root_));
  ASSERT_TRUE(a_->Seal());
  EXPECT_FALSE(a_->StandbyReadsReady());
  EXPECT_FALSE(a_->StandbyMayServe("GET", "kv/x"));
}

TEST_F(CoreStandbyReadsTest, CapabilitiesLookupsListsAndAuditDevicesOnTheStandby) {
  const std::string log = "/tmp/arca-standby-audit-" + std::to_string(::getpid()) + ".log";
  std::remove(log.c_str());
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/audit/file",
                 {{"type", "file"}, {"options", json::object{{"file_path", log}}}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root_));
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "kv/dir/x", {{"v", "1"}}, root_));
  auto tok = Do(*a_, Operation::kUpdate, "auth/token/create",
                {{"policies", json::array{"default"}}}, root_);
  ASSERT_TRUE(tok) << tok.error().ToString();
  const std::string accessor = std::string(tok->auth->accessor);
  Sync();

  auto list = Do(*b_, Operation::kList, "kv/dir/", {}, root_);
  ASSERT_TRUE(list) << list.error().ToString();
  EXPECT_EQ(list->data.at("keys").as_array().size(), 1u);
  auto caps = Do(*b_, Operation::kUpdate, "sys/capabilities-self", {{"paths", json::array{"kv/x"}}},
                 std::string(tok->auth->client_token));
  ASSERT_TRUE(caps) << caps.error().ToString();
  EXPECT_EQ(caps->data.at("kv/x").as_array().at(0).as_string(), "deny");
  auto by_accessor =
      Do(*b_, Operation::kUpdate, "auth/token/lookup-accessor", {{"accessor", accessor}}, root_);
  ASSERT_TRUE(by_accessor) << by_accessor.error().ToString();
  EXPECT_EQ(by_accessor->data.at("accessor").as_string(), accessor);
  auto policies = Do(*b_, Operation::kList, "sys/policies/acl", {}, root_);
  ASSERT_TRUE(policies) << policies.error().ToString();

  // The standby's own audit device (loaded from the table the active node wrote) recorded
  // what it served, in its own file.
  std::ifstream in(log);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("auth/token/lookup-accessor"), std::string::npos);
  EXPECT_EQ(b_->StorageWrites(), b_writes_);
  b_.reset();
  a_.reset();
  std::remove(log.c_str());
}

TEST_F(CoreHaTest, WithStandbyReadsDisabledTheStandbyLoadsNothing) {
  EXPECT_FALSE(b_->StandbyReadsEnabled());
  EXPECT_FALSE(b_->StandbyReadsReady());
  ASSERT_TRUE(Do(*a_, Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}, root_));
  b_->ApplyInvalidations({"core/mounts"});  // ignored
  EXPECT_FALSE(b_->StandbyMayServe("GET", "kv/x"));
  auto r = Do(*b_, Operation::kRead, "kv/x", {}, root_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnavailable);
}

TEST(CoreNoHa, LeaderAnswersHaDisabledSealedOrNot) {
  TestCore t;  // inmem storage: no HA
  EXPECT_FALSE(t.core->HaEnabled());
  for (bool unseal : {false, true}) {
    if (unseal) ASSERT_FALSE(t.InitAndUnseal().empty());
    auto r = t.Do(Operation::kRead, "sys/leader");
    ASSERT_TRUE(r) << r.error().ToString();
    json::object o = ParseRaw(*r);
    EXPECT_FALSE(o.at("ha_enabled").as_bool());
    EXPECT_FALSE(o.at("is_self").as_bool());
    EXPECT_EQ(o.at("leader_address").as_string(), "");
  }
  EXPECT_FALSE(t.core->IsStandby());
  EXPECT_FALSE(t.core->StepDown());
}

}  // namespace
}  // namespace arca::core
