// sys/config/cors: enable, read, disable; persisted across seal/unseal; bad input 400 with
// nothing changed; sudo required (Vault's root path).
#include "core/cors_store.h"
#include "core/sys/sys_test_util.h"

namespace arca::core {
namespace {

using logical::Operation;

class Cors : public sys_test::SysTest {};

TEST_F(Cors, EnableReadPersistDisable) {
  auto off = Do(Operation::kRead, "sys/config/cors");
  ASSERT_TRUE(off) << off.error().ToString();
  EXPECT_EQ(off->data.at("enabled"), false);
  EXPECT_EQ(t_.core->cors().Get(), nullptr);

  ASSERT_TRUE(Do(Operation::kUpdate, "sys/config/cors",
                 {{"allowed_origins", "http://a.example,http://b.example"},
                  {"allowed_headers", json::array{"X-Custom"}}}));
  auto on = Do(Operation::kRead, "sys/config/cors");
  ASSERT_TRUE(on);
  EXPECT_EQ(on->data.at("enabled"), true);
  EXPECT_EQ(on->data.at("allowed_origins"), (json::array{"http://a.example", "http://b.example"}));
  const auto& headers = on->data.at("allowed_headers").as_array();
  EXPECT_NE(std::find(headers.begin(), headers.end(), json::value("X-Custom")), headers.end());
  EXPECT_NE(std::find(headers.begin(), headers.end(), json::value("X-Vault-Token")), headers.end());
  auto c = t_.core->cors().Get();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->OriginAllowed("http://a.example"));
  EXPECT_FALSE(c->OriginAllowed("http://evil.example"));

  ASSERT_TRUE(t_.core->Seal());
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  auto kept = Do(Operation::kRead, "sys/config/cors");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->data, on->data);

  ASSERT_TRUE(Do(Operation::kDelete, "sys/config/cors"));
  EXPECT_EQ(t_.core->cors().Get(), nullptr);
  ASSERT_TRUE(t_.core->Seal());
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  EXPECT_EQ(Do(Operation::kRead, "sys/config/cors")->data.at("enabled"), false);
}

TEST_F(Cors, BadInputIs400AndChangesNothing) {
  ASSERT_TRUE(Do(Operation::kUpdate, "sys/config/cors", {{"allowed_origins", "*"}}));
  auto before = Do(Operation::kRead, "sys/config/cors");
  for (json::object body : {json::object{},
                            json::object{{"allowed_origins", ""}},
                            json::object{{"allowed_origins", "*,http://a.example"}},
                            json::object{{"allowed_origins", "*"}, {"allowed_headers", "Bad Header"}}}) {
    auto r = Do(Operation::kUpdate, "sys/config/cors", body);
    ASSERT_FALSE(r) << json::serialize(body);
    EXPECT_EQ(r.error().http_status(), 400);
  }
  EXPECT_EQ(Do(Operation::kRead, "sys/config/cors")->data, before->data);

  std::string plain = TokenWith("c", "path \"sys/config/cors\" { capabilities = [\"read\", \"update\", \"delete\"] }");
  ASSERT_FALSE(plain.empty());
  EXPECT_EQ(Code(Operation::kDelete, "sys/config/cors", {}, plain), 403);
  EXPECT_NE(t_.core->cors().Get(), nullptr);
}

}  // namespace
}  // namespace arca::core
