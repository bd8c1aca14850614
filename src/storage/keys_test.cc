#include "storage/keys.h"

#include <gtest/gtest.h>

namespace arca::storage {
namespace {

TEST(CheckKeyTest, RejectsEmptyAcceptsOthers) {
  EXPECT_FALSE(CheckKey(""));
  EXPECT_EQ(CheckKey("").error().kind(), ErrorKind::kInvalidRequest);
  EXPECT_TRUE(CheckKey("a"));
  EXPECT_TRUE(CheckKey(std::string_view("\0", 1)));
}

TEST(ChildOfTest, Table) {
  struct Case {
    std::string_view key, prefix;
    std::optional<std::string_view> name;
    bool folder;
  };
  const Case cases[] = {
      {"a", "", "a", false},
      {"a/b", "", "a/", true},
      {"a/b/c", "a/", "b/", true},
      {"a/b", "a/", "b", false},
      {"a/", "a/", std::nullopt, false},  // the prefix itself is not its own child
      {"ab", "a/", std::nullopt, false},
      {"b/c", "a/", std::nullopt, false},
      {"", "", std::nullopt, false},
      {"a//", "a/", "/", true},
  };
  for (const auto& c : cases) {
    auto got = ChildOf(c.key, c.prefix);
    ASSERT_EQ(got.has_value(), c.name.has_value()) << c.key << " under " << c.prefix;
    if (!got) continue;
    EXPECT_EQ(got->name, *c.name) << c.key;
    EXPECT_EQ(got->is_folder, c.folder) << c.key;
  }
}

TEST(FolderSkipKeyTest, SortsAfterEveryKeyInTheFolder) {
  std::string skip = FolderSkipKey("p/", "a/");
  EXPECT_EQ(skip, "p/a0");
  EXPECT_LT(std::string("p/a/\xff\xff"), skip);
  EXPECT_LT(std::string("p/a/"), skip);
  EXPECT_GT(std::string("p/a0"), std::string("p/a/zzz"));
  EXPECT_LE(skip, std::string("p/a0"));
}

}  // namespace
}  // namespace arca::storage
