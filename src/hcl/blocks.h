// Reading labelled blocks in both their HCL and JSON spellings.
//
//   listener "tcp" { address = "a" }          (HCL block)
//   "listener": {"tcp": {"address": "a"}}     (JSON object)
//   "listener": [{"tcp": {"address": "a"}}]   (JSON list of objects)
//   "listener": {"tcp": [{...}, {...}]}       (JSON list at any level)
// all expand to Block{labels = {"tcp"}, body = {address = "a"}}.
//
// Thread-safety: pure functions. The returned bodies share ownership of the parsed tree.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "hcl/node.h"

namespace arca::hcl {

struct Block {
  std::vector<std::string> labels;  // exactly the number asked for
  Position pos;                     // of the block's key
  NodePtr body;                     // an Object
};

// Expands the value of `entry` into blocks with `num_labels` labels each, in source order.
// A value that does not have that shape (a label level or body that is not an object or a
// list of objects) is an InvalidRequest error naming its position and the block key.
Result<std::vector<Block>> ExpandBlocks(const Entry& entry, size_t num_labels);

}  // namespace arca::hcl
