// The token auth method through Core::HandleRequest: trees, accessors, roles, periodic and
// batch tokens, tidy.
#include <gtest/gtest.h>

#include "core/testing.h"
#include "core/token/token_store.h"

namespace arca::core {
namespace {

using logical::Operation;

class TokenBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
    // "creator" may use every token endpoint except sudo-only features.
    const char* hcl = R"(
      path "auth/token/*" { capabilities = ["create", "read", "update", "delete", "list"] }
    )";
    ASSERT_TRUE(
        t_.Do(Operation::kUpdate, "sys/policy/creator", json::object{{"policy", hcl}}, root_));
  }
  Result<logical::Response> Post(const std::string& path, json::object body,
                                 const std::string& token) {
    return t_.Do(Operation::kUpdate, "auth/token/" + path, std::move(body), token);
  }
  // Creates a token and returns it ("" on failure, with a test failure).
  std::string Create(json::object body, const std::string& parent, std::string path = "create") {
    auto r = Post(path, std::move(body), parent);
    EXPECT_TRUE(r) << path << ": " << r.error().ToString();
    return r && r->auth ? r->auth->client_token : "";
  }
  json::object Lookup(const std::string& token) {
    auto r = Post("lookup", {{"token", token}}, root_);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? r->data : json::object{};
  }
  bool Valid(const std::string& token) {
    return static_cast<bool>(t_.Do(Operation::kRead, "auth/token/lookup-self", {}, token));
  }
  int StatusOf(const Result<logical::Response>& r) { return r ? 200 : r.error().http_status(); }
  std::vector<std::string> Policies(const json::object& lookup) {
    std::vector<std::string> out;
    for (const auto& p : lookup.at("policies").as_array()) out.emplace_back(p.as_string());
    return out;
  }

  TestCore t_;
  std::string root_;
};

TEST_F(TokenBackend, RevokeCascadesAndRevokeOrphanKeepsChildren) {
  std::string a = Create({{"policies", "creator"}}, root_);
  std::string b = Create({{"policies", "creator"}}, a);
  std::string c = Create({}, b);
  EXPECT_FALSE(Lookup(b).at("orphan").as_bool());
  // revoke-accessor takes the subtree.
  std::string acc_a = std::string(Lookup(a).at("accessor").as_string());
  ASSERT_TRUE(Post("revoke-accessor", {{"accessor", acc_a}}, root_));
  EXPECT_FALSE(Valid(a));
  EXPECT_FALSE(Valid(b));
  EXPECT_FALSE(Valid(c));

  std::string p = Create({{"policies", "creator"}}, root_);
  std::string kid = Create({}, p);
  // revoke-orphan needs sudo: refused for a non-sudo token, and nothing changes.
  auto refused = Post("revoke-orphan", {{"token", p}}, kid);
  EXPECT_EQ(StatusOf(refused), 400);
  auto refused2 = Post("revoke-orphan", {{"token", p}}, p);
  EXPECT_EQ(StatusOf(refused2), 400);
  EXPECT_TRUE(Valid(p));
  ASSERT_TRUE(Post("revoke-orphan", {{"token", p}}, root_));
  EXPECT_FALSE(Valid(p));
  ASSERT_TRUE(Valid(kid));
  EXPECT_TRUE(Lookup(kid).at("orphan").as_bool());
  EXPECT_EQ(StatusOf(Post("revoke-orphan", {}, root_)), 400);  // missing token
}

TEST_F(TokenBackend, OrphanRules) {
  std::string creator = Create({{"policies", "creator"}}, root_);
  // no_parent needs sudo; create-orphan does not.
  EXPECT_EQ(StatusOf(Post("create", {{"no_parent", true}}, creator)), 400);
  std::string o = Create({}, creator, "create-orphan");
  EXPECT_TRUE(Lookup(o).at("orphan").as_bool());
  EXPECT_EQ(Lookup(o).at("path").as_string(), "auth/token/create-orphan");
  std::string o2 = Create({{"no_parent", true}}, root_);
  EXPECT_TRUE(Lookup(o2).at("orphan").as_bool());
  ASSERT_TRUE(Post("revoke", {{"token", creator}}, root_));
  EXPECT_TRUE(Valid(o));
  // Other sudo-only parameters.
  std::string other = Create({{"policies", "creator"}}, root_);
  EXPECT_EQ(StatusOf(Post("create", {{"period", "1h"}}, other)), 400);
  EXPECT_EQ(StatusOf(Post("create", {{"id", "chosen"}}, other)), 400);
}

// Issue 16 #4: an expiring root token could mint a root token that never expires (Vault
// refuses: "expiring root tokens cannot create non-expiring root tokens", 400).
TEST_F(TokenBackend, ExpiringRootCannotCreateNonExpiringRoot) {
  std::string expiring = Create({{"policies", "root"}, {"ttl", "1h"}}, root_);
  ASSERT_FALSE(expiring.empty());
  ASSERT_GT(Lookup(expiring).at("ttl").as_int64(), 0);
  ASSERT_TRUE(Post("roles/rooty", {{"allowed_policies", "root"}}, root_));
  auto count_tokens = [&] {
    auto r = t_.Do(Operation::kList, "auth/token/accessors", {}, root_);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? r->data.at("keys").as_array().size() : 0u;
  };
  const size_t before = count_tokens();
  for (const char* path : {"create", "create-orphan", "create/rooty"}) {
    auto r = Post(path, {{"policies", "root"}}, expiring);
    ASSERT_FALSE(r) << path;
    EXPECT_EQ(r.error().http_status(), 400) << path;
    EXPECT_NE(
        r.error().ToString().find("expiring root tokens cannot create non-expiring root tokens"),
        std::string::npos)
        << path << ": " << r.error().ToString();
    // An explicit ttl of 0 is the same request.
    EXPECT_EQ(StatusOf(Post(path, {{"policies", "root"}, {"ttl", 0}}, expiring)), 400) << path;
  }
  EXPECT_EQ(count_tokens(), before);
  // What it may do: expiring root children, and non-expiring ones from a non-expiring root.
  for (const char* path : {"create", "create-orphan", "create/rooty"}) {
    std::string child = Create({{"policies", "root"}, {"ttl", "30m"}}, expiring, path);
    ASSERT_FALSE(child.empty()) << path;
    EXPECT_GT(Lookup(child).at("ttl").as_int64(), 0) << path;
  }
  std::string forever = Create({{"policies", "root"}}, root_, "create-orphan");
  EXPECT_EQ(Lookup(forever).at("ttl").as_int64(), 0);
}

TEST_F(TokenBackend, LegacyLeaseIsTtlAndTtlWins) {
  std::string by_lease = Create({{"policies", "creator"}, {"lease", "2h"}}, root_);
  ASSERT_FALSE(by_lease.empty());
  // creation_ttl is exact; ttl counts down and may already have lost a second.
  auto lease_look = Lookup(by_lease);
  EXPECT_EQ(lease_look.at("creation_ttl").as_int64(), 7200);
  EXPECT_GE(lease_look.at("ttl").as_int64(), 7198);
  std::string both = Create({{"policies", "creator"}, {"lease", "2h"}, {"ttl", "30m"}}, root_);
  auto both_look = Lookup(both);
  EXPECT_EQ(both_look.at("creation_ttl").as_int64(), 1800);
  EXPECT_LE(both_look.at("ttl").as_int64(), 1800);
  EXPECT_GE(both_look.at("ttl").as_int64(), 1798);
  EXPECT_EQ(StatusOf(Post("create", {{"lease", "soon"}}, root_)), 400);
}

TEST_F(TokenBackend, EntityAliasIsCheckedAsVaultDoes) {
  auto message = [](const Result<logical::Response>& r) { return r ? "" : r.error().ToString(); };
  auto no_role = Post("create", {{"entity_alias", "web"}}, root_);
  EXPECT_EQ(StatusOf(no_role), 400);
  EXPECT_NE(message(no_role).find("'entity_alias' is only allowed in combination with token role"),
            std::string::npos);
  ASSERT_TRUE(Post("roles/aliased", {{"allowed_entity_aliases", "web"}}, root_));
  auto not_allowed = Post("create/aliased", {{"entity_alias", "db"}}, root_);
  EXPECT_EQ(StatusOf(not_allowed), 400);
  EXPECT_NE(message(not_allowed).find("invalid 'entity_alias' value"), std::string::npos);
  // Allowed: the token carries the entity of the alias "web" on the token mount.
  auto allowed = Post("create/aliased", {{"entity_alias", "web"}}, root_);
  ASSERT_TRUE(allowed) << message(allowed);
  EXPECT_FALSE(allowed->auth->entity_id.empty());
}

TEST_F(TokenBackend, AccessorRenewAndBadAccessors) {
  std::string t = Create({{"policies", "creator"}, {"ttl", "1h"}}, root_);
  std::string acc = std::string(Lookup(t).at("accessor").as_string());
  auto r = Post("renew-accessor", {{"accessor", acc}, {"increment", "2h"}}, root_);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->auth);
  EXPECT_EQ(r->auth->client_token, "");
  EXPECT_EQ(r->auth->accessor, acc);
  EXPECT_GE(r->auth->lease_duration.count(), 7199);
  EXPECT_GE(Lookup(t).at("ttl").as_int64(), 7198);
  for (const char* path : {"renew-accessor", "revoke-accessor", "lookup-accessor"}) {
    EXPECT_EQ(StatusOf(Post(path, {{"accessor", "nope"}}, root_)), 400) << path;
    EXPECT_EQ(StatusOf(Post(path, {}, root_)), 400) << path;
  }
  EXPECT_TRUE(Valid(t));
}

TEST_F(TokenBackend, DefaultsDisplayNameMetaTtl) {
  auto r = Post(
      "create",
      {{"display_name", "my app!"}, {"meta", json::object{{"k", "v"}}}, {"policies", "creator"}},
      root_);
  ASSERT_TRUE(r);
  json::object d = Lookup(r->auth->client_token);
  EXPECT_EQ(d.at("display_name").as_string(), "token-my-app");
  EXPECT_EQ(d.at("meta").as_object().at("k").as_string(), "v");
  EXPECT_EQ(Policies(d), (std::vector<std::string>{"creator", "default"}));
  EXPECT_GT(d.at("creation_ttl").as_int64(), 0);  // the mount/system default
  EXPECT_EQ(d.at("path").as_string(), "auth/token/create");
  std::string nodef = Create({{"policies", "creator"}, {"no_default_policy", true}}, root_);
  EXPECT_EQ(Policies(Lookup(nodef)), std::vector<std::string>{"creator"});
}

TEST_F(TokenBackend, PeriodicTokens) {
  std::string t = Create({{"policies", "creator"}, {"period", "10m"}, {"ttl", "1h"}}, root_);
  json::object d = Lookup(t);
  EXPECT_EQ(d.at("period").as_int64(), 600);
  EXPECT_EQ(d.at("creation_ttl").as_int64(), 600);
  auto renewed = Post("renew", {{"token", t}, {"increment", "5h"}}, root_);
  ASSERT_TRUE(renewed);
  EXPECT_LE(renewed->auth->lease_duration.count(), 600);
  EXPECT_GE(renewed->auth->lease_duration.count(), 599);
  // explicit_max_ttl caps even a periodic token.
  std::string capped =
      Create({{"period", "10m"}, {"explicit_max_ttl", "5m"}, {"policies", "creator"}}, root_);
  EXPECT_EQ(Lookup(capped).at("creation_ttl").as_int64(), 300);
}

TEST_F(TokenBackend, RoleCrudAndBadInput) {
  auto none = t_.Do(Operation::kList, "auth/token/roles", {}, root_);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty_list);  // answered 404 by the HTTP layer
  ASSERT_TRUE(Post("roles/app",
                   {{"allowed_policies", "a,b"},
                    {"period", "1h"},
                    {"path_suffix", "v1"},
                    {"token_bound_cidrs", "10.0.0.0/8"}},
                   root_));
  auto read = t_.Do(Operation::kRead, "auth/token/roles/app", {}, root_);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->data.at("name").as_string(), "app");
  EXPECT_EQ(read->data.at("token_period").as_int64(), 3600);
  EXPECT_EQ(read->data.at("allowed_policies").as_array().size(), 2u);
  EXPECT_TRUE(read->data.at("renewable").as_bool());
  EXPECT_EQ(read->data.at("token_type").as_string(), "default-service");
  // A partial update keeps the other fields.
  ASSERT_TRUE(Post("roles/app", {{"orphan", true}}, root_));
  read = t_.Do(Operation::kRead, "auth/token/roles/app", {}, root_);
  EXPECT_TRUE(read->data.at("orphan").as_bool());
  EXPECT_EQ(read->data.at("path_suffix").as_string(), "v1");

  struct Case {
    const char* name;
    json::object body;
  };
  const Case bad[] = {
      {"type", {{"token_type", "weird"}}},
      {"batch renewable", {{"token_type", "batch"}}},
      {"suffix", {{"path_suffix", "../x"}}},
      {"uses", {{"token_num_uses", -1}}},
      {"cidr", {{"token_bound_cidrs", "10.0.0.0/99"}}},
      {"duration", {{"token_period", "often"}}},
  };
  json::object before = read->data;
  for (const auto& c : bad) {
    EXPECT_EQ(StatusOf(Post("roles/app", c.body, root_)), 400) << c.name;
  }
  EXPECT_EQ(t_.Do(Operation::kRead, "auth/token/roles/app", {}, root_)->data, before);

  ASSERT_TRUE(Post("roles/Other", {}, root_));
  auto list = t_.Do(Operation::kList, "auth/token/roles", {}, root_);
  ASSERT_TRUE(list);
  EXPECT_EQ(json::serialize(list->data.at("keys")), R"(["app","other"])");
  // Non-root tokens without a grant on roles/ are refused.
  std::string nobody = Create({{"policies", "default"}}, root_);
  EXPECT_EQ(StatusOf(Post("roles/app", {{"orphan", false}}, nobody)), 403);
  ASSERT_TRUE(t_.Do(Operation::kDelete, "auth/token/roles/app", {}, root_));
  EXPECT_EQ(StatusOf(t_.Do(Operation::kRead, "auth/token/roles/app", {}, root_)), 404);
  EXPECT_EQ(StatusOf(Post("create/app", {}, root_)), 400);  // unknown role
}

TEST_F(TokenBackend, RolePolicyRules) {
  ASSERT_TRUE(Post("roles/app",
                   {{"allowed_policies", "a,b"},
                    {"allowed_policies_glob", "dev-*"},
                    {"disallowed_policies", "dev-root"}},
                   root_));
  ASSERT_TRUE(Post("roles/open", {{"disallowed_policies_glob", "adm-*"}}, root_));
  // The parent has only "creator": the role, not the parent, decides.
  std::string parent = Create({{"policies", "creator"}}, root_);
  struct Case {
    const char* role;
    json::object body;
    std::vector<std::string> want;  // empty = 400
  };
  const Case cases[] = {
      {"app", {}, {"a", "b", "default"}},
      {"app", {{"policies", "a"}}, {"a", "default"}},
      {"app", {{"policies", "dev-7"}}, {"default", "dev-7"}},
      {"app", {{"policies", "A"}, {"no_default_policy", true}}, {"a"}},
      {"app", {{"policies", "c"}}, {}},
      {"app", {{"policies", "dev-root"}}, {}},
      {"app", {{"policies", "root"}}, {}},
      {"open", {}, {"creator", "default"}},  // inherits the parent's
      {"open", {{"policies", "creator"}}, {"creator", "default"}},
      {"open", {{"policies", "other"}}, {}},  // subset rule without allowed list
      {"open", {{"policies", "adm-x"}}, {}},
  };
  for (const auto& c : cases) {
    auto r = Post(std::string("create/") + c.role, c.body, parent);
    if (c.want.empty()) {
      EXPECT_EQ(StatusOf(r), 400) << c.role << " " << json::serialize(c.body);
      continue;
    }
    ASSERT_TRUE(r) << c.role << " " << json::serialize(c.body) << ": " << r.error().ToString();
    EXPECT_EQ(r->auth->policies, c.want) << c.role << " " << json::serialize(c.body);
  }
  // role_name in the body works like the URL.
  auto by_body = Post("create", {{"role_name", "app"}, {"policies", "b"}}, parent);
  ASSERT_TRUE(by_body) << by_body.error().ToString();
  EXPECT_EQ(Lookup(by_body->auth->client_token).at("role").as_string(), "app");
}

TEST_F(TokenBackend, RoleSettingsApply) {
  ASSERT_TRUE(Post("roles/svc",
                   {{"orphan", true},
                    {"path_suffix", "v2"},
                    {"token_period", "30m"},
                    {"token_explicit_max_ttl", "20m"},
                    {"token_num_uses", 5},
                    {"renewable", false},
                    {"token_bound_cidrs", "127.0.0.1"},
                    {"token_no_default_policy", true}},
                   root_));
  auto r = Post("create/svc", {{"policies", "creator"}, {"num_uses", 9}}, root_);
  ASSERT_TRUE(r) << r.error().ToString();
  json::object d = Lookup(r->auth->client_token);
  EXPECT_EQ(d.at("path").as_string(), "auth/token/create/svc/v2");
  EXPECT_TRUE(d.at("orphan").as_bool());
  EXPECT_EQ(d.at("period").as_int64(), 1800);
  EXPECT_EQ(d.at("explicit_max_ttl").as_int64(), 1200);
  EXPECT_EQ(d.at("creation_ttl").as_int64(), 1200);
  EXPECT_EQ(d.at("num_uses").as_int64(), 5);
  EXPECT_FALSE(d.at("renewable").as_bool());
  EXPECT_EQ(Policies(d), std::vector<std::string>{"creator"});
  EXPECT_EQ(json::serialize(d.at("bound_cidrs")), R"(["127.0.0.1"])");
  // A lesser request value wins over the role's.
  auto fewer = Post("create/svc", {{"policies", "creator"}, {"num_uses", 2}}, root_);
  EXPECT_EQ(Lookup(fewer->auth->client_token).at("num_uses").as_int64(), 2);
}

TEST_F(TokenBackend, BatchTokens) {
  std::string parent = Create({{"policies", "creator"}}, root_);
  auto r = Post("create", {{"type", "batch"}, {"policies", "creator"}, {"ttl", "10m"}}, parent);
  ASSERT_TRUE(r) << r.error().ToString();
  std::string batch = r->auth->client_token;
  EXPECT_TRUE(batch.starts_with("hvb."));
  EXPECT_EQ(r->auth->accessor, "");
  EXPECT_FALSE(r->auth->renewable);
  EXPECT_EQ(r->auth->token_type, "batch");
  auto self = t_.Do(Operation::kRead, "auth/token/lookup-self", {}, batch);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data.at("type").as_string(), "batch");
  EXPECT_EQ(self->data.at("id").as_string(), batch);

  EXPECT_EQ(StatusOf(Post("create", {}, batch)), 400);  // no children
  EXPECT_EQ(StatusOf(Post("create-orphan", {}, batch)), 400);
  EXPECT_EQ(StatusOf(Post("revoke", {{"token", batch}}, root_)), 400);
  EXPECT_EQ(StatusOf(Post("revoke-self", {}, batch)), 400);
  EXPECT_EQ(StatusOf(Post("renew-self", {}, batch)), 400);
  EXPECT_EQ(StatusOf(Post("renew", {{"token", batch}}, root_)), 400);
  EXPECT_TRUE(Valid(batch));
  EXPECT_EQ(StatusOf(Post("create", {{"type", "batch"}, {"num_uses", 3}, {"policies", "creator"}},
                          parent)),
            400);
  EXPECT_EQ(StatusOf(Post("create", {{"type", "batch"}, {"period", "1h"}, {"policies", "creator"}},
                          root_)),
            400);
  EXPECT_EQ(StatusOf(Post("create", {{"type", "batch"}}, root_)), 400);  // would be root
  EXPECT_EQ(StatusOf(Post("create", {{"type", "bogus"}}, root_)), 400);

  // A default-batch role gives batch tokens unless asked otherwise.
  ASSERT_TRUE(Post("roles/b", {{"token_type", "default-batch"}, {"orphan", true}}, root_));
  auto from_role = Post("create/b", {{"policies", "creator"}}, parent);
  ASSERT_TRUE(from_role) << from_role.error().ToString();
  EXPECT_EQ(from_role->auth->token_type, "batch");
  std::string orphan_batch = from_role->auth->client_token;

  // Revoking the parent ends its batch child, not the orphan one.
  ASSERT_TRUE(Post("revoke", {{"token", parent}}, root_));
  EXPECT_FALSE(Valid(batch));
  EXPECT_TRUE(Valid(orphan_batch));
}

TEST_F(TokenBackend, TidyAnswers202WithWarning) {
  Create({{"policies", "creator"}}, root_);
  auto r = Post("tidy", {}, root_);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status_code, 202);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("Tidy operation"), std::string::npos);
  std::string nobody = Create({{"policies", "default"}}, root_);
  EXPECT_EQ(StatusOf(Post("tidy", {}, nobody)), 403);
}

}  // namespace
}  // namespace arca::core
