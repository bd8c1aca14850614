// userpass through a real Core: users CRUD, login, the token it yields, lockout, bad input.
#include "auth/userpass.h"

#include <gtest/gtest.h>

#include "auth/test_util.h"

namespace arca::auth {
namespace {

using logical::Operation;
using std::chrono::seconds;

class Userpass : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(c_.root.empty());
    ASSERT_TRUE(c_.Root(Operation::kUpdate, "sys/auth/userpass", {{"type", "userpass"}}));
  }
  Result<logical::Response> Login(const std::string& user, const std::string& pw,
                                  std::string addr = "127.0.0.1") {
    return c_.Do(Operation::kUpdate, "auth/userpass/login/" + user, {{"password", pw}}, "",
                 std::move(addr));
  }
  std::string Accessor() {
    auto r = c_.Root(Operation::kRead, "sys/auth");
    if (!r) return "";
    auto d = core::ParseRaw(*r);
    const auto* m = d.if_contains("userpass/");
    if (m == nullptr) m = r->data.if_contains("userpass/");
    return m ? std::string(m->as_object().at("accessor").as_string()) : "";
  }
  testing::AuthCore c_;
};

TEST_F(Userpass, CreateLoginAndTokenTtl) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/users/Alice",
                      {{"password", "pw1"}, {"token_ttl", "1h"}, {"token_policies", "dev"}}));
  auto r = Login("alice", "pw1");
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->auth);
  EXPECT_EQ(r->auth->lease_duration.count(), 3600);
  EXPECT_EQ(r->auth->policies, (std::vector<std::string>{"default", "dev"}));
  EXPECT_EQ(r->auth->metadata.at("username"), "alice");
  auto self = c_.Do(Operation::kRead, "auth/token/lookup-self", {}, r->auth->client_token);
  ASSERT_TRUE(self) << self.error().ToString();
  EXPECT_EQ(self->data.at("display_name").as_string(), "userpass-alice");
  // Case-insensitive names.
  EXPECT_TRUE(Login("ALICE", "pw1"));
  // Read shape: token fields, no password.
  auto u = c_.Root(Operation::kRead, "auth/userpass/users/alice");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->data.at("token_ttl").as_int64(), 3600);
  EXPECT_FALSE(u->data.contains("password"));
  EXPECT_FALSE(u->data.contains("password_hash"));
}

TEST_F(Userpass, WrongPasswordAndUnknownUserLookAlike) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/users/bob", {{"password", "right"}}));
  auto wrong = Login("bob", "wrong");
  auto unknown = Login("nobody", "wrong");
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().http_status(), 400);
  EXPECT_EQ(unknown.error().http_status(), 400);
  EXPECT_EQ(wrong.error().message(), "invalid username or password");
  EXPECT_EQ(unknown.error().message(), wrong.error().message());

  // Timing: both run one bcrypt of the same cost (lockout off: a locked alias is refused before
  // bcrypt, for known and unknown names alike). The fastest of several runs is compared (other
  // load on the machine only ever adds time, so minimums are stable under a parallel ctest).
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/config/lockout", {{"lockout_disable", true}}));
  auto hash = BcryptHash("x", kMinBcryptCost);
  ASSERT_TRUE(hash);
  auto time = [](auto fn) {
    double best = 1e9;
    for (int i = 0; i < 8; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      fn();
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
  };
  double bcrypt = time([&] { (void)BcryptVerify("y", *hash); });
  double t_wrong = time([&] { (void)Login("bob", "wrong"); });
  double t_unknown = time([&] { (void)Login("nobody", "wrong"); });
  EXPECT_GE(t_wrong, bcrypt * 0.8);
  EXPECT_GE(t_unknown, bcrypt * 0.8);
  EXPECT_LT(t_unknown / t_wrong, 3.0);
  EXPECT_LT(t_wrong / t_unknown, 3.0);
}

TEST_F(Userpass, PasswordAndPoliciesSubPathsListAndDelete) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/users/carol", {{"password", "a"}}));
  ASSERT_TRUE(
      c_.Root(Operation::kUpdate, "auth/userpass/users/carol/password", {{"password", "b"}}));
  EXPECT_FALSE(Login("carol", "a"));
  ASSERT_TRUE(Login("carol", "b"));
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/users/carol/policies",
                      {{"token_policies", "ops,dev"}}));
  auto r = Login("carol", "b");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->auth->policies, (std::vector<std::string>{"default", "dev", "ops"}));
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/users/dave", {{"password", "d"}}));
  auto list = c_.Root(Operation::kList, "auth/userpass/users");
  ASSERT_TRUE(list);
  EXPECT_EQ(json::serialize(list->data.at("keys")), R"(["carol","dave"])");
  ASSERT_TRUE(c_.Root(Operation::kDelete, "auth/userpass/users/carol"));
  EXPECT_FALSE(Login("carol", "b"));
  auto gone = c_.Root(Operation::kRead, "auth/userpass/users/carol");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().http_status(), 404);
}

TEST_F(Userpass, PasswordHashImport) {
  auto h = BcryptHash("imported", kMinBcryptCost);
  ASSERT_TRUE(h);
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/users/erin", {{"password_hash", *h}}));
  EXPECT_TRUE(Login("erin", "imported"));
  auto bad = c_.Root(Operation::kUpdate, "auth/userpass/users/frank",
                     {{"password_hash", "$2b$10$tooshort"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().http_status(), 400);
}

TEST_F(Userpass, BoundCidrsRefuseOtherAddresses) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/users/gina",
                      {{"password", "g"}, {"token_bound_cidrs", "10.0.0.0/8"}}));
  auto outside = Login("gina", "g", "192.168.0.1");
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().http_status(), 403);
  EXPECT_TRUE(Login("gina", "g", "10.1.1.1"));
}

TEST_F(Userpass, LockoutAfterFailuresAndUnlock) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/config/lockout",
                      {{"lockout_threshold", 3}, {"lockout_duration", "10m"}}));
  auto cfg = c_.Root(Operation::kRead, "auth/userpass/config/lockout");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->data.at("lockout_threshold").as_int64(), 3);
  EXPECT_EQ(cfg->data.at("lockout_duration").as_int64(), 600);
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/users/hal", {{"password", "h"}}));
  for (int i = 0; i < 3; ++i) {
    auto r = Login("hal", "bad");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "invalid username or password");
  }
  auto locked = Login("hal", "h");  // the right password, but locked
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().http_status(), 400);
  EXPECT_NE(locked.error().message().find("locked"), std::string::npos);
  // Unknown users lock the same way (the lock reveals nothing).
  for (int i = 0; i < 3; ++i) (void)Login("ghost", "bad");
  EXPECT_NE(Login("ghost", "bad").error().message().find("locked"), std::string::npos);

  std::string acc = Accessor();
  ASSERT_FALSE(acc.empty());
  auto listed = LockoutRegistry::Global().LockedUsersResponse(acc, c_.clock.Now());
  EXPECT_EQ(listed.at("total").as_int64(), 2);
  LockoutRegistry::Global().Unlock(acc, "hal");
  EXPECT_TRUE(Login("hal", "h"));
  // The lock also runs out by itself.
  c_.clock.Advance(seconds(601));
  EXPECT_EQ(Login("ghost", "bad").error().message(), "invalid username or password");
}

TEST_F(Userpass, BadInputChangesNothing) {
  ASSERT_TRUE(c_.Root(Operation::kUpdate, "auth/userpass/users/ivy",
                      {{"password", "i"}, {"token_ttl", "1h"}}));
  struct Case {
    Operation op;
    std::string path;
    json::object body;
    int status;
  };
  std::vector<Case> cases = {
      {Operation::kUpdate, "auth/userpass/users/new", {}, 400},  // no password
      {Operation::kUpdate,
       "auth/userpass/users/ivy",
       {{"token_ttl", "2h"}, {"token_max_ttl", "1h"}},
       400},
      {Operation::kUpdate, "auth/userpass/users/ivy", {{"token_bound_cidrs", "1.2.3.4/99"}}, 400},
      {Operation::kUpdate, "auth/userpass/users/ivy", {{"token_type", "bogus"}}, 400},
      {Operation::kUpdate, "auth/userpass/users/ivy", {{"token_ttl", "forever"}}, 400},
      {Operation::kUpdate,
       "auth/userpass/users/ivy",
       {{"password", "a"}, {"password_hash", "b"}},
       400},
      {Operation::kUpdate, "auth/userpass/users/ivy", {{"password", std::string(80, 'x')}}, 400},
      {Operation::kUpdate, "auth/userpass/users/nobody/password", {{"password", "x"}}, 400},
      {Operation::kUpdate, "auth/userpass/users/ivy/password", {}, 400},
      {Operation::kUpdate, "auth/userpass/users/ivy/policies", {}, 400},
      {Operation::kUpdate, "auth/userpass/users/bad name", {{"password", "x"}}, 404},
      {Operation::kUpdate, "auth/userpass/users/-bad", {{"password", "x"}}, 404},
      {Operation::kUpdate, "auth/userpass/login/ivy", {}, 400},
      {Operation::kRead, "auth/userpass/login/ivy", {}, 405},
      {Operation::kDelete, "auth/userpass/users", {}, 405},
      {Operation::kUpdate, "auth/userpass/nothing", {}, 404},
      {Operation::kUpdate, "auth/userpass/config/lockout", {{"lockout_threshold", -1}}, 400},
  };
  for (const auto& c : cases) {
    auto r = c_.Root(c.op, c.path, c.body);
    ASSERT_FALSE(r) << c.path;
    EXPECT_EQ(r.error().http_status(), c.status) << c.path << " " << r.error().ToString();
  }
  auto u = c_.Root(Operation::kRead, "auth/userpass/users/ivy");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->data.at("token_ttl").as_int64(), 3600);
  EXPECT_TRUE(u->data.at("token_bound_cidrs").as_array().empty());
  EXPECT_TRUE(Login("ivy", "i"));
  EXPECT_FALSE(c_.Root(Operation::kRead, "auth/userpass/users/new"));
  // Unauthenticated callers cannot manage users.
  auto anon = c_.Do(Operation::kUpdate, "auth/userpass/users/zed", {{"password", "z"}});
  ASSERT_FALSE(anon);
  EXPECT_EQ(anon.error().http_status(), 403);
}

}  // namespace
}  // namespace arca::auth
