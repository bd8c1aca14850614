#include "storage/keys.h"

namespace arca::storage {

Status CheckKey(std::string_view key) {
  if (key.empty()) return InvalidRequest("storage: empty key");
  return OkStatus();
}

std::optional<ListEntry> ChildOf(std::string_view key, std::string_view prefix) {
  if (key.size() <= prefix.size() || !key.starts_with(prefix)) return std::nullopt;
  std::string_view rest = key.substr(prefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return ListEntry{rest, false};
  return ListEntry{rest.substr(0, slash + 1), true};
}

std::string FolderSkipKey(std::string_view prefix, std::string_view folder) {
  std::string out;
  out.reserve(prefix.size() + folder.size());
  out.append(prefix);
  out.append(folder);
  out.back() = '/' + 1;
  return out;
}

}  // namespace arca::storage
