#include "core/policy/pattern.h"

#include <limits>

namespace arca::core::policy {
namespace {

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

}  // namespace

Pattern Pattern::Make(std::string_view pattern) {
  Pattern p;
  p.original_ = std::string(pattern);
  if (pattern.ends_with('*')) {
    p.is_prefix_ = true;
    pattern.remove_suffix(1);
  }
  p.path_ = std::string(pattern);
  p.first_wildcard_ = p.is_prefix_ ? p.path_.size() : std::numeric_limits<size_t>::max();
  size_t offset = 0;
  for (std::string_view seg : Split(p.path_)) {
    if (seg == "+") {
      if (p.plus_count_ == 0) p.first_wildcard_ = offset;
      ++p.plus_count_;
    }
    offset += seg.size() + 1;
  }
  if (p.plus_count_ > 0) {
    for (std::string_view seg : Split(p.path_)) p.segments_.emplace_back(seg);
  }
  return p;
}

bool Pattern::Matches(std::string_view path) const {
  if (plus_count_ == 0) return is_prefix_ ? path.starts_with(path_) : path == path_;
  std::vector<std::string_view> parts = Split(path);
  if (is_prefix_ ? parts.size() < segments_.size() : parts.size() != segments_.size()) {
    return false;
  }
  for (size_t i = 0; i < segments_.size(); ++i) {
    const std::string& seg = segments_[i];
    if (seg == "+") continue;
    if (is_prefix_ && i == segments_.size() - 1) {
      // The trailing glob also covers the remaining segments: compare the rest of the path.
      size_t rest = 0;
      for (size_t j = 0; j < i; ++j) rest += parts[j].size() + 1;
      if (!path.substr(rest).starts_with(seg)) return false;
    } else if (parts[i] != seg) {
      return false;
    }
  }
  return true;
}

bool Pattern::MayMatchUnder(std::string_view prefix) const {
  if (plus_count_ == 0) {
    if (path_.starts_with(prefix)) return true;   // the pattern lies below the folder
    return is_prefix_ && prefix.starts_with(path_);  // the glob covers the folder
  }
  std::vector<std::string_view> parts = Split(prefix);
  parts.pop_back();  // the empty text after the folder's trailing '/'
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i >= segments_.size()) return false;  // the folder is deeper than the pattern
    const std::string& seg = segments_[i];
    if (seg == "+") continue;
    if (is_prefix_ && i == segments_.size() - 1) {
      // The trailing glob: everything from here on only needs to extend `seg`.
      size_t rest = 0;
      for (size_t j = 0; j < i; ++j) rest += parts[j].size() + 1;
      return prefix.substr(rest).starts_with(seg);
    }
    if (parts[i] != seg) return false;
  }
  return true;
}

bool Pattern::HigherPriorityThan(const Pattern& other) const {
  if (is_exact() != other.is_exact()) return is_exact();
  if (first_wildcard_ != other.first_wildcard_) return first_wildcard_ > other.first_wildcard_;
  if (is_prefix_ != other.is_prefix_) return !is_prefix_;
  if (plus_count_ != other.plus_count_) return plus_count_ < other.plus_count_;
  if (path_.size() != other.path_.size()) return path_.size() > other.path_.size();
  return path_ > other.path_;
}

}  // namespace arca::core::policy
