// sys/version-history: the running version is recorded at unseal, once; older versions recorded
// in storage come first with previous_version links.
#include "core/barrier/barrier.h"
#include "core/sys/sys_test_util.h"
#include "core/version_history.h"

namespace arca::core {
namespace {

using logical::Operation;

class VersionHistory : public sys_test::SysTest {};

TEST_F(VersionHistory, RecordsTheRunningVersionOnceAndChainsOlderOnes) {
  auto r = Do(Operation::kList, "sys/version-history/");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->data.at("keys"), (json::array{ARCA_VERSION}));
  const auto& info = r->data.at("key_info").as_object().at(ARCA_VERSION).as_object();
  EXPECT_TRUE(info.at("previous_version").is_null());
  EXPECT_TRUE(info.at("build_date").is_null());
  const std::string installed(info.at("timestamp_installed").as_string());
  EXPECT_EQ(installed.size(), 20u) << installed;  // 2026-01-02T03:04:05Z

  // Older versions (written as an earlier release would have) sort first; a second unseal of
  // the same version keeps its first install time.
  ASSERT_TRUE(RecordVersion(t_.core->barrier(), "0.0.9", 1000));
  ASSERT_TRUE(RecordVersion(t_.core->barrier(), "0.0.8", 10));
  ASSERT_TRUE(t_.core->Seal());
  ASSERT_TRUE(t_.core->UnsealWithKeys(t_.keys));
  auto again = Do(Operation::kList, "sys/version-history");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->data.at("keys"), (json::array{"0.0.8", "0.0.9", ARCA_VERSION}));
  const auto& ki = again->data.at("key_info").as_object();
  EXPECT_TRUE(ki.at("0.0.8").as_object().at("previous_version").is_null());
  EXPECT_EQ(ki.at("0.0.8").as_object().at("timestamp_installed").as_string(), "1970-01-01T00:00:10Z");
  EXPECT_EQ(ki.at("0.0.9").as_object().at("previous_version").as_string(), "0.0.8");
  EXPECT_EQ(ki.at(ARCA_VERSION).as_object().at("previous_version").as_string(), "0.0.9");
  EXPECT_EQ(ki.at(ARCA_VERSION).as_object().at("timestamp_installed").as_string(), installed);

  EXPECT_FALSE(RecordVersion(t_.core->barrier(), "a/b", 1));
  EXPECT_EQ(Code(Operation::kRead, "sys/version-history"), 405);
}

}  // namespace
}  // namespace arca::core
