// Canonicalization patterns over data-movement chains:
//   - Transpose(Transpose(x)) whose permutations compose to the identity -> x;
//   - a chain of views (Reshape, Flatten, Squeeze, Unsqueeze) -> one Reshape
//     of the chain's input to the chain's (static) result shape.
// Both are exact: a view never reorders elements and a cancelling pair of
// transposes is the identity. The inner node is erased only if nothing else
// reads it, so neither needs a single-use check (each rewrite removes a node
// or shortens a chain without duplicating work).
#include "passes/Canonicalize.h"
#include "passes/RewriteUtil.h"

namespace ingot::passes {

namespace {

// result dim i of the outer Transpose is inner dim outer[i], which is input
// dim inner[outer[i]]: the pair cancels when that is i for every i.
Expected<bool> cancelTransposePair(RewriteContext& ctx, ir::Node& root) {
  ir::Node* inner = ctx.producerOf(root.operand(0), "Transpose");
  if (!inner) return false;
  const std::vector<int64_t> outer = effectivePerm(root);
  const std::vector<int64_t> first = effectivePerm(*inner);
  if (outer.size() != first.size()) return false;
  for (size_t i = 0; i < outer.size(); ++i) {
    if (outer[i] < 0 || outer[i] >= static_cast<int64_t>(first.size())) return false;
    if (first[outer[i]] != static_cast<int64_t>(i)) return false;
  }
  INGOT_ASSIGN_OR_RETURN(bool fired, ctx.replaceRoot(root, inner->operand(0)));
  if (fired) ctx.retire(inner);
  return fired;
}

// The ops that only reinterpret the shape of their (first) operand.
constexpr std::string_view kViewOps[] = {"Reshape", "Flatten", "Squeeze", "Unsqueeze"};

ir::Node* viewProducer(const RewriteContext& ctx, const ir::Value* v) {
  for (std::string_view op : kViewOps)
    if (ir::Node* n = ctx.producerOf(v, op)) return n;
  return nullptr;
}

Expected<bool> mergeViewChain(RewriteContext& ctx, ir::Node& root) {
  ir::Node* inner = viewProducer(ctx, root.operand(0));
  if (!inner) return false;
  const Shape& shape = root.result()->shape();
  ir::AttrMap attrs;
  attrs["shape"] = ir::Attribute(std::vector<int64_t>(shape.begin(), shape.end()));
  // Reshape reads a 0 in `shape` as "copy the input dim" unless allowzero is
  // set; the static shape is meant literally.
  for (int64_t d : shape)
    if (d == 0) attrs["allowzero"] = ir::Attribute(int64_t{1});
  INGOT_ASSIGN_OR_RETURN(bool fired, ctx.replaceRootWithNew(root, "Reshape", {inner->operand(0)}, std::move(attrs)));
  if (fired) ctx.retire(inner);
  return fired;
}

const RewritePattern kShapePatterns[] = {
    {"cancel-transpose-pair", "Transpose", &cancelTransposePair},
    {"merge-view-chain", "Reshape", &mergeViewChain},
    {"merge-view-chain", "Flatten", &mergeViewChain},
    {"merge-view-chain", "Squeeze", &mergeViewChain},
    {"merge-view-chain", "Unsqueeze", &mergeViewChain},
};

}  // namespace

std::span<const RewritePattern> shapePatterns() { return kShapePatterns; }

}  // namespace ingot::passes
