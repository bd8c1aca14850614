// The HCL document model: a tree of positioned values.
//
// hcl::Parse (parser.h) produces it from HCL1-style text or from JSON. Every node remembers where
// it came from (file, line, column), so decoders built on top (server config, ACL policies) can
// name the exact place of a bad or unknown key.
//
// Shape of blocks: `a "b" "c" { body }` is the entry key "a" (is_block = true) whose value is
// Object{ "b": Object{ "c": Object(body) } } (the label entries are blocks too). The JSON form
// {"a": {"b": {"c": {...}}}} gives the same shape with is_block = false, and {"a": [{...}, {...}]}
// gives a list. Use ExpandBlocks (blocks.h) to read both forms uniformly.
//
// Keys of an object may repeat (two `listener` blocks); entries keep their source order.
//
// Ownership and thread-safety: a parsed tree is immutable and shared through NodePtr
// (shared_ptr<const Node>); it may be read from any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arca::hcl {

// 1-based line and column (columns count UTF-8 characters). {0, 0} means "unknown".
struct Position {
  int line = 0;
  int column = 0;
};

enum class Kind { kNull, kBool, kNumber, kString, kList, kObject };

// "null", "bool", "number", "string", "list", "object".
std::string_view KindName(Kind kind);

struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct Entry {
  std::string key;
  Position key_pos;
  NodePtr value;  // never null in a parsed tree
  bool is_block = false;
};

struct Node {
  Kind kind = Kind::kNull;
  Position pos;
  // Name given to Parse; shared by all nodes of one document (may be null in hand-built trees).
  std::shared_ptr<const std::string> file;

  bool bool_value = false;     // kBool
  bool is_integer = false;     // kNumber: the literal was integral and fits in int64
  int64_t int_value = 0;       // kNumber, when is_integer
  double number_value = 0;     // kNumber, always set
  std::string string_value;    // kString: decoded text; kNumber: the literal as written
  std::vector<NodePtr> list;   // kList
  std::vector<Entry> entries;  // kObject, in source order

  bool IsObject() const { return kind == Kind::kObject; }
  const std::string& filename() const;

  // The last entry with `key`, or nullptr (also for non-objects).
  const Entry* Find(std::string_view key) const;
  // Every entry with `key`, in source order.
  std::vector<const Entry*> FindAll(std::string_view key) const;
};

// "file:line:col" for `pos` in the document `node` belongs to ("line:col" without a file name).
std::string Where(const Node& node, Position pos);
// Where(node, node.pos).
std::string Where(const Node& node);
// "file:line" (no column), the form config warnings use.
std::string WhereLine(const Node& node, Position pos);

// Typed readers. Each returns an InvalidRequest error "file:line:col: <what>: expected ..., got
// <kind>" when the node has another type; `what` (usually the key) may be empty.

// A string node only.
Result<std::string> AsString(const Node& node, std::string_view what = {});
// A string, a number (as written) or a bool ("true"/"false"). Lists, objects and null fail.
Result<std::string> AsScalarString(const Node& node, std::string_view what = {});
// A bool, or a string Go's strconv.ParseBool accepts ("1", "t", "T", "true", "TRUE", "True",
// and the false forms "0", "f", ...), or the numbers 0 and 1.
Result<bool> AsBool(const Node& node, std::string_view what = {});
// An integral number, or a string holding a decimal integer ("8200").
Result<int64_t> AsInt(const Node& node, std::string_view what = {});
// Any number, or a string holding one.
Result<double> AsDouble(const Node& node, std::string_view what = {});
// A list of strings, or one string split at commas (blanks around items trimmed, empty items
// dropped): ["a", "b"] and "a, b" give the same result.
Result<std::vector<std::string>> AsStringList(const Node& node, std::string_view what = {});

}  // namespace arca::hcl
