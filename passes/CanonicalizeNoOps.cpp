// Canonicalization patterns that remove nodes computing their operand
// unchanged: Identity, inference Dropout, a view (Reshape, Flatten, Squeeze,
// Unsqueeze) to the same shape, Cast/CastLike to the same dtype, Transpose
// with the identity permutation. Each forwards the operand, so it is exact.
#include "passes/Canonicalize.h"
#include "passes/RewriteUtil.h"

namespace ingot::passes {

namespace {

// The value a no-op node forwards is its first operand.
Expected<bool> forwardOperand(RewriteContext& ctx, ir::Node& root) {
  return ctx.replaceRoot(root, root.operand(0));
}

Expected<bool> removeIdentity(RewriteContext& ctx, ir::Node& root) { return forwardOperand(ctx, root); }

// Dropout outside training is the identity (the ratio is irrelevant). With a
// training_mode operand it is a no-op only when that is a constant false.
Expected<bool> removeInferenceDropout(RewriteContext& ctx, ir::Node& root) {
  if (root.results().size() != 1) return false;
  if (root.hasOperand(2)) {
    const Tensor* mode = constantData(root.operand(2));
    if (!mode || mode->numElements() != 1 || mode->elementAsDouble(0) != 0) return false;
  }
  return forwardOperand(ctx, root);
}

// Views keep the row-major element order, so one whose result shape is its
// operand's shape changes nothing.
Expected<bool> removeSameShapeView(RewriteContext& ctx, ir::Node& root) {
  if (root.operand(0)->type() != root.result()->type()) return false;
  return forwardOperand(ctx, root);
}

Expected<bool> removeSameTypeCast(RewriteContext& ctx, ir::Node& root) {
  if (root.operand(0)->dtype() != root.result()->dtype()) return false;
  return forwardOperand(ctx, root);
}

}  // namespace

// The permutation a Transpose applies (an empty perm means reversed dims).
std::vector<int64_t> effectivePerm(const ir::Node& transpose) {
  std::vector<int64_t> perm = transpose.getInts("perm");
  if (perm.empty()) {
    const int64_t rank = static_cast<int64_t>(transpose.operand(0)->shape().size());
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  }
  return perm;
}

namespace {

bool isIdentityPerm(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

Expected<bool> removeIdentityTranspose(RewriteContext& ctx, ir::Node& root) {
  if (!isIdentityPerm(effectivePerm(root))) return false;
  return forwardOperand(ctx, root);
}

const RewritePattern kNoOpPatterns[] = {
    {"remove-identity", "Identity", &removeIdentity},
    {"remove-inference-dropout", "Dropout", &removeInferenceDropout},
    {"remove-same-shape-reshape", "Reshape", &removeSameShapeView},
    {"remove-same-shape-flatten", "Flatten", &removeSameShapeView},
    {"remove-same-shape-squeeze", "Squeeze", &removeSameShapeView},
    {"remove-same-shape-unsqueeze", "Unsqueeze", &removeSameShapeView},
    {"remove-same-type-cast", "Cast", &removeSameTypeCast},
    {"remove-same-type-castlike", "CastLike", &removeSameTypeCast},
    {"remove-identity-transpose", "Transpose", &removeIdentityTranspose},
};

}  // namespace

std::span<const RewritePattern> noOpPatterns() { return kNoOpPatterns; }

}  // namespace ingot::passes
