// Path patterns of ACL rules and Vault's priority order between them.
//
//   "secret/foo"       exact
//   "secret/*"         prefix ('*' only at the end; matches "secret/" and anything below)
//   "secret/+/config"  '+' matches exactly one whole path segment
//   "secret/+/zip-*"   both; the final prefix may span further segments
//
// Thread-safety: a Pattern is an immutable value after Make.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace arca::core::policy {

class Pattern {
 public:
  // `pattern` as stored in PathRules (leading '/' already stripped, validated by ParsePolicy).
  static Pattern Make(std::string_view pattern);

  bool Matches(std::string_view path) const;

  // Whether some path beginning with `prefix` (a folder: "" or ending in '/') could match this
  // pattern. Used to decide which folders a filtered LIST may show.
  bool MayMatchUnder(std::string_view prefix) const;

  // True if this pattern has strictly higher priority than `other` (both matching one path):
  // exact patterns first; then (1) the later first '+'/'*' wins, (2) not ending in '*' wins,
  // (3) fewer '+' segments win, (4) the longer pattern wins, (5) the lexicographically larger
  // pattern wins.
  bool HigherPriorityThan(const Pattern& other) const;

  bool is_exact() const { return !is_prefix_ && plus_count_ == 0; }
  bool is_prefix() const { return is_prefix_; }
  const std::string& original() const { return original_; }

 private:
  std::string original_;
  std::string path_;  // without the trailing '*'
  bool is_prefix_ = false;
  size_t plus_count_ = 0;
  size_t first_wildcard_ = 0;          // offset of the first '+' segment or the '*'
  std::vector<std::string> segments_;  // path_ split at '/', only when plus_count_ > 0
};

}  // namespace arca::core::policy
