// sys/plugins/catalog: the built-ins from the core's configuration, Vault's shapes, external
// plugins refused (400), unknown types 400, unknown names 404, sudo on catalog/*.
#include <gtest/gtest.h>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

class Plugins : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.core.reset();
    CoreConfig cfg;
    cfg.physical = *storage::NewInmemBackend({});
    cfg.secret_engines["kv"] = engines::kv::NewKvBackend;
    cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
    cfg.auth_methods["userpass"] = engines::kv::NewKvBackend;  // only the name matters here
    cfg.database_plugins = {"postgresql-database-plugin", "mysql-database-plugin"};
    t_.core = std::make_unique<Core>(std::move(cfg));
    root_ = t_.InitAndUnseal();
    ASSERT_FALSE(root_.empty());
  }
  Result<logical::Response> Do(Operation op, const std::string& path, json::object body = {},
                               std::string tok = "") {
    return t_.Do(op, path, std::move(body), tok.empty() ? root_ : tok);
  }
  TestCore t_;
  std::string root_;
};

TEST_F(Plugins, CatalogListsTheBuiltins) {
  auto r = Do(Operation::kRead, "sys/plugins/catalog");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("secret"), (json::array{"kv"}));  // cubbyhole is part of the core
  EXPECT_EQ(r->data.at("auth"), (json::array{"userpass"}));
  EXPECT_EQ(r->data.at("database"),
            (json::array{"mysql-database-plugin", "postgresql-database-plugin"}));
  const auto& detailed = r->data.at("detailed").as_array();
  ASSERT_EQ(detailed.size(), 4u);
  bool saw_kv = false;
  for (const auto& d : detailed) {
    const auto& o = d.as_object();
    EXPECT_EQ(o.at("builtin"), true);
    EXPECT_EQ(o.at("deprecation_status").as_string(), "supported");
    EXPECT_TRUE(o.at("version").as_string().ends_with("+builtin.arca"));
    if (o.at("name") == "kv") {
      saw_kv = true;
      EXPECT_EQ(o.at("type").as_string(), "secret");
    }
  }
  EXPECT_TRUE(saw_kv);

  auto list = Do(Operation::kList, "sys/plugins/catalog/database/");
  ASSERT_TRUE(list) << list.error().ToString();
  EXPECT_EQ(list->data.at("keys"),
            (json::array{"mysql-database-plugin", "postgresql-database-plugin"}));

  auto one = Do(Operation::kRead, "sys/plugins/catalog/secret/kv");
  ASSERT_TRUE(one) << one.error().ToString();
  EXPECT_EQ(one->data.at("name").as_string(), "kv");
  EXPECT_EQ(one->data.at("builtin"), true);
  EXPECT_EQ(one->data.at("command").as_string(), "");
  EXPECT_EQ(one->data.at("sha256").as_string(), "");
  auto legacy = Do(Operation::kRead, "sys/plugins/catalog/userpass");
  ASSERT_TRUE(legacy) << legacy.error().ToString();
  EXPECT_EQ(legacy->data.at("name").as_string(), "userpass");
}

TEST_F(Plugins, BadRequestsAndRegistrationAreRefused) {
  auto before = Do(Operation::kRead, "sys/plugins/catalog");
  ASSERT_TRUE(before);
  struct Case {
    Operation op;
    std::string path;
    json::object body;
    int code;
  };
  for (const auto& c : std::vector<Case>{
           {Operation::kRead, "sys/plugins/catalog/secret/nope", {}, 404},
           {Operation::kRead, "sys/plugins/catalog/auth/kv", {}, 404},  // wrong type
           {Operation::kRead, "sys/plugins/catalog/nope", {}, 404},
           {Operation::kRead, "sys/plugins/catalog/gadget/kv", {}, 400},
           {Operation::kUpdate, "sys/plugins/catalog/secret/mine",
            {{"sha256", "ab"}, {"command", "mine"}}, 400},
           {Operation::kUpdate, "sys/plugins/catalog/mine", {{"sha256", "ab"}, {"command", "x"}}, 400},
           {Operation::kDelete, "sys/plugins/catalog/secret/kv", {}, 400},
       }) {
    auto r = Do(c.op, c.path, c.body);
    ASSERT_FALSE(r) << c.path;
    EXPECT_EQ(r.error().http_status(), c.code) << c.path << ": " << r.error().ToString();
  }
  auto reg = Do(Operation::kUpdate, "sys/plugins/catalog/secret/mine", {{"sha256", "ab"}});
  ASSERT_FALSE(reg);
  EXPECT_NE(reg.error().ToString().find("external plugins are not supported"), std::string::npos);
  auto after = Do(Operation::kRead, "sys/plugins/catalog");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->data, before->data);
  EXPECT_TRUE(Do(Operation::kRead, "sys/plugins/catalog/secret/kv"));  // still there
}

TEST_F(Plugins, OneEntryNeedsSudo) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/policies/acl/cat",
                 {{"policy", "path \"sys/plugins/catalog*\" { capabilities = [\"read\", \"list\"] }"}}));
  auto tok = Do(Operation::kUpdate, "auth/token/create", {{"policies", json::array{"cat"}}});
  ASSERT_TRUE(tok);
  const std::string t = tok->auth->client_token;
  EXPECT_TRUE(Do(Operation::kRead, "sys/plugins/catalog", {}, t));  // not root-protected
  auto one = Do(Operation::kRead, "sys/plugins/catalog/secret/kv", {}, t);
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().http_status(), 403);
}

}  // namespace
}  // namespace arca::core
