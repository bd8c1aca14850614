// Logins through an auth method: the core creates the token from the method's Auth block.
#include <gtest/gtest.h>

#include "core/testing.h"
#include "logical/framework/framework_backend.h"

namespace arca::core {
namespace {

using logical::Operation;
namespace fw = logical::framework;

// An auth method whose login/<name> grants the policies in the request body.
Result<std::unique_ptr<logical::Backend>> FakeAuth(const logical::BackendConfig&) {
  fw::FrameworkBackend::Options o;
  o.type = "fake";
  o.kind = logical::BackendKind::kCredential;
  o.special_paths.unauthenticated = {"login/*"};
  fw::Path login;
  login.pattern = "login/(?<name>\\w+)";
  login.fields["name"] = fw::FieldSchema{.type = fw::FieldType::kString};
  login.fields["policies"] = fw::FieldSchema{.type = fw::FieldType::kCommaStringSlice};
  login.fields["ttl"] = fw::FieldSchema{.type = fw::FieldType::kDuration};
  login.fields["type"] = fw::FieldSchema{.type = fw::FieldType::kString};
  login.operations[Operation::kUpdate] = {[](logical::Request&, fw::FieldData& d)
                                              -> Result<logical::Response> {
    logical::Response r;
    logical::Auth a;
    a.policies = d.GetStringSlice("policies");
    a.metadata = {{"username", d.GetString("name")}};
    a.display_name = d.GetString("name");
    a.lease_duration = std::chrono::seconds(d.GetInt("ttl"));
    a.renewable = true;
    a.token_type = d.GetString("type");
    r.auth = std::move(a);
    return r;
  }, "login"};
  o.paths.push_back(std::move(login));
  return fw::FrameworkBackend::Create(std::move(o));
}

class Login : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.core.reset();
    CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    cfg.auth_methods["fake"] = FakeAuth;
    t_.core = std::make_unique<Core>(std::move(cfg));
    root_ = t_.InitAndUnseal();
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/auth/fake", {{"type", "fake"}}, root_));
  }
  TestCore t_;
  std::string root_;
};

TEST_F(Login, CreatesATokenWithLeaseFromTheAuthBlock) {
  auto r = t_.Do(Operation::kUpdate, "auth/fake/login/alice", {{"policies", "dev,ops"}, {"ttl", "90s"}});
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->auth);
  const auto& a = *r->auth;
  EXPECT_TRUE(a.client_token.starts_with("hvs.")) << a.client_token;
  EXPECT_FALSE(a.accessor.empty());
  EXPECT_EQ(a.policies, (std::vector<std::string>{"default", "dev", "ops"}));
  EXPECT_EQ(a.lease_duration.count(), 90);
  EXPECT_TRUE(a.orphan);

  auto self = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, a.client_token);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data.at("path").as_string(), "auth/fake/login/alice");
  EXPECT_EQ(self->data.at("display_name").as_string(), "fake-alice");
  EXPECT_EQ(self->data.at("meta").as_object().at("username").as_string(), "alice");
  auto leases = t_.Do(Operation::kList, "sys/leases/lookup/auth/fake/login/alice/", {}, root_);
  ASSERT_TRUE(leases) << leases.error().ToString();
  EXPECT_EQ(leases->data.at("keys").as_array().size(), 1u);
}

TEST_F(Login, RootIsRefusedAndTtlIsCappedByTheMount) {
  auto root = t_.Do(Operation::kUpdate, "auth/fake/login/eve", {{"policies", "root"}});
  ASSERT_FALSE(root);
  EXPECT_EQ(root.error().http_status(), 403);
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/auth/fake/tune", {{"max_lease_ttl", "60"}}, root_));
  auto r = t_.Do(Operation::kUpdate, "auth/fake/login/bob", {{"ttl", "1h"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->lease_duration.count(), 60);
}

TEST_F(Login, MountTokenTypeBatch) {
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/auth/fake/tune", {{"token_type", "batch"}}, root_));
  auto r = t_.Do(Operation::kUpdate, "auth/fake/login/carol", {{"policies", "dev"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->token_type, "batch");
  EXPECT_TRUE(r->auth->client_token.starts_with("hvb.")) << r->auth->client_token;
  auto self = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, r->auth->client_token);
  ASSERT_TRUE(self) << self.error().ToString();
}

}  // namespace
}  // namespace arca::core
