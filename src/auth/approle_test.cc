// AppRole through a real Core: roles, role IDs, secret IDs, login, binding, expiry, tidy,
// concurrency of single-use secret IDs, bad input.
#include "auth/approle.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth/test_util.h"
#include "common/uuid.h"

namespace arca::auth {
namespace {

using logical::Operation;
using std::chrono::seconds;

class Approle : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(c_.root.empty());
    ASSERT_TRUE(c_.Root(Operation::kUpdate, "sys/auth/approle", {{"type", "approle"}}));
  }
  std::string RoleId(const std::string& role) {
    auto r = c_.Root(Operation::kRead, "auth/approle/role/" + role + "/role-id");
    return r ? std::string(r->data.at("role_id").as_string()) : "";
  }
  json::object NewSecret(const std::string& role, json::object body = {}) {
    auto r = c_.Root(Operation::kUpdate, "auth/approle/role/" + role + "/secret-id", body);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? r->data : json::object{};
  }
  Result<logical::Response> Login(const std::string& role_id, const std::string& secret,
                                  std::string addr = "127.0.0.1") {
    return c_.Do(Operation::kUpdate, "auth/approle/login",
                 {{"role_id", role_id}, {"secret_id", secret}}, "", std::move(addr));
  }
  testing::AuthCore c_;
};

std::string Str(const json::object& o, const char* k) { return std::string(o.at(k).as_string()); }

TEST_F(Approle, RoleSecretIdLoginAndTokenTtl) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/My-App",
                      {{"secret_id_ttl", "24h"}, {"token_ttl", "1h"}, {"policies", "app"}}));
  auto role = c_.Root(Operation::kRead, "auth/approle/role/my-app");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->data.at("secret_id_ttl").as_int64(), 86400);
  EXPECT_TRUE(role->data.at("bind_secret_id").as_bool());
  EXPECT_EQ(json::serialize(role->data.at("token_policies")), R"(["app"])");
  std::string role_id = RoleId("my-app");
  EXPECT_TRUE(IsUuid(role_id)) << role_id;
  auto s = NewSecret("my-app", {{"metadata", R"({"env":"prod"})"}});
  EXPECT_EQ(s.at("secret_id_ttl").as_int64(), 86400);
  auto r = Login(role_id, Str(s, "secret_id"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->auth->lease_duration.count(), 3600);
  EXPECT_EQ(r->auth->policies, (std::vector<std::string>{"app", "default"}));
  EXPECT_EQ(r->auth->metadata.at("role_name"), "my-app");
  EXPECT_EQ(r->auth->metadata.at("env"), "prod");
  EXPECT_TRUE(c_.Do(Operation::kRead, "auth/token/lookup-self", {}, r->auth->client_token));
  // Wrong secret / wrong role id.
  auto bad = Login(role_id, "nope");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().http_status(), 400);
  auto bad_role = Login("nope", Str(s, "secret_id"));
  ASSERT_FALSE(bad_role);
  EXPECT_EQ(bad_role.error().message(), bad.error().message());
  // The secret ID is not stored in clear anywhere readable: lookup needs it.
  auto look = c_.Root(Operation::kUpdate, "auth/approle/role/my-app/secret-id/lookup",
                      {{"secret_id", Str(s, "secret_id")}});
  ASSERT_TRUE(look);
  EXPECT_EQ(Str(look->data, "secret_id_accessor"), Str(s, "secret_id_accessor"));
  EXPECT_EQ(Str(look->data.at("metadata").as_object(), "env"), "prod");
  EXPECT_FALSE(look->data.contains("secret_id"));
}

TEST_F(Approle, SingleUseSecretIdAdmitsExactlyOneOfEightConcurrentLogins) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/r", {{"token_ttl", "1m"}}));
  std::string role_id = RoleId("r");
  auto s = NewSecret("r", {{"num_uses", 1}});
  std::string secret = Str(s, "secret_id");
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { (Login(role_id, secret) ? ok : failed)++; });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(failed.load(), 7);
  // Deleted at its last use.
  auto look = c_.Root(Operation::kUpdate, "auth/approle/role/r/secret-id-accessor/lookup",
                      {{"secret_id_accessor", Str(s, "secret_id_accessor")}});
  ASSERT_FALSE(look);
  EXPECT_EQ(look.error().http_status(), 404);
  // Two uses: two logins.
  auto two = NewSecret("r", {{"num_uses", 2}});
  EXPECT_TRUE(Login(role_id, Str(two, "secret_id")));
  EXPECT_TRUE(Login(role_id, Str(two, "secret_id")));
  EXPECT_FALSE(Login(role_id, Str(two, "secret_id")));
}

TEST_F(Approle, ExpiryDestroyAndTidy) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/r", {}));
  std::string role_id = RoleId("r");
  auto short_lived = NewSecret("r", {{"ttl", "1s"}});
  auto kept = NewSecret("r");
  auto destroyed = NewSecret("r");
  auto by_acc = NewSecret("r");
  auto list = c_.Root(Operation::kList, "auth/approle/role/r/secret-id");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data.at("keys").as_array().size(), 4u);

  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/r/secret-id/destroy",
                      {{"secret_id", Str(destroyed, "secret_id")}}));
  EXPECT_FALSE(Login(role_id, Str(destroyed, "secret_id")));
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/r/secret-id-accessor/destroy",
                      {{"secret_id_accessor", Str(by_acc, "secret_id_accessor")}}));
  EXPECT_FALSE(Login(role_id, Str(by_acc, "secret_id")));

  c_.clock.Advance(seconds(2));
  auto expired = Login(role_id, Str(short_lived, "secret_id"));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().http_status(), 400);
  auto tidy = c_.Root(Operation::kUpdate, "auth/approle/tidy/secret-id");
  ASSERT_TRUE(tidy) << tidy.error().ToString();
  list = c_.Root(Operation::kList, "auth/approle/role/r/secret-id");
  ASSERT_TRUE(list);
  EXPECT_EQ(json::serialize(list->data.at("keys")),
            "[\"" + Str(kept, "secret_id_accessor") + "\"]");
  EXPECT_TRUE(Login(role_id, Str(kept, "secret_id")));
}

TEST_F(Approle, SourceBinding) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/r",
                      {{"secret_id_bound_cidrs", "10.0.0.0/8"}}));
  std::string role_id = RoleId("r");
  auto s = NewSecret("r", {{"cidr_list", "10.1.0.0/16"}});
  auto outside_role = Login(role_id, Str(s, "secret_id"), "192.168.1.1");
  ASSERT_FALSE(outside_role);
  EXPECT_EQ(outside_role.error().http_status(), 400);
  auto outside_secret = Login(role_id, Str(s, "secret_id"), "10.2.0.1");
  ASSERT_FALSE(outside_secret);
  EXPECT_EQ(outside_secret.error().http_status(), 400);
  EXPECT_NE(outside_secret.error().message().find("CIDR"), std::string::npos);
  EXPECT_TRUE(Login(role_id, Str(s, "secret_id"), "10.1.2.3"));
  // A role without a secret ID, bound by CIDR only.
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/open",
                      {{"bind_secret_id", false}, {"secret_id_bound_cidrs", "127.0.0.0/8"}}));
  auto open = c_.Do(Operation::kUpdate, "auth/approle/login", {{"role_id", RoleId("open")}});
  EXPECT_TRUE(open) << open.error().ToString();
}

TEST_F(Approle, RoleIdCustomSecretIdAndSubPaths) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/r", {{"role_id", "my-role-id"}}));
  EXPECT_EQ(RoleId("r"), "my-role-id");
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/r/role-id", {{"role_id", "other"}}));
  EXPECT_EQ(RoleId("r"), "other");
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/r2", {}));
  auto taken = c_.Root(Operation::kUpdate, "auth/approle/role/r2/role-id", {{"role_id", "other"}});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().http_status(), 400);

  auto custom = c_.Root(Operation::kUpdate, "auth/approle/role/r/custom-secret-id",
                        {{"secret_id", "s3cr3t"}});
  ASSERT_TRUE(custom);
  EXPECT_TRUE(Login("other", "s3cr3t"));
  EXPECT_FALSE(Login("my-role-id", "s3cr3t"));  // the old role ID is gone

  struct Sub {
    const char* path;
    json::object body;
    const char* key;
    const char* want;
  };
  std::vector<Sub> subs = {
      {"policies", {{"token_policies", "a,b"}}, "token_policies", R"(["a","b"])"},
      {"secret-id-num-uses", {{"secret_id_num_uses", 5}}, "secret_id_num_uses", "5"},
      {"secret-id-ttl", {{"secret_id_ttl", "1h"}}, "secret_id_ttl", "3600"},
      {"token-ttl", {{"token_ttl", "10m"}}, "token_ttl", "600"},
      {"token-max-ttl", {{"token_max_ttl", "1h"}}, "token_max_ttl", "3600"},
      {"bind-secret-id", {{"bind_secret_id", true}}, "bind_secret_id", "true"},
      {"secret-id-bound-cidrs",
       {{"secret_id_bound_cidrs", "10.0.0.0/8"}},
       "secret_id_bound_cidrs",
       R"(["10.0.0.0/8"])"},
      {"token-bound-cidrs",
       {{"token_bound_cidrs", "10.0.0.0/8"}},
       "token_bound_cidrs",
       R"(["10.0.0.0/8"])"},
      {"period", {{"period", "30m"}}, "token_period", "1800"},
  };
  for (const auto& s : subs) {
    std::string p = std::string("auth/approle/role/r2/") + s.path;
    auto w = c_.Root(Operation::kUpdate, p, s.body);
    ASSERT_TRUE(w) << p << " " << w.error().ToString();
    auto r = c_.Root(Operation::kRead, p);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(json::serialize(r->data.at(s.key)), s.want) << p;
    auto full = c_.Root(Operation::kRead, "auth/approle/role/r2");
    EXPECT_EQ(json::serialize(full->data.at(s.key)), s.want) << p;
    auto missing = c_.Root(Operation::kUpdate, p, {});
    ASSERT_FALSE(missing) << p;
    EXPECT_EQ(missing.error().http_status(), 400) << p;
  }
  ASSERT_TRUE(c_.Root(Operation::kDelete, "auth/approle/role/r2/token-ttl"));
  EXPECT_EQ(c_.Root(Operation::kRead, "auth/approle/role/r2/token-ttl")->data.at("token_ttl"), 0);
  // num_uses and ttl of a secret ID are capped by the role.
  auto over = c_.Root(Operation::kUpdate, "auth/approle/role/r2/secret-id", {{"num_uses", 6}});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().http_status(), 400);

  auto roles = c_.Root(Operation::kList, "auth/approle/role");
  ASSERT_TRUE(roles);
  EXPECT_EQ(json::serialize(roles->data.at("keys")), R"(["r","r2"])");
  ASSERT_TRUE(c_.Root(Operation::kDelete, "auth/approle/role/r"));
  EXPECT_FALSE(Login("other", "s3cr3t"));
  EXPECT_EQ(c_.Root(Operation::kRead, "auth/approle/role/r").error().http_status(), 404);
}

TEST_F(Approle, BadInputChangesNothing) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/approle/role/r", {{"token_ttl", "1h"}}));
  struct Case {
    Operation op;
    std::string path;
    json::object body;
    int status;
  };
  std::vector<Case> cases = {
      {Operation::kUpdate, "auth/approle/role/bad name!", {}, 404},
      {Operation::kUpdate, "auth/approle/role/.dot", {}, 404},
      {Operation::kUpdate,
       "auth/approle/role/r",
       {{"token_ttl", "2h"}, {"token_max_ttl", "1h"}},
       400},
      {Operation::kUpdate, "auth/approle/role/r", {{"secret_id_bound_cidrs", "300.0.0.0/8"}}, 400},
      {Operation::kUpdate, "auth/approle/role/r", {{"secret_id_num_uses", -2}}, 400},
      {Operation::kUpdate, "auth/approle/role/r", {{"bind_secret_id", false}}, 400},
      {Operation::kUpdate, "auth/approle/role/r", {{"local_secret_ids", true}}, 400},
      {Operation::kUpdate, "auth/approle/role/r", {{"token_type", "nope"}}, 400},
      {Operation::kUpdate, "auth/approle/role/r/secret-id", {{"metadata", "not json"}}, 400},
      {Operation::kUpdate, "auth/approle/role/r/secret-id", {{"metadata", R"({"a":1})"}}, 400},
      {Operation::kUpdate, "auth/approle/role/r/secret-id", {{"cidr_list", "x"}}, 400},
      {Operation::kUpdate, "auth/approle/role/r/secret-id", {{"num_uses", -1}}, 400},
      {Operation::kUpdate, "auth/approle/role/none/secret-id", {}, 400},
      {Operation::kUpdate, "auth/approle/role/r/secret-id/lookup", {}, 400},
      {Operation::kUpdate, "auth/approle/role/r/secret-id-accessor/lookup", {}, 400},
      {Operation::kUpdate, "auth/approle/role/r/custom-secret-id", {}, 400},
      {Operation::kUpdate, "auth/approle/role/r/role-id", {}, 400},
      {Operation::kUpdate, "auth/approle/role/r/role-id", {{"role_id", ""}}, 400},
      {Operation::kRead, "auth/approle/role/none/role-id", {}, 404},
      {Operation::kUpdate, "auth/approle/login", {}, 400},
      {Operation::kUpdate, "auth/approle/login", {{"role_id", "x"}}, 400},
      {Operation::kRead, "auth/approle/login", {}, 405},
      {Operation::kDelete, "auth/approle/role", {}, 405},
      {Operation::kUpdate, "auth/approle/nothing", {}, 404},
  };
  for (const auto& c : cases) {
    auto r = c_.Root(c.op, c.path, c.body);
    ASSERT_FALSE(r) << c.path;
    EXPECT_EQ(r.error().http_status(), c.status) << c.path << " " << r.error().ToString();
  }
  auto role = c_.Root(Operation::kRead, "auth/approle/role/r");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->data.at("token_ttl").as_int64(), 3600);
  EXPECT_TRUE(role->data.at("bind_secret_id").as_bool());
  EXPECT_EQ(role->data.at("secret_id_num_uses").as_int64(), 0);
  auto none = c_.Root(Operation::kList, "auth/approle/role/r/secret-id");  // none created
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty_list);
  auto anon = c_.Do(Operation::kUpdate, "auth/approle/role/r/secret-id");
  ASSERT_FALSE(anon);
  EXPECT_EQ(anon.error().http_status(), 403);
}

}  // namespace
}  // namespace arca::auth
