// How storage keys map onto Vault's PostgreSQL table layout (parent_path, path, key).
//
// Storage keys are arbitrary non-empty byte strings, but PostgreSQL TEXT holds no NUL byte and,
// in a UTF8 database, no invalid UTF-8. So a key is first encoded into 7-bit text that keeps the
// byte order of keys (a memcmp of two encodings, which is what COLLATE "C" compares, orders them
// as the raw keys) and keeps '/' where it was:
//   0x02..0x7e  stay as they are (every key Arca writes is of these bytes only)
//   0x00, 0x01  become 0x01 0x01 and 0x01 0x02
//   0x7f..0xff  become 0x7f, '0' + (b - 0x7f) / 16, '0' + (b - 0x7f) % 16
// The encoding is prefix-free per byte and order-preserving, so the whole encoding is too.
//
// The encoded key is then split as Vault splits it (physical/postgresql):
//   "c"      -> parent_path "",     path "/",     key "c"
//   "a/c"    -> parent_path "/",    path "/a/",   key "c"
//   "a/b/c"  -> parent_path "/a/",  path "/a/b/", key "c"
// and the full key is path without its leading '/' followed by key.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace arca::storage::postgresql {

std::string EncodeKey(std::string_view raw);
// The inverse of EncodeKey. Bytes that EncodeKey never writes (a table written by another
// program) are taken as they are; a dangling escape is kept literally.
std::string DecodeKey(std::string_view encoded);

struct SplitKey {
  std::string parent_path;
  std::string path;
  std::string key;
};
// Splits an already encoded key.
SplitKey Split(std::string_view encoded);
// The encoded full key of a row: path minus its leading '/', then key.
std::string Join(std::string_view path, std::string_view key);

// The smallest string greater than every string that starts with `prefix` (which is non-empty
// and whose last byte is below 0x7f, as encoded '/'-terminated paths are).
std::string PrefixEnd(std::string_view prefix);

}  // namespace arca::storage::postgresql
