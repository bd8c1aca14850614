#include "cli/kv_paths.h"

#include "gtest/gtest.h"

namespace arca::cli {
namespace {

TEST(KvPathsTest, AddPrefix) {
  struct Case {
    std::string path, mount, prefix, want;
  };
  const Case cases[] = {
      {"secret/foo", "secret/", "data", "secret/data/foo"},
      {"secret/foo/bar", "secret/", "data", "secret/data/foo/bar"},
      {"secret", "secret/", "metadata", "secret/metadata"},
      {"secret/", "secret/", "metadata", "secret/metadata"},
      {"secret/dir/", "secret/", "metadata", "secret/metadata/dir"},
      {"team/kv/app", "team/kv/", "data", "team/kv/data/app"},
      {"kv/app", "ns1/kv/", "data", "kv/data/app"},  // namespace part of the mount dropped
      {"foo", "", "data", "data/foo"},
      {"secret/foo", "secret/", "delete", "secret/delete/foo"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(AddPrefixToKvPath(c.path, c.mount, c.prefix), c.want) << c.path << " " << c.mount;
  }
}

TEST(KvPathsTest, PathJoin) {
  EXPECT_EQ(PathJoin({"secret/", "foo"}), "secret/foo");
  EXPECT_EQ(PathJoin({"secret/", "", "foo/"}), "secret/foo");
  EXPECT_EQ(PathJoin({"a//b", "c"}), "a/b/c");
  EXPECT_EQ(PathJoin({"", ""}), "");
}

}  // namespace
}  // namespace arca::cli
