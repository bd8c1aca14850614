// Policies, child tokens and ACL enforcement through Core::HandleRequest.
#include <gtest/gtest.h>

#include <thread>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

class AclEnforcement : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/kv", json::object{{"type", "kv"}}, root_));
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "kv/app/db", json::object{{"password", "p"}}, root_));
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "kv/other", json::object{{"x", "y"}}, root_));
  }
  std::string Token(json::object body) {
    auto r = t_.Do(Operation::kUpdate, "auth/token/create", std::move(body), root_);
    EXPECT_TRUE(r) << r.error().ToString();
    return r && r->auth ? r->auth->client_token : "";
  }
  int Status(Operation op, const std::string& path, const std::string& token, json::object body = {}) {
    auto r = t_.Do(op, path, std::move(body), token);
    return r ? 200 : r.error().http_status();
  }
  ManualClock clock_;
  TestCore t_{nullptr, &clock_};
  std::string root_;
};

TEST_F(AclEnforcement, PolicyGrantsExactlyWhatItSays) {
  const char* hcl = R"(
    path "kv/app/*" { capabilities = ["read", "list"] }
    path "kv/app/db" { capabilities = ["read", "update"] }
  )";
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/policies/acl/app", json::object{{"policy", hcl}}, root_));
  std::string tok = Token({{"policies", "app"}});
  ASSERT_FALSE(tok.empty());
  EXPECT_EQ(Status(Operation::kRead, "kv/app/db", tok), 200);
  EXPECT_EQ(Status(Operation::kUpdate, "kv/app/db", tok, {{"password", "new"}}), 200);
  EXPECT_EQ(Status(Operation::kUpdate, "kv/app/new", tok, {{"a", "b"}}), 403);  // create not granted
  EXPECT_EQ(Status(Operation::kDelete, "kv/app/db", tok), 403);
  EXPECT_EQ(Status(Operation::kRead, "kv/other", tok), 403);
  EXPECT_EQ(Status(Operation::kList, "kv/app/", tok), 200);
  EXPECT_EQ(Status(Operation::kRead, "sys/mounts", tok), 403);
  // The default policy is attached: lookup-self works.
  EXPECT_EQ(Status(Operation::kRead, "auth/token/lookup-self", tok), 200);
  // A refused write changed nothing.
  EXPECT_EQ(t_.Do(Operation::kRead, "kv/other", {}, root_)->data["x"].as_string(), "y");

  auto caps = t_.Do(Operation::kUpdate, "sys/capabilities-self",
                    json::object{{"paths", json::array{"kv/app/db"}}}, tok);
  ASSERT_TRUE(caps) << caps.error().ToString();
  auto names = caps->data["capabilities"].as_array();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].as_string(), "read");
  EXPECT_EQ(names[1].as_string(), "update");
  auto root_caps = t_.Do(Operation::kUpdate, "sys/capabilities",
                         json::object{{"token", root_}, {"paths", json::array{"anything"}}}, root_);
  EXPECT_EQ(root_caps->data["capabilities"].as_array()[0].as_string(), "root");

  // Changing the policy takes effect at once (the compiled ACL is invalidated).
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/policies/acl/app",
                    json::object{{"policy", R"(path "kv/other" { capabilities = ["read"] })"}}, root_));
  EXPECT_EQ(Status(Operation::kRead, "kv/app/db", tok), 403);
  EXPECT_EQ(Status(Operation::kRead, "kv/other", tok), 200);
  ASSERT_TRUE(t_.Do(Operation::kDelete, "sys/policies/acl/app", {}, root_));
  EXPECT_EQ(Status(Operation::kRead, "kv/other", tok), 403);
}

TEST_F(AclEnforcement, DenyAndSudo) {
  const char* hcl = R"(
    path "kv/*" { capabilities = ["create", "read", "update", "delete", "list"] }
    path "kv/other" { capabilities = ["deny"] }
    path "sys/auth/*" { capabilities = ["create", "update", "read", "delete"] }
  )";
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/policy/ops", json::object{{"policy", hcl}}, root_));
  std::string tok = Token({{"policies", json::array{"ops"}}});
  EXPECT_EQ(Status(Operation::kRead, "kv/app/db", tok), 200);
  EXPECT_EQ(Status(Operation::kRead, "kv/other", tok), 403);
  // sys/auth/* is root-protected: without sudo the ACL grant is not enough.
  EXPECT_EQ(Status(Operation::kDelete, "sys/auth/nothing", tok), 403);
}

TEST_F(AclEnforcement, ChildTokensNumUsesAndTtl) {
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/policy/reader",
                    json::object{{"policy", R"(path "kv/*" { capabilities = ["read"] }
                                              path "auth/token/create" { capabilities = ["update"] })"}},
                    root_));
  std::string parent = Token({{"policies", "reader"}});
  // A child may not get policies its parent lacks.
  auto escalate = t_.Do(Operation::kUpdate, "auth/token/create",
                        json::object{{"policies", json::array{"root"}}}, parent);
  ASSERT_FALSE(escalate);
  EXPECT_EQ(escalate.error().http_status(), 400);
  auto child = t_.Do(Operation::kUpdate, "auth/token/create", json::object{{"policies", "reader"}}, parent);
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(child->auth->policies.size(), 2u);  // reader + default

  // num_uses: exactly that many requests.
  std::string twice = Token({{"policies", "reader"}, {"num_uses", 2}});
  EXPECT_EQ(Status(Operation::kRead, "kv/other", twice), 200);
  EXPECT_EQ(Status(Operation::kRead, "kv/other", twice), 200);
  EXPECT_EQ(Status(Operation::kRead, "kv/other", twice), 403);

  // ttl: gone after it runs out.
  std::string brief = Token({{"policies", "reader"}, {"ttl", "1s"}});
  EXPECT_EQ(Status(Operation::kRead, "kv/other", brief), 200);
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_EQ(Status(Operation::kRead, "kv/other", brief), 403);

  // revoke-self.
  std::string gone = Token({{"policies", "reader"}});
  EXPECT_EQ(Status(Operation::kUpdate, "auth/token/revoke-self", gone), 200);
  EXPECT_EQ(Status(Operation::kRead, "kv/other", gone), 403);
}

TEST_F(AclEnforcement, PolicyEndpointsBadInput) {
  struct Case { Operation op; std::string path; json::object body; int status; } cases[] = {
      {Operation::kUpdate, "sys/policies/acl/bad", {{"policy", "path \"x\" { capabilities = [\"fly\"] }"}}, 400},
      {Operation::kUpdate, "sys/policies/acl/bad", {{"policy", "path {"}}, 400},
      {Operation::kUpdate, "sys/policies/acl/bad", {}, 400},
      {Operation::kUpdate, "sys/policies/acl/root", {{"policy", "path \"x\" { capabilities = [\"read\"] }"}}, 400},
      {Operation::kDelete, "sys/policies/acl/root", {}, 400},
      {Operation::kDelete, "sys/policy/default", {}, 400},
      {Operation::kUpdate, "sys/policy/bad name!", {{"policy", "path \"x\" { capabilities = [\"read\"] }"}}, 400},
      {Operation::kRead, "sys/policies/acl/missing", {}, 404},
      {Operation::kUpdate, "sys/capabilities-self", {}, 400},
      {Operation::kUpdate, "sys/capabilities", {{"token", "nope"}, {"paths", "a"}}, 400},
      {Operation::kUpdate, "auth/token/create", {{"num_uses", -1}}, 400},
      {Operation::kUpdate, "auth/token/create", {{"ttl", "soon"}}, 400},
      {Operation::kUpdate, "auth/token/create", {{"type", "batch"}}, 400},
  };
  for (auto& c : cases) {
    auto r = t_.Do(c.op, c.path, c.body, root_);
    ASSERT_FALSE(r) << c.path << " " << json::serialize(c.body);
    EXPECT_EQ(r.error().http_status(), c.status) << c.path << ": " << r.error().ToString();
  }
  auto list = t_.Do(Operation::kList, "sys/policies/acl/", {}, root_);
  ASSERT_TRUE(list);
  std::vector<std::string> keys;
  for (auto& k : list->data["keys"].as_array()) keys.emplace_back(k.as_string());
  EXPECT_EQ(keys, (std::vector<std::string>{"default", "root"}));
  auto def = t_.Do(Operation::kRead, "sys/policy/default", {}, root_);
  ASSERT_TRUE(def);
  EXPECT_NE(std::string(def->data["rules"].as_string()).find("auth/token/lookup-self"), std::string::npos);
}

}  // namespace
}  // namespace arca::core

namespace arca::core {
namespace {

TEST_F(AclEnforcement, CubbyholeIsPrivateAndGoesWithTheToken) {
  std::string a = Token({{"policies", "default"}});
  std::string b = Token({{"policies", "default"}});
  // The default policy grants cubbyhole/*.
  EXPECT_EQ(Status(Operation::kUpdate, "cubbyhole/note", a, {{"k", "for a"}}), 200);
  EXPECT_EQ(Status(Operation::kUpdate, "cubbyhole/note", b, {{"k", "for b"}}), 200);
  EXPECT_EQ(t_.Do(Operation::kRead, "cubbyhole/note", {}, a)->data["k"].as_string(), "for a");
  EXPECT_EQ(t_.Do(Operation::kRead, "cubbyhole/note", {}, b)->data["k"].as_string(), "for b");
  auto list = t_.Do(Operation::kList, "cubbyhole/", {}, a);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data["keys"].as_array().size(), 1u);
  // Bad input.
  EXPECT_EQ(Status(Operation::kUpdate, "cubbyhole/empty", a), 400);
  EXPECT_EQ(Status(Operation::kRead, "cubbyhole/missing", a), 404);
  EXPECT_EQ(Status(Operation::kUpdate, "sys/mounts/cubbyhole", root_, {{"type", "kv"}}), 400);
  EXPECT_EQ(Status(Operation::kUpdate, "sys/mounts/c2", root_, {{"type", "cubbyhole"}}), 400);
  EXPECT_EQ(Status(Operation::kDelete, "sys/mounts/cubbyhole", root_), 400);
  // Revoking a token destroys its cubbyhole; the other one's stays.
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "auth/token/revoke", json::object{{"token", a}}, root_));
  auto mounts = t_.Do(Operation::kRead, "sys/mounts", {}, root_);
  ASSERT_TRUE(mounts->data.contains("cubbyhole/"));
  EXPECT_EQ(t_.Do(Operation::kRead, "cubbyhole/note", {}, b)->data["k"].as_string(), "for b");
  std::string a2 = Token({{"policies", "default"}});
  EXPECT_EQ(Status(Operation::kRead, "cubbyhole/note", a2), 404);
}

}  // namespace
}  // namespace arca::core

namespace arca::core {
namespace {

TEST_F(AclEnforcement, OrphansAndAccessorList) {
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/policy/maker",
                    json::object{{"policy", R"(path "auth/token/create*" { capabilities = ["update"] }
                                              path "auth/token/accessors/" { capabilities = ["list"] })"}},
                    root_));
  std::string maker = Token({{"policies", "maker"}});
  // no_parent on create needs root; create-orphan does not.
  auto refused = t_.Do(Operation::kUpdate, "auth/token/create", json::object{{"no_parent", true}}, maker);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status(), 400);
  auto orphan = t_.Do(Operation::kUpdate, "auth/token/create-orphan", json::object{}, maker);
  ASSERT_TRUE(orphan) << orphan.error().ToString();
  EXPECT_TRUE(orphan->auth->orphan);
  // Listing accessors needs sudo: a list grant alone is refused; root sees every token.
  EXPECT_EQ(Status(Operation::kList, "auth/token/accessors/", maker), 403);
  auto list = t_.Do(Operation::kList, "auth/token/accessors/", {}, root_);
  ASSERT_TRUE(list) << list.error().ToString();
  bool found = false;
  for (auto& a : list->data["keys"].as_array()) found |= a.as_string() == orphan->auth->accessor;
  EXPECT_TRUE(found);
  EXPECT_GE(list->data["keys"].as_array().size(), 3u);  // root, maker, orphan
}

}  // namespace
}  // namespace arca::core

namespace arca::core {
namespace {

TEST_F(AclEnforcement, RenewWithinLimits) {
  std::string tok = Token({{"policies", "default"}, {"ttl", "1h"}, {"explicit_max_ttl", "2h"}});
  auto look = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok);
  ASSERT_TRUE(look);
  EXPECT_TRUE(look->data["renewable"].as_bool());
  EXPECT_LE(look->data["ttl"].as_int64(), 3600);
  EXPECT_GE(look->data["ttl"].as_int64(), 3590);
  // Renewing asks for 3h; explicit_max_ttl caps it at 2h from creation.
  auto r = t_.Do(Operation::kUpdate, "auth/token/renew-self", json::object{{"increment", "3h"}}, tok);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_LE(r->auth->lease_duration.count(), 7200);
  EXPECT_GE(r->auth->lease_duration.count(), 7190);
  auto again = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok);
  EXPECT_GE(again->data["ttl"].as_int64(), 7190);
  // The default policy grants renew-self; renewing another token by value needs more.
  auto other = t_.Do(Operation::kUpdate, "auth/token/renew", json::object{{"token", tok}}, tok);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().http_status(), 403);
  EXPECT_TRUE(t_.Do(Operation::kUpdate, "auth/token/renew", json::object{{"token", tok}, {"increment", 60}}, root_));
  EXPECT_LE(t_.Do(Operation::kRead, "auth/token/lookup-self", {}, tok)->data["ttl"].as_int64(), 60);

  std::string fixed = Token({{"policies", "default"}, {"renewable", false}});
  auto refused = t_.Do(Operation::kUpdate, "auth/token/renew-self", json::object{}, fixed);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status(), 400);
  auto root_renew = t_.Do(Operation::kUpdate, "auth/token/renew-self", json::object{}, root_);
  ASSERT_FALSE(root_renew);
  EXPECT_EQ(root_renew.error().http_status(), 400);
  auto bad = t_.Do(Operation::kUpdate, "auth/token/renew-self", json::object{{"increment", "soon"}}, tok);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().http_status(), 400);
}

}  // namespace
}  // namespace arca::core

namespace arca::core {
namespace {

TEST_F(AclEnforcement, SudoLetsANonRootTokenCreateOrphans) {
  ASSERT_TRUE(t_.Do(logical::Operation::kUpdate, "sys/policies/acl/minter",
                    json::object{{"policy", R"(path "auth/token/create" { capabilities = ["update", "sudo"] })"}},
                    root_));
  ASSERT_TRUE(t_.Do(logical::Operation::kUpdate, "sys/policies/acl/plain",
                    json::object{{"policy", R"(path "auth/token/create" { capabilities = ["update"] })"}},
                    root_));
  std::string minter = Token({{"policies", json::array{"minter"}}});
  std::string plain = Token({{"policies", json::array{"plain"}}});
  auto orphan = t_.Do(logical::Operation::kUpdate, "auth/token/create",
                      json::object{{"no_parent", true}, {"policies", json::array{"minter"}}}, minter);
  ASSERT_TRUE(orphan) << orphan.error().ToString();
  EXPECT_TRUE(orphan->auth->orphan);
  auto refused = t_.Do(logical::Operation::kUpdate, "auth/token/create",
                       json::object{{"no_parent", true}, {"policies", json::array{"plain"}}}, plain);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().http_status(), 200);
}

TEST_F(AclEnforcement, BoundCidrsAreEnforced) {
  ASSERT_TRUE(t_.Do(logical::Operation::kUpdate, "auth/token/roles/bound",
                    json::object{{"token_bound_cidrs", "10.1.0.0/16"}}, root_));
  auto created = t_.Do(logical::Operation::kUpdate, "auth/token/create/bound", {}, root_);
  ASSERT_TRUE(created) << created.error().ToString();
  std::string tok = created->auth->client_token;
  auto from = [&](const std::string& addr) {
    logical::Request req;
    req.operation = logical::Operation::kRead;
    req.path = "auth/token/lookup-self";
    req.client_token = tok;
    req.remote_addr = addr;
    auto r = t_.core->HandleRequest(req);
    return r ? 200 : r.error().http_status();
  };
  EXPECT_EQ(from("10.1.2.3"), 200);
  EXPECT_EQ(from("10.2.0.1"), 403);
  EXPECT_EQ(from(""), 403);
}

}  // namespace
}  // namespace arca::core
