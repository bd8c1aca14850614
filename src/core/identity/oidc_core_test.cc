// Through Core::HandleRequest: templated ACL policies resolved from the identity store with the
// token's entity, and identity tokens of the identity/ mount (unauthenticated .well-known,
// token for an entity token, introspection following the entity's state).
#include <gtest/gtest.h>

#include "core/testing.h"
#include "core/token/token_store.h"

namespace arca::core {
namespace {

using logical::Operation;

class IdentityCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/mounts/secret", {{"type", "kv"}}, root_));
  }
  // An entity named `name` (metadata team=`team`) and a token of it with `policies`.
  std::pair<std::string, std::string> EntityToken(const std::string& name, const std::string& team,
                                                  std::vector<std::string> policies) {
    auto e = t_.Do(Operation::kUpdate, "identity/entity",
                   {{"name", name}, {"metadata", json::object{{"team", team}}}}, root_);
    EXPECT_TRUE(e) << e.error().ToString();
    std::string id = e ? StringOr(e->data, "id") : "";
    EXPECT_FALSE(id.empty());
    TokenEntry entry;
    entry.policies = std::move(policies);
    entry.entity_id = id;
    entry.path = "auth/token/create";
    auto token = t_.core->tokens().CreateToken(std::move(entry));
    EXPECT_TRUE(token);
    return {id, token ? *token : ""};
  }
  bool CanRead(const std::string& path, const std::string& token) {
    auto r = t_.Do(Operation::kRead, path, {}, token);
    if (!r && r.error().kind() != ErrorKind::kPermissionDenied) {
      ADD_FAILURE() << path << ": " << r.error().ToString();
    }
    return r.has_value();
  }

  TestCore t_;
  std::string root_;
};

TEST_F(IdentityCoreTest, TemplatedPolicyGrantsEachEntityItsOwnPaths) {
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/policy/own",
                    {{"policy", R"(
path "secret/users/{{identity.entity.name}}/*" { capabilities = ["read"] }
path "secret/teams/{{identity.entity.metadata.team}}/*" { capabilities = ["read"] }
path "secret/none/{{identity.entity.metadata.nope}}/*" { capabilities = ["read"] }
)"}},
                    root_));
  for (const char* p : {"secret/users/alice/k", "secret/users/bob/k", "secret/teams/blue/k",
                        "secret/teams/red/k", "secret/none/{{identity.entity.metadata.nope}}/k"}) {
    ASSERT_TRUE(t_.Do(Operation::kUpdate, p, {{"v", "1"}}, root_));
  }
  auto [alice_id, alice] = EntityToken("alice", "blue", {"default", "own"});
  auto [bob_id, bob] = EntityToken("bob", "red", {"default", "own"});
  EXPECT_TRUE(CanRead("secret/users/alice/k", alice));
  EXPECT_FALSE(CanRead("secret/users/bob/k", alice));
  EXPECT_TRUE(CanRead("secret/users/bob/k", bob));
  EXPECT_FALSE(CanRead("secret/users/alice/k", bob));
  EXPECT_TRUE(CanRead("secret/teams/blue/k", alice));
  EXPECT_FALSE(CanRead("secret/teams/red/k", alice));
  EXPECT_FALSE(CanRead("secret/none/{{identity.entity.metadata.nope}}/k", alice));
  // The default policy's template: an entity reads itself, not others.
  EXPECT_TRUE(CanRead("identity/entity/id/" + alice_id, alice));
  EXPECT_FALSE(CanRead("identity/entity/id/" + bob_id, alice));
  // A change of the entity applies to the next request (no new token).
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "identity/entity/id/" + alice_id,
                    {{"metadata", json::object{{"team", "red"}}}}, root_));
  EXPECT_TRUE(CanRead("secret/teams/red/k", alice));
  EXPECT_FALSE(CanRead("secret/teams/blue/k", alice));
  // sys/capabilities-self sees the resolved ACL.
  auto caps = t_.Do(Operation::kUpdate, "sys/capabilities-self",
                    {{"paths", json::array{"secret/users/alice/k", "secret/users/bob/k"}}}, alice);
  ASSERT_TRUE(caps) << caps.error().ToString();
  EXPECT_EQ(caps->data.at("secret/users/alice/k"), json::array{"read"});
  EXPECT_EQ(caps->data.at("secret/users/bob/k"), json::array{"deny"});
  // A token without an entity gets no templated path.
  TokenEntry plain;
  plain.policies = {"default", "own"};
  plain.path = "auth/token/create";
  auto no_entity = t_.core->tokens().CreateToken(std::move(plain));
  ASSERT_TRUE(no_entity);
  EXPECT_FALSE(CanRead("secret/users/alice/k", *no_entity));
}

TEST_F(IdentityCoreTest, IdentityTokensThroughThePipeline) {
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "sys/policy/oidc",
                    {{"policy", R"(path "identity/oidc/token/*" { capabilities = ["read"] })"}},
                    root_));
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "identity/oidc/key/k",
                    {{"allowed_client_ids", "*"}, {"algorithm", "ES256"}}, root_));
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "identity/oidc/role/r",
                    {{"key", "k"}, {"template", R"({"team": {{identity.entity.metadata.team}}})"}},
                    root_));
  auto [id, token] = EntityToken("carol", "green", {"default", "oidc"});
  auto issued = t_.Do(Operation::kRead, "identity/oidc/token/r", {}, token);
  ASSERT_TRUE(issued) << issued.error().ToString();
  const std::string jwt(issued->data.at("token").as_string());
  // The root token has no entity.
  auto root_try = t_.Do(Operation::kRead, "identity/oidc/token/r", {}, root_);
  ASSERT_FALSE(root_try);
  EXPECT_EQ(root_try.error().kind(), ErrorKind::kInvalidRequest);
  // No token at all: refused; the well-known paths need none.
  auto anon = t_.Do(Operation::kRead, "identity/oidc/token/r");
  ASSERT_FALSE(anon);
  EXPECT_EQ(anon.error().kind(), ErrorKind::kPermissionDenied);
  auto jwks = t_.Do(Operation::kRead, "identity/oidc/.well-known/keys");
  ASSERT_TRUE(jwks) << jwks.error().ToString();
  EXPECT_EQ(ParseRaw(*jwks).at("keys").as_array().size(), 2u);
  auto disc = t_.Do(Operation::kRead, "identity/oidc/.well-known/openid-configuration");
  ASSERT_TRUE(disc);
  EXPECT_TRUE(std::string(ParseRaw(*disc).at("issuer").as_string()).ends_with("/v1/identity/oidc"));
  // Introspection follows the entity.
  auto introspect = [&] {
    auto r = t_.Do(Operation::kUpdate, "identity/oidc/introspect", {{"token", jwt}}, root_);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? ParseRaw(*r) : json::object{};
  };
  EXPECT_EQ(introspect(), (json::object{{"active", true}}));
  ASSERT_TRUE(t_.Do(Operation::kUpdate, "identity/entity/id/" + id, {{"disabled", true}}, root_));
  EXPECT_EQ(introspect(), (json::object{{"active", false}, {"error", "entity is disabled"}}));
  ASSERT_TRUE(t_.Do(Operation::kDelete, "identity/entity/id/" + id, {}, root_));
  EXPECT_EQ(introspect(), (json::object{{"active", false}, {"error", "entity was not found"}}));
}

}  // namespace
}  // namespace arca::core
