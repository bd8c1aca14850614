// sys/config/state/sanitized: what the server handed over in CoreConfig.
#include "core/sys/sys_test_util.h"

namespace arca::core {
namespace {

using logical::Operation;

TEST(ConfigState, AnswersTheSanitizedConfiguration) {
  CoreConfig cfg;
  cfg.physical = *storage::NewInmemBackend({});
  cfg.secret_engines["cubbyhole"] = engines::cubbyhole::NewCubbyholeBackend;
  cfg.sanitized_config = {{"api_addr", "http://x:8200"}, {"storage", {{"type", "inmem"}}}};
  TestCore t;
  t.core = std::make_unique<Core>(std::move(cfg));
  std::string root = t.InitAndUnseal();
  ASSERT_FALSE(root.empty());
  auto r = t.Do(Operation::kRead, "sys/config/state/sanitized", {}, root);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("api_addr").as_string(), "http://x:8200");
  EXPECT_EQ(r->data.at("storage").as_object().at("type").as_string(), "inmem");
  auto none = t.Do(Operation::kRead, "sys/config/state/sanitized", {}, "");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().http_status(), 403);
}

}  // namespace
}  // namespace arca::core
