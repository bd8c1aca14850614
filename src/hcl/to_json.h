// Converting an HCL tree to the code base's JSON type.
//
// Repeated keys: when every value of a repeated key is an object, the objects are merged key by
// key (recursively, by the same rule), so `path "a" {...}` and `path "b" {...}` become
// {"path": {"a": {...}, "b": {...}}}. Otherwise the later value wins, as in JSON. Decoders that
// must see every occurrence (the policy parser, the config loader) should walk the Node tree.
// Numbers: integral ones become int64, others double. Thread-safe: pure function.
#pragma once

#include "common/json.h"
#include "hcl/node.h"

namespace arca::hcl {

json::value ToJson(const Node& node);

}  // namespace arca::hcl
