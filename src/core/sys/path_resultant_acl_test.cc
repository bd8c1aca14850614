// sys/internal/ui/resultant-acl: the caller's merged policies in Vault's shape.
#include "core/sys/sys_test_util.h"

namespace arca::core {
namespace {

using logical::Operation;

class ResultantAcl : public sys_test::SysTest {};

TEST_F(ResultantAcl, MergesTheCallersPolicies) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/policies/acl/p1",
                 {{"policy", "path \"secret/a\" { capabilities = [\"read\"] }\n"
                             "path \"secret/dir/*\" { capabilities = [\"list\"] }"}}));
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/policies/acl/p2",
                 {{"policy", "path \"secret/a\" { capabilities = [\"update\"] }\n"
                             "path \"secret/+/cfg\" { capabilities = [\"deny\"] }"}}));
  auto tok = Do(Operation::kUpdate, "auth/token/create",
                {{"policies", json::array{"p1", "p2"}}});
  ASSERT_TRUE(tok);
  auto r = Do(Operation::kRead, "sys/internal/ui/resultant-acl", {}, tok->auth->client_token);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("root"), false);
  const auto& exact = r->data.at("exact_paths").as_object();
  const auto& glob = r->data.at("glob_paths").as_object();
  EXPECT_EQ(exact.at("secret/a").as_object().at("capabilities"), (json::array{"read", "update"}));
  EXPECT_EQ(glob.at("secret/dir/").as_object().at("capabilities"), (json::array{"list"}));
  EXPECT_EQ(glob.at("secret/+/cfg").as_object().at("capabilities"), (json::array{"deny"}));
  // The default policy's rules are part of it (it grants this very path).
  EXPECT_TRUE(exact.contains("sys/internal/ui/resultant-acl"));
  EXPECT_FALSE(exact.contains("secret/dir/*"));
  // Without the default policy, nothing grants the path: 403.
  auto bare = Do(Operation::kUpdate, "auth/token/create",
                 {{"policies", json::array{"p1"}}, {"no_default_policy", true}});
  ASSERT_TRUE(bare);
  EXPECT_EQ(Code(Operation::kRead, "sys/internal/ui/resultant-acl", {}, bare->auth->client_token), 403);

  auto root = Do(Operation::kRead, "sys/internal/ui/resultant-acl");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->data.at("root"), true);
  EXPECT_TRUE(root->data.at("exact_paths").as_object().empty());

  EXPECT_EQ(Code(Operation::kRead, "sys/internal/ui/resultant-acl", {}, "not-a-token"), 403);
}

}  // namespace
}  // namespace arca::core
