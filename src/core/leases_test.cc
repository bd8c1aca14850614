// Leases through the whole core: a backend's secret gets a lease, sys/leases sees, renews and
// revokes it through the backend; a token's revocation and expiry take its leases along; due
// leases are revoked after a seal/unseal; unmounting revokes a mount's leases.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/testing.h"
#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace {

using logical::Operation;
namespace fw = logical::framework;

// A secrets engine issuing numbered credentials with a 1 h TTL (or ?ttl=N seconds).
struct Issued {
  std::atomic<int> next{0};
  std::atomic<int> revoked{0};
  std::atomic<int> renewed{0};
  std::atomic<bool> fail_revoke{false};
};

logical::Factory LeaseTestFactory(Issued* issued) {
  return [issued](const logical::BackendConfig&) -> Result<std::unique_ptr<logical::Backend>> {
    fw::FrameworkBackend::Options o;
    o.type = "leasetest";
    fw::Path creds;
    creds.pattern = "creds";
    creds.fields["ttl"] = fw::FieldSchema{.type = fw::FieldType::kInt};
    creds.operations[Operation::kRead] = {[issued](logical::Request&, fw::FieldData& d)
                                              -> Result<logical::Response> {
      int n = ++issued->next;
      logical::Response r = logical::Response::WithData({{"username", "u" + std::to_string(n)}});
      int64_t ttl = d.GetInt("ttl");
      r.secret = logical::Secret{.ttl = std::chrono::seconds(ttl > 0 ? ttl : 3600),
                                 .renewable = true,
                                 .internal_data = fw::SecretInternal("creds", {{"n", n}})};
      return r;
    }, "issue"};
    o.paths.push_back(std::move(creds));
    o.secrets["creds"] = fw::SecretType{
        .renew = [issued](logical::Request& req) -> Result<logical::Response> {
          ++issued->renewed;
          logical::Response r;
          r.secret = logical::Secret{.ttl = req.renew_increment};
          return r;
        },
        .revoke = [issued](logical::Request&) -> Result<logical::Response> {
          if (issued->fail_revoke) return Internal("database unreachable");
          ++issued->revoked;
          return logical::Response{};
        }};
    return fw::FrameworkBackend::Create(std::move(o));
  };
}

class Leases : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.core.reset();
    CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["leasetest"] = LeaseTestFactory(&issued_);
    cfg.clock = clock_.Fn();
    t_.core = std::make_unique<Core>(std::move(cfg));
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/db", json::object{{"type", "leasetest"}}, root_));
  }
  std::string Issue(const std::string& token, int ttl = 0) {
    json::object q;
    if (ttl > 0) q["ttl"] = ttl;
    auto r = t_.Do(Operation::kRead, "db/creds", q, token);
    EXPECT_TRUE(r) << r.error().ToString();
    if (!r || !r->secret) return "";
    return r->secret->lease_id;
  }
  int Status(Operation op, const std::string& path, json::object body = {}) {
    auto r = t_.Do(op, path, std::move(body), root_);
    return r ? 200 : r.error().http_status();
  }
  Issued issued_;
  ManualClock clock_;
  TestCore t_;
  std::string root_;
};

TEST_F(Leases, SecretGetsALeaseThatLookupRenewAndRevokeUse) {
  std::string id = Issue(root_);
  ASSERT_TRUE(id.starts_with("db/creds/")) << id;

  auto look = t_.Do(Operation::kUpdate, "sys/leases/lookup", {{"lease_id", id}}, root_);
  ASSERT_TRUE(look) << look.error().ToString();
  EXPECT_EQ(look->data.at("id").as_string(), id);
  EXPECT_TRUE(look->data.at("renewable").as_bool());
  EXPECT_GT(look->data.at("ttl").as_int64(), 3500);

  auto renew = t_.Do(Operation::kUpdate, "sys/leases/renew",
                     {{"lease_id", id}, {"increment", "600"}}, root_);
  ASSERT_TRUE(renew) << renew.error().ToString();
  EXPECT_EQ(issued_.renewed.load(), 1);

  auto list = t_.Do(Operation::kList, "sys/leases/lookup/db/creds/", {}, root_);
  ASSERT_TRUE(list) << list.error().ToString();
  EXPECT_EQ(list->data.at("keys").as_array().size(), 1u);

  ASSERT_EQ(Status(Operation::kUpdate, "sys/leases/revoke", {{"lease_id", id}}), 200);
  EXPECT_EQ(issued_.revoked.load(), 1);
  auto gone = t_.Do(Operation::kUpdate, "sys/leases/lookup", {{"lease_id", id}}, root_);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().http_status(), 400);
  // Bad input changes nothing.
  EXPECT_EQ(Status(Operation::kUpdate, "sys/leases/renew", {{"lease_id", "nope/x"}}), 400);
  EXPECT_EQ(Status(Operation::kUpdate, "sys/leases/revoke", {}), 400);
  EXPECT_EQ(issued_.revoked.load(), 1);
}

TEST_F(Leases, RevokingATokenRevokesItsLeasesAndItsChildrens) {
  auto parent = t_.Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"root"}}}, root_);
  ASSERT_TRUE(parent);
  std::string p = parent->auth->client_token;
  auto child = t_.Do(Operation::kUpdate, "auth/token/create", {}, p);
  ASSERT_TRUE(child);
  std::string c = child->auth->client_token;
  Issue(p);
  Issue(c);
  Issue(c);
  Issue(root_);
  ASSERT_EQ(Status(Operation::kUpdate, "auth/token/revoke", {{"token", p}}), 200);
  EXPECT_EQ(issued_.revoked.load(), 3);
  auto count = t_.Do(Operation::kRead, "sys/leases/count", {{"type", "all"}}, root_);
  ASSERT_TRUE(count) << count.error().ToString();
}

TEST_F(Leases, ExpiredTokenIsRevokedWithItsLeases) {
  auto tok = t_.Do(Operation::kUpdate, "auth/token/create",
                   {{"policies", json::array{"root"}}, {"ttl", "1s"}}, root_);
  ASSERT_TRUE(tok) << tok.error().ToString();
  std::string token = tok->auth->client_token;
  std::string lease = Issue(token, 3600);
  ASSERT_FALSE(lease.empty());
  // The token's own lease is listed under its creation path.
  auto list = t_.Do(Operation::kList, "sys/leases/lookup/auth/token/create/", {}, root_);
  ASSERT_TRUE(list) << list.error().ToString();
  EXPECT_EQ(list->data.at("keys").as_array().size(), 1u);
  EXPECT_EQ(issued_.revoked.load(), 0);
  clock_.Advance(std::chrono::seconds(2));  // past the token's TTL
  t_.core->expiration().Wake();
  EXPECT_TRUE(Eventually([&] { return issued_.revoked.load() == 1; }));
  EXPECT_EQ(issued_.revoked.load(), 1);
  auto lookup = t_.Do(Operation::kUpdate, "auth/token/lookup", {{"token", token}}, root_);
  EXPECT_FALSE(lookup && !lookup->data.empty());
}

TEST_F(Leases, DueLeasesAreRevokedOnceAfterUnseal) {
  std::vector<std::string> due;
  for (int i = 0; i < 3; ++i) {
    due.push_back(Issue(root_, 1));
    ASSERT_FALSE(due.back().empty());
  }
  std::string keep = Issue(root_, 3600);
  ExpirationManager& leases = t_.core->expiration();
  EXPECT_EQ(leases.ScheduledCount(), 4u);
  ASSERT_TRUE(t_.core->Seal());
  clock_.Advance(std::chrono::seconds(2));  // the three 1 s leases are due
  // Nothing runs while sealed: the workers are stopped and nothing is scheduled for them
  // (RunDue does on this thread what a worker would do).
  EXPECT_EQ(leases.ScheduledCount(), 0u);
  EXPECT_EQ(leases.RunDue(), 0u);
  EXPECT_EQ(issued_.revoked.load(), 0);
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  leases.Wake();
  EXPECT_TRUE(Eventually([&] { return issued_.revoked.load() >= 3; }));
  // Sealing again joins the workers, so no revocation is still under way: each due lease was
  // revoked exactly once, and is gone (it cannot be revoked again after the next unseal).
  ASSERT_TRUE(t_.core->Seal());
  EXPECT_EQ(issued_.revoked.load(), 3);
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  for (const std::string& id : due) {
    EXPECT_FALSE(t_.Do(Operation::kUpdate, "sys/leases/lookup", {{"lease_id", id}}, root_)) << id;
  }
  EXPECT_TRUE(t_.Do(Operation::kUpdate, "sys/leases/lookup", {{"lease_id", keep}}, root_));
  EXPECT_EQ(leases.ScheduledCount(), 1u);
}

TEST_F(Leases, UnmountRevokesTheMountsLeasesAndFailsWhenItCannot) {
  Issue(root_);
  Issue(root_);
  issued_.fail_revoke = true;
  EXPECT_EQ(Status(Operation::kDelete, "sys/mounts/db"), 500);
  EXPECT_EQ(Issue(root_).empty(), false);  // still mounted
  issued_.fail_revoke = false;
  ASSERT_EQ(Status(Operation::kDelete, "sys/mounts/db"), 200);
  EXPECT_EQ(issued_.revoked.load(), 3);
}

}  // namespace
}  // namespace arca::core
