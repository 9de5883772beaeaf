// Canonicalization patterns that put contractions in the dense-layer form
// fusion and the CPU backend's GEMM expect:
//   - a 2-D Transpose feeding Gemm folds into Gemm's transA/transB;
//   - MatMul of 2-D operands with a 2-D Transpose operand becomes a Gemm
//     with transA/transB (the weight of a PyTorch Linear exported as
//     MatMul(x, Transpose(W)));
//   - Add(MatMul(a, b), c) with 2-D a, b (or Add(Gemm(a, b), c) of a Gemm
//     without C) becomes Gemm(a, b, c): the dense layer with its bias, so
//     fusion sees one contraction.
// The Transpose folds are exact. The dense rewrite rounds once instead of
// twice (Gemm adds the bias before rounding to f32), a difference of at most
// one rounding step. All require single use of the value they absorb and
// float operands (Gemm on integers would compute in double).
#include "passes/Canonicalize.h"
#include "passes/RewriteUtil.h"

namespace ingot::passes {

namespace {

bool isFloat2D(const ir::Value* v) { return v && v->shape().size() == 2 && isFloat(v->dtype()); }

// The input of a single-use 2-D Transpose that swaps the two dims, or null.
ir::Node* swappingTranspose(const RewriteContext& ctx, const ir::Value* v) {
  ir::Node* t = ctx.producerOf(v, "Transpose");
  if (!t || !ctx.hasSingleUse(v) || !isFloat2D(v)) return nullptr;
  return effectivePerm(*t) == std::vector<int64_t>{1, 0} ? t : nullptr;
}

// Replaces the root by a Gemm over its first two operands with every
// single-use swapping Transpose among them absorbed into transA/transB
// (toggling the flag `attrs` already has). Fires only if one was absorbed.
Expected<bool> absorbTransposesIntoGemm(RewriteContext& ctx, ir::Node& root, std::vector<ir::Value*> operands,
                                        ir::AttrMap attrs) {
  std::vector<ir::Node*> absorbed;
  for (size_t i = 0; i < 2 && i < operands.size(); ++i) {
    ir::Node* t = swappingTranspose(ctx, operands[i]);
    if (!t) continue;
    const char* flag = i == 0 ? "transA" : "transB";
    auto it = attrs.find(flag);
    const bool set = it != attrs.end() && it->second.kind() == ir::AttrKind::Int && it->second.asInt() != 0;
    attrs[flag] = ir::Attribute(int64_t{set ? 0 : 1});
    operands[i] = t->operand(0);
    absorbed.push_back(t);
  }
  if (absorbed.empty()) return false;
  INGOT_ASSIGN_OR_RETURN(bool fired, ctx.replaceRootWithNew(root, "Gemm", std::move(operands), std::move(attrs)));
  if (fired)
    for (ir::Node* t : absorbed) ctx.retire(t);
  return fired;
}

Expected<bool> transposeIntoGemm(RewriteContext& ctx, ir::Node& root) {
  return absorbTransposesIntoGemm(ctx, root, root.operands(), root.attrs());
}

Expected<bool> transposeIntoMatMul(RewriteContext& ctx, ir::Node& root) {
  if (!isFloat2D(root.operand(0)) || !isFloat2D(root.operand(1))) return false;
  return absorbTransposesIntoGemm(ctx, root, {root.operand(0), root.operand(1)}, {});
}

// Add is commutative: the product may be either operand. It is a MatMul of
// 2-D operands, or a Gemm without C (e.g. one the Transpose patterns made).
// The bias must broadcast to the product's shape without growing it; Gemm's
// type rule and the type check in replaceRootWithNew reject anything else.
Expected<bool> matmulAddToDense(RewriteContext& ctx, ir::Node& root) {
  for (size_t i = 0; i < 2; ++i) {
    ir::Value* product = root.operand(i);
    ir::Value* bias = root.operand(1 - i);
    if (!bias || !product || !ctx.hasSingleUse(product) || bias->dtype() != product->dtype() ||
        bias->shape().size() > 2)
      continue;
    ir::Node* mm = ctx.producerOf(product, "MatMul");
    ir::Node* gemm = ctx.producerOf(product, "Gemm");
    ir::Node* inner = mm ? mm : gemm;
    if (!inner || !isFloat2D(inner->operand(0)) || !isFloat2D(inner->operand(1))) continue;
    ir::AttrMap attrs;
    if (gemm) {
      if (gemm->hasOperand(2)) continue;
      attrs = gemm->attrs();
      attrs.erase("beta");  // the bias is added once: beta = 1
    }
    INGOT_ASSIGN_OR_RETURN(bool fired, ctx.replaceRootWithNew(root, "Gemm", {inner->operand(0), inner->operand(1), bias},
                                                              std::move(attrs)));
    if (fired) {
      ctx.retire(inner);
      return true;
    }
  }
  return false;
}

const RewritePattern kContractionPatterns[] = {
    {"transpose-into-gemm", "Gemm", &transposeIntoGemm},
    {"transpose-into-matmul", "MatMul", &transposeIntoMatMul},
    {"matmul-add-to-dense", "Add", &matmulAddToDense},
};

}  // namespace

std::span<const RewritePattern> contractionPatterns() { return kContractionPatterns; }

}  // namespace ingot::passes
