// Response shapes of the system backend that Vault clients depend on (the HTTP side is in
// src/http/wire_shapes_test.cc and tests/integration/wire_shapes_test.cc).
#include <gtest/gtest.h>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

TEST(SysWireShapes, InitReadIsTheBareObject) {
  TestCore t;
  auto before = t.Do(Operation::kRead, "sys/init");
  ASSERT_TRUE(before) << before.error().ToString();
  ASSERT_TRUE(before->raw) << "sys/init must bypass the envelope";
  EXPECT_EQ(before->raw->status, 200);
  EXPECT_EQ(before->raw->content_type, "application/json");
  EXPECT_EQ(before->raw->body, R"({"initialized":false})");

  std::string root = t.InitAndUnseal();
  ASSERT_FALSE(root.empty());
  auto after = t.Do(Operation::kRead, "sys/init");
  ASSERT_TRUE(after && after->raw);
  EXPECT_EQ(after->raw->body, R"({"initialized":true})");
}

TEST(SysWireShapes, AuditTableWithNoDeviceKeepsItsEmptyData) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  auto r = t.Do(Operation::kRead, "sys/audit", {}, root);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->data.empty());
  EXPECT_TRUE(r->data_even_if_empty);
  EXPECT_TRUE(r->data_at_top_level);
  EXPECT_TRUE(r->HasContent()) << "an empty audit table is 200 {\"data\": {}}, not 204";
}

TEST(SysWireShapes, HelpHasHelpOpenapiAndSeeAlso) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  for (const char* path : {"sys/mounts", "sys/policy/default", "auth/token/create"}) {
    auto r = t.Do(Operation::kHelp, path, {}, root);
    ASSERT_TRUE(r) << path << ": " << r.error().ToString();
    EXPECT_TRUE(r->data.at("help").is_string()) << path;
    EXPECT_TRUE(r->data.at("openapi").is_object()) << path;
    ASSERT_TRUE(r->data.contains("see_also")) << path;
    EXPECT_TRUE(r->data.at("see_also").is_null()) << path;
  }
}

}  // namespace
}  // namespace arca::core

namespace arca::core {
namespace {

using logical::Operation;

// Vault checks the token and its ACL before reporting that no mount serves a path.
TEST(SysWireShapes, UnknownRouteIs403WithoutAValidTokenAnd404WithOne) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  auto code = [&](const std::string& token) {
    auto r = t.Do(Operation::kRead, "no-such-mount/x", {}, token);
    return r ? 200 : r.error().http_status();
  };
  EXPECT_EQ(code(""), 403);
  EXPECT_EQ(code("hvs.not-a-token"), 403);
  EXPECT_EQ(code(root), 404);
  // A valid token whose policies do not reach the path: 403; one whose policies do: 404.
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/policy/anything",
                   json::object{{"policy", "path \"no-such-mount/*\" { capabilities = [\"read\"] }"}},
                   root));
  auto mk = [&](const char* policy) {
    auto r = t.Do(Operation::kUpdate, "auth/token/create",
                  json::object{{"policies", json::array{policy}}}, root);
    return r && r->auth ? r->auth->client_token : std::string();
  };
  std::string plain = mk("default");
  std::string reader = mk("anything");
  ASSERT_FALSE(plain.empty());
  ASSERT_FALSE(reader.empty());
  EXPECT_EQ(code(plain), 403);
  EXPECT_EQ(code(reader), 404);
}

}  // namespace
}  // namespace arca::core
