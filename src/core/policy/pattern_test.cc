// Pattern: exact / prefix / '+' segment matching and Vault's priority order.
#include "core/policy/pattern.h"

#include <gtest/gtest.h>

namespace arca::core::policy {
namespace {

TEST(Pattern, Matching) {
  struct Case {
    const char* pattern;
    const char* path;
    bool match;
  } cases[] = {
      {"secret/foo", "secret/foo", true},
      {"secret/foo", "secret/foo/", false},
      {"secret/foo", "secret/fo", false},
      {"secret/*", "secret/", true},
      {"secret/*", "secret/a/b/c", true},
      {"secret/*", "secret", false},
      {"secret/zip-*", "secret/zip-zap", true},
      {"secret/zip-*", "secret/zip-zap/zong", true},
      {"secret/zip-*", "secret/zi", false},
      {"*", "anything/at/all", true},
      {"secret/+/teamb", "secret/foo/teamb", true},
      {"secret/+/teamb", "secret/foo/bar/teamb", false},
      {"secret/+/teamb", "secret/foo/teamc", false},
      {"secret/+/teamb", "secret/foo", false},
      {"secret/+", "secret/a", true},
      {"secret/+", "secret/a/b", false},
      {"+/config", "kv/config", true},
      {"+/config", "kv/x/config", false},
      {"secret/+/*", "secret/a/b", true},
      {"secret/+/*", "secret/a/", true},
      {"secret/+/*", "secret/a", false},
      {"secret/+/zip-*", "secret/a/zip-zap/zong", true},
      {"secret/+/zip-*", "secret/a/zap", false},
      {"a/+/+/d", "a/b/c/d", true},
      {"a/+/+/d", "a/b/c/e", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Pattern::Make(c.pattern).Matches(c.path), c.match) << c.pattern << " vs " << c.path;
  }
}

TEST(Pattern, Kinds) {
  EXPECT_TRUE(Pattern::Make("a/b").is_exact());
  EXPECT_FALSE(Pattern::Make("a/*").is_exact());
  EXPECT_TRUE(Pattern::Make("a/*").is_prefix());
  EXPECT_FALSE(Pattern::Make("a/+").is_exact());
  EXPECT_FALSE(Pattern::Make("a/+").is_prefix());
  EXPECT_EQ(Pattern::Make("a/*").original(), "a/*");
}

// Each row: `winner` must beat `loser` (both match some common path), and not the reverse.
TEST(Pattern, PriorityRules) {
  struct Case {
    const char* rule;
    const char* winner;
    const char* loser;
  } cases[] = {
      {"exact beats all", "a/b/c", "a/b/c*"},
      {"exact beats +", "a/b/c", "a/b/+"},
      {"P1 later first wildcard", "a/b/+", "a/+/c"},
      {"P1 longer prefix", "a/b/*", "a/*"},
      {"P1 '+' later than '*'", "secret/foo/+", "secret/*"},
      {"P2 not ending in *", "a/b/+", "a/b/*"},
      {"P3 fewer + (docs: secret/* vs secret/+/*)", "secret/*", "secret/+/*"},
      {"P3 fewer +", "a/+/c", "a/+/+"},
      {"P4 longer", "a/+/cd*", "a/+/c*"},
      {"P5 lexicographically larger", "+/a/+", "+/+/b"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    Pattern w = Pattern::Make(c.winner), l = Pattern::Make(c.loser);
    EXPECT_TRUE(w.HigherPriorityThan(l)) << c.winner << " > " << c.loser;
    EXPECT_FALSE(l.HigherPriorityThan(w)) << c.loser << " > " << c.winner;
  }
  Pattern same = Pattern::Make("a/+/b");
  EXPECT_FALSE(same.HigherPriorityThan(Pattern::Make("a/+/b")));
}

}  // namespace
}  // namespace arca::core::policy
