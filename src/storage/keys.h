// Key-space helpers shared by the storage backends: key validation and the one-level listing
// rule of Backend::List.
//
// Listing rule: under `prefix`, a key `prefix + rest` is a child named `rest` when `rest` has no
// '/', and otherwise contributes the folder `rest[0..first '/']` (with the trailing '/'). A key
// equal to `prefix` itself is not a child of it and is not listed. Keys compare as unsigned bytes
// (memcmp order, the order of std::string and of LMDB's default comparator).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arca::storage {

// Keys must be non-empty; backends with a length limit check it themselves.
// Returns InvalidRequest for an empty key.
Status CheckKey(std::string_view key);

// One entry of a listing: a key directly under the prefix, or a folder (ends in '/').
struct ListEntry {
  std::string_view name;  // points into the key passed to ChildOf
  bool is_folder = false;
};

// The entry `key` contributes to List(prefix), or nullopt when `key` does not start with
// `prefix` or equals it.
std::optional<ListEntry> ChildOf(std::string_view key, std::string_view prefix);

// The smallest key after every key inside `prefix + folder` (folder ends in '/'): the folder with
// its trailing '/' replaced by '0' ('/' + 1). A listing that has emitted `folder` seeks here.
std::string FolderSkipKey(std::string_view prefix, std::string_view folder);

}  // namespace arca::storage
