// Password policies (parsing, sys/policies/password, MountRoute::GeneratePassword) and the
// periodic thread that drives Backend::Periodic.
#include "core/password_policy.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

constexpr char kDigits[] = R"(
length = 12
rule "charset" {
  charset = "0123456789"
  min-chars = 2
}
rule "charset" {
  charset = "xy"
  min-chars = 3
}
)";

TEST(PasswordPolicyParse, RulesAndErrors) {
  auto p = ParsePasswordPolicy(kDigits);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->length, 12);
  ASSERT_EQ(p->rules.size(), 2u);
  EXPECT_EQ(p->rules[1].charset, "xy");
  EXPECT_EQ(p->rules[1].min_chars, 3);
  for (const char* bad : {
           "length = 12",                                             // no rule
           "rule \"charset\" { charset = \"ab\" }",                   // no length
           "length = 2\nrule \"charset\" { charset = \"ab\" }",       // too short
           "length = 8\nrule \"words\" { charset = \"ab\" }",         // unknown rule type
           "length = 8\nrule \"charset\" { min-chars = 1 }",          // no charset
           "length = 8\ncolour = \"red\"\nrule \"charset\" { charset = \"ab\" }",
           "length = 8\nrule \"charset\" { charset = \"ab\"\nmin-chars = 9 }",
           "length = {",                                              // HCL syntax
       }) {
    auto r = ParsePasswordPolicy(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidRequest) << bad;
  }
}

class PasswordPolicies : public ::testing::Test {
 protected:
  void SetUp() override { root_ = t_.InitAndUnseal(); }
  Result<logical::Response> Do(Operation op, const std::string& path, json::object body = {}) {
    return t_.Do(op, path, std::move(body), root_);
  }
  TestCore t_;
  std::string root_;
};

TEST_F(PasswordPolicies, WriteReadListGenerateDelete) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/policies/password/digits", {{"policy", kDigits}}));
  auto read = Do(Operation::kRead, "sys/policies/password/digits");
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->data.at("policy").as_string(), kDigits);
  auto list = Do(Operation::kList, "sys/policies/password/");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->data.at("keys").as_array().size(), 1u);
  for (int i = 0; i < 20; ++i) {
    auto gen = Do(Operation::kRead, "sys/policies/password/digits/generate");
    ASSERT_TRUE(gen) << gen.error().ToString();
    std::string pw(gen->data.at("password").as_string());
    EXPECT_EQ(pw.size(), 12u);
    EXPECT_EQ(pw.find_first_not_of("0123456789xy"), std::string::npos) << pw;
    EXPECT_GE(std::count_if(pw.begin(), pw.end(), [](char c) { return c == 'x' || c == 'y'; }), 3);
  }
  // Engines reach named policies through their mount's SystemView.
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/mounts/kv", {{"type", "kv"}}));
  auto route = t_.core->router().Find("kv/");
  ASSERT_TRUE(route);
  auto pw = route->GeneratePassword("digits");
  ASSERT_TRUE(pw) << pw.error().ToString();
  EXPECT_EQ(pw->size(), 12u);
  auto def = route->GeneratePassword("");
  ASSERT_TRUE(def);
  EXPECT_EQ(def->size(), 20u);
  auto missing = route->GeneratePassword("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kInvalidRequest);

  ASSERT_TRUE(Do(Operation::kDelete, "sys/policies/password/digits"));
  auto gone = Do(Operation::kRead, "sys/policies/password/digits");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().http_status(), 404);
  EXPECT_FALSE(route->GeneratePassword("digits"));
}

TEST_F(PasswordPolicies, BadInputChangesNothing) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/policies/password/keep", {{"policy", kDigits}}));
  struct Case {
    Operation op;
    std::string path;
    json::object body;
    int status;
  };
  const std::vector<Case> cases = {
      {Operation::kUpdate, "sys/policies/password/keep", {{"policy", "length = 2"}}, 400},
      {Operation::kUpdate, "sys/policies/password/keep", {}, 400},
      {Operation::kUpdate, "sys/policies/password/b@d", {{"policy", kDigits}}, 400},
      {Operation::kRead, "sys/policies/password/none/generate", {}, 404},
      {Operation::kRead, "sys/policies/password/none", {}, 404},
  };
  for (const auto& c : cases) {
    auto r = Do(c.op, c.path, c.body);
    ASSERT_FALSE(r) << c.path;
    EXPECT_EQ(r.error().http_status(), c.status) << c.path << ": " << r.error().ToString();
  }
  EXPECT_EQ(Do(Operation::kRead, "sys/policies/password/keep")->data.at("policy").as_string(),
            kDigits);
  // A token without a policy for the path is refused.
  auto child = Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"default"}}});
  ASSERT_TRUE(child);
  auto denied = t_.Do(Operation::kRead, "sys/policies/password/keep", {},
                      std::string(child->auth->client_token));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().http_status(), 403);
}

// A backend that counts its Periodic() calls and notes the (kernel) id of the calling thread.
class CountingBackend : public logical::Backend {
 public:
  CountingBackend(std::atomic<int>* calls, std::atomic<pid_t>* tid) : calls_(calls), tid_(tid) {}
  Result<logical::Response> HandleRequest(logical::Request&) override {
    return logical::Response{};
  }
  void Periodic(logical::Storage& storage) override {
    tid_->store(static_cast<pid_t>(syscall(SYS_gettid)));
    calls_->fetch_add(1);
    (void)storage.Put("tick", "1");  // storage is usable from the periodic thread
  }
  std::string_view Type() const override { return "counting"; }

 private:
  std::atomic<int>* calls_;
  std::atomic<pid_t>* tid_;
};

bool ThreadAlive(pid_t tid) {
  return std::filesystem::exists("/proc/self/task/" + std::to_string(tid));
}

TEST(PeriodicThread, CallsMountedBackendsWhileUnsealedOnly) {
  std::atomic<int> calls{0};
  std::atomic<pid_t> tid{0};
  CoreConfig cfg;
  cfg.physical = *storage::NewInmemBackend({});
  cfg.secret_engines["counting"] =
      [&calls, &tid](const logical::BackendConfig&) -> Result<std::unique_ptr<logical::Backend>> {
    return std::make_unique<CountingBackend>(&calls, &tid);
  };
  cfg.periodic_interval = std::chrono::milliseconds(10);
  TestCore t;
  t.core = std::make_unique<Core>(std::move(cfg));
  std::string root = t.InitAndUnseal();
  ASSERT_FALSE(root.empty());
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/c", {{"type", "counting"}}, root));
  EXPECT_TRUE(Eventually([&] { return calls.load() >= 3; }));
  const pid_t unsealed_tid = tid.load();
  ASSERT_NE(unsealed_tid, 0);
  ASSERT_TRUE(ThreadAlive(unsealed_tid));
  ASSERT_TRUE(t.core->Seal());
  // No calls while sealed: the only thread that makes them has ended (Seal joined it; the
  // kernel drops its task entry just after), so none can come, however long we wait.
  const int at_seal = calls.load();
  EXPECT_TRUE(Eventually([&] { return !ThreadAlive(unsealed_tid); }));
  EXPECT_EQ(calls.load(), at_seal);
  ASSERT_TRUE(t.core->UnsealWithKeys(t.keys));
  // Calls resume after unseal, on a new thread.
  EXPECT_TRUE(Eventually([&] { return calls.load() >= at_seal + 2; }));
  EXPECT_NE(tid.load(), unsealed_tid);
}

}  // namespace
}  // namespace arca::core
