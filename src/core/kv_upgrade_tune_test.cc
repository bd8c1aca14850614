// Upgrading a KV v1 mount to v2 with sys/mounts/<path>/tune options.version=2.
#include <gtest/gtest.h>

#include "core/testing.h"

namespace arca::core {
namespace {

using logical::Operation;

TEST(KvTuneUpgrade, V1DataIsReadableAsV2AfterTheTune) {
  TestCore t;
  std::string root = t.InitAndUnseal();
  ASSERT_FALSE(root.empty());
  ASSERT_TRUE(t.Do(Operation::kUpdate, "sys/mounts/old", json::object{{"type", "kv"}}, root));
  ASSERT_TRUE(t.Do(Operation::kUpdate, "old/app/db", json::object{{"password", "s3cret"}}, root));
  ASSERT_TRUE(t.Do(Operation::kUpdate, "old/metadata", json::object{{"x", "1"}}, root));

  // Bad versions and downgrades are refused and change nothing.
  for (const char* bad : {"3", "two", ""}) {
    auto r = t.Do(Operation::kUpdate, "sys/mounts/old/tune",
                  json::object{{"options", json::object{{"version", bad}}}}, root);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().http_status(), 400);
  }
  ASSERT_TRUE(t.Do(Operation::kRead, "old/app/db", {}, root));

  auto up = t.Do(Operation::kUpdate, "sys/mounts/old/tune",
                 json::object{{"options", json::object{{"version", "2"}}}}, root);
  ASSERT_TRUE(up) << up.error().ToString();

  auto r = t.Do(Operation::kRead, "old/data/app/db", {}, root);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("data").as_object().at("password").as_string(), "s3cret");
  auto m = t.Do(Operation::kRead, "old/data/metadata", {}, root);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->data.at("data").as_object().at("x").as_string(), "1");
  auto tune = t.Do(Operation::kRead, "sys/mounts/old/tune", {}, root);
  ASSERT_TRUE(tune);
  EXPECT_EQ(tune->data.at("options").as_object().at("version").as_string(), "2");
  EXPECT_FALSE(tune->data.at("options").as_object().contains("upgrade_from_v1"));

  auto down = t.Do(Operation::kUpdate, "sys/mounts/old/tune",
                   json::object{{"options", json::object{{"version", "1"}}}}, root);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().http_status(), 400);

  // After a seal and unseal the mount comes back as version 2 with its data.
  ASSERT_TRUE(t.core->Seal());
  ASSERT_TRUE(t.core->UnsealWithKeys(t.keys));
  auto again = t.Do(Operation::kRead, "old/data/app/db", {}, root);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->data.at("metadata").as_object().at("version").as_int64(), 1);
}

}  // namespace
}  // namespace arca::core
