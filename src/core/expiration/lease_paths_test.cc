// sys/leases/* and the legacy aliases, through a framework backend built from LeasePaths.
#include <gtest/gtest.h>

#include "core/expiration/expiration_test_util.h"
#include "core/sys/path_leases.h"
#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace {

using logical::Operation;
using testing::Backend;
using testing::Clock;
using testing::kStart;
using testing::SecretWith;

class LeasePathsTest : public ::testing::Test {
 protected:
  LeasePathsTest() : m_(testing::NewManager(storage_, backend_, clock_)) {
    logical::framework::FrameworkBackend::Options o;
    o.type = "system";
    o.paths = sys::LeasePaths(*m_);
    sys_ = std::make_unique<logical::framework::FrameworkBackend>(std::move(o));
  }

  Result<logical::Response> Do(Operation op, std::string path, json::object body = {}) {
    logical::Request req;
    req.operation = op;
    req.path = std::move(path);
    req.data = std::move(body);
    req.storage = &storage_;
    return sys_->HandleRequest(req);
  }
  bool Has(const std::string& id) {
    auto e = m_->Lookup(id);
    EXPECT_TRUE(e) << e.error().ToString();
    return e && e->has_value();
  }
  std::string Reg(std::string path, int64_t ttl, int64_t max_ttl = 0) {
    auto e = m_->Register(path, SecretWith(ttl, max_ttl), "tok", "acc");
    EXPECT_TRUE(e);
    return e ? e->lease_id : "";
  }

  logical::InmemStorage storage_;
  Backend backend_;
  Clock clock_;
  std::unique_ptr<ExpirationManager> m_;
  std::unique_ptr<logical::framework::FrameworkBackend> sys_;
};

TEST_F(LeasePathsTest, LookupShape) {
  std::string id = Reg("db/creds/ro", 3600);
  clock_.Advance(100);
  auto r = Do(Operation::kUpdate, "leases/lookup", {{"lease_id", id}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("id").as_string(), id);
  EXPECT_EQ(r->data.at("issue_time").as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(r->data.at("expire_time").as_string(), "2023-11-14T23:13:20Z");
  EXPECT_TRUE(r->data.at("last_renewal").is_null());
  EXPECT_EQ(r->data.at("renewable").as_bool(), true);
  EXPECT_EQ(r->data.at("ttl").as_int64(), 3500);
  EXPECT_FALSE(r->data.contains("irrevocable"));
}

TEST_F(LeasePathsTest, ListRenewRevoke) {
  std::string a = Reg("db/creds/ro", 100, 150), b = Reg("db/creds/ro", 100);
  auto list = Do(Operation::kList, "leases/lookup/db/creds/ro/");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data.at("keys").as_array().size(), 2u);
  auto top = Do(Operation::kList, "leases/lookup/");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->data.at("keys").as_array().at(0).as_string(), "db/");
  auto empty = Do(Operation::kList, "leases/lookup/none/");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty_list);

  auto renewed = Do(Operation::kUpdate, "leases/renew", {{"lease_id", a}, {"increment", "1h"}});
  ASSERT_TRUE(renewed) << renewed.error().ToString();
  ASSERT_TRUE(renewed->secret);
  EXPECT_EQ(renewed->secret->lease_id, a);
  EXPECT_EQ(renewed->secret->ttl.count(), 150);  // capped by max_ttl
  EXPECT_FALSE(renewed->secret->register_lease);
  EXPECT_TRUE(renewed->secret->renewable);
  EXPECT_EQ(renewed->warnings.size(), 1u);
  // Legacy path with the id in the URL.
  auto legacy = Do(Operation::kUpdate, "renew/" + b, {{"increment", 30}});
  ASSERT_TRUE(legacy) << legacy.error().ToString();
  EXPECT_EQ(legacy->secret->ttl.count(), 30);

  ASSERT_TRUE(Do(Operation::kUpdate, "leases/revoke/" + a));
  EXPECT_EQ(backend_.revoked[a], 1);
  auto queued = Do(Operation::kUpdate, "revoke", {{"lease_id", b}, {"sync", false}});
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->status_code, 202);
  EXPECT_EQ(m_->RunDue(), 1u);
  EXPECT_EQ(backend_.revoked[b], 1);
}

TEST_F(LeasePathsTest, PrefixForceCountTidy) {
  std::string a = Reg("db/creds/ro", 100), b = Reg("db/creds/ro", 100), c = Reg("aws/x", 100);
  backend_.fail.insert(a);
  auto failed = Do(Operation::kUpdate, "leases/revoke-prefix/db/creds");
  ASSERT_FALSE(failed);
  ASSERT_TRUE(Do(Operation::kUpdate, "leases/revoke-force/db/creds/"));
  EXPECT_FALSE(Has(a));
  EXPECT_FALSE(Has(b));
  ASSERT_TRUE(Do(Operation::kUpdate, "revoke-prefix/aws"));
  EXPECT_EQ(backend_.revoked[c], 1);

  Reg("db/creds/ro", 100);
  auto count = Do(Operation::kRead, "leases/count", {{"type", "all"}});
  ASSERT_TRUE(count);
  EXPECT_EQ(count->data.at("lease_count").as_int64(), 1);
  count = Do(Operation::kRead, "leases/count", {{"type", "irrevocable"}});
  ASSERT_TRUE(count);
  EXPECT_EQ(count->data.at("lease_count").as_int64(), 0);
  auto irr = Do(Operation::kRead, "leases", {{"type", "irrevocable"}});
  ASSERT_TRUE(irr);
  EXPECT_EQ(irr->data.at("lease_count").as_int64(), 0);
  EXPECT_TRUE(irr->data.at("leases").as_array().empty());

  auto tidy = Do(Operation::kUpdate, "leases/tidy");
  ASSERT_TRUE(tidy) << tidy.error().ToString();
  EXPECT_EQ(tidy->data.at("leases_checked").as_int64(), 1);
}

TEST_F(LeasePathsTest, BadInputChangesNothing) {
  std::string id = Reg("db/creds/ro", 100);
  auto snapshot = [&] { return json::serialize((*m_->Lookup(id))->ToJson()); };
  std::string before = snapshot();
  size_t keys_before = storage_.size();

  struct Case {
    Operation op;
    std::string path;
    json::object body;
    int status;
  };
  const Case cases[] = {
      {Operation::kUpdate, "leases/lookup", {}, 400},
      {Operation::kUpdate, "leases/lookup", {{"lease_id", "db/creds/ro/nope"}}, 400},
      {Operation::kUpdate, "leases/lookup", {{"lease_id", json::array{1}}}, 400},
      {Operation::kRead, "leases/lookup", {}, 405},
      {Operation::kUpdate, "leases/lookup/db/", {}, 405},
      {Operation::kUpdate, "leases/renew", {}, 400},
      {Operation::kUpdate, "leases/renew", {{"lease_id", "db/creds/ro/nope"}}, 400},
      {Operation::kUpdate, "leases/renew", {{"lease_id", id}, {"increment", "soon"}}, 400},
      {Operation::kUpdate, "leases/renew", {{"lease_id", id}, {"increment", "-5s"}}, 400},
      {Operation::kRead, "leases/renew", {{"lease_id", id}}, 405},
      {Operation::kUpdate, "renew", {}, 400},
      {Operation::kUpdate, "leases/revoke", {}, 400},
      {Operation::kUpdate, "leases/revoke", {{"lease_id", id}, {"sync", "maybe"}}, 400},
      {Operation::kDelete, "leases/revoke/" + id, {}, 405},
      {Operation::kUpdate, "revoke", {}, 400},
      {Operation::kUpdate, "leases/revoke-prefix/", {}, 404},
      {Operation::kUpdate, "leases/revoke-prefix/db", {{"sync", "perhaps"}}, 400},
      {Operation::kUpdate, "leases/revoke-force/", {}, 404},
      {Operation::kUpdate, "revoke-prefix/", {}, 404},
      {Operation::kUpdate, "revoke-force/", {}, 404},
      {Operation::kRead, "leases/revoke-force/db", {}, 405},
      {Operation::kRead, "leases/count", {{"type", "bogus"}}, 400},
      {Operation::kRead, "leases/count", {{"include_child_namespaces", "x"}}, 400},
      {Operation::kUpdate, "leases/count", {}, 405},
      {Operation::kRead, "leases", {}, 400},
      {Operation::kRead, "leases", {{"type", "irrevocable"}, {"limit", "many"}}, 400},
      {Operation::kRead, "leases", {{"type", "irrevocable"}, {"limit", "0"}}, 400},
      {Operation::kRead, "leases/tidy", {}, 405},
      {Operation::kUpdate, "leases/unknown", {}, 404},
  };
  for (const Case& c : cases) {
    auto r = Do(c.op, c.path, c.body);
    ASSERT_FALSE(r) << c.path << " " << json::serialize(c.body);
    EXPECT_EQ(r.error().http_status(), c.status) << c.path << " " << json::serialize(c.body)
                                                 << ": " << r.error().ToString();
  }
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(storage_.size(), keys_before);
  EXPECT_EQ(backend_.Calls(), 0);
}

}  // namespace
}  // namespace arca::core
