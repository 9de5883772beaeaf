// Loop-level forms of the contractions: the dispatch records the contraction
// (the backend chooses its tiling) and the rule builds the epilogue from the
// accumulator, so a fused bias and activation run while the tile is hot.
#include "ir/kernel/LoweringRules.h"

namespace ingot::ir::lowering {

namespace {

using kir::BinaryOp;
using kir::ExprId;

Status gemm(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const DType t = ctx.resultType().dtype;
  INGOT_ASSIGN_OR_RETURN(ExprId acc, ctx.contract(0, 1, ctx.op().getInt("transA") != 0, ctx.op().getInt("transB") != 0));
  const double alpha = ctx.op().getFloat("alpha"), beta = ctx.op().getFloat("beta");
  ExprId v = alpha == 1.0 ? acc : b.binary(BinaryOp::Mul, b.constOf(t, alpha), acc);
  if (ctx.op().hasOperand(2) && beta != 0.0) {
    INGOT_ASSIGN_OR_RETURN(ExprId c, ctx.operandBroadcast(2));
    v = b.binary(BinaryOp::Add, v, beta == 1.0 ? c : b.binary(BinaryOp::Mul, b.constOf(t, beta), c));
  }
  ctx.setResult(v);
  return Status::ok();
}

Status matmul(LoweringContext& ctx) {
  if (ctx.op().operandType(0).shape.size() < 2 || ctx.op().operandType(1).shape.size() < 2)
    return ctx.unsupported("a 1-D MatMul operand");
  INGOT_ASSIGN_OR_RETURN(ExprId acc, ctx.contract(0, 1, false, false));
  ctx.setResult(acc);
  return Status::ok();
}

}  // namespace

void registerContractionLowerings(OpRegistry& r) {
  attach(r, "Gemm", gemm);
  attach(r, "MatMul", matmul);
}

}  // namespace ingot::ir::lowering
