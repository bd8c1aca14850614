#include "hcl/blocks.h"

namespace arca::hcl {
namespace {

Status Expand(const Entry& root, const NodePtr& node, size_t remaining,
              std::vector<std::string>* labels, std::vector<Block>* out) {
  if (node->kind == Kind::kList) {
    for (const NodePtr& item : node->list) {
      ARCA_RETURN_IF_ERROR(Expand(root, item, remaining, labels, out));
    }
    return OkStatus();
  }
  if (node->kind != Kind::kObject) {
    std::string want = remaining == 0 ? "a block body (an object)"
                                      : "a block label (an object keyed by the label)";
    return InvalidRequest(Where(*node) + ": \"" + root.key + "\": expected " + want + ", got " +
                          std::string(KindName(node->kind)));
  }
  if (remaining == 0) {
    out->push_back(Block{*labels, root.key_pos, node});
    return OkStatus();
  }
  if (node->entries.empty()) {
    return InvalidRequest(Where(*node) + ": \"" + root.key + "\": expected " +
                          std::to_string(labels->size() + remaining) + " block label(s)");
  }
  for (const Entry& e : node->entries) {
    labels->push_back(e.key);
    ARCA_RETURN_IF_ERROR(Expand(root, e.value, remaining - 1, labels, out));
    labels->pop_back();
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<Block>> ExpandBlocks(const Entry& entry, size_t num_labels) {
  std::vector<Block> out;
  std::vector<std::string> labels;
  ARCA_RETURN_IF_ERROR(Expand(entry, entry.value, num_labels, &labels, &out));
  return out;
}

}  // namespace arca::hcl
