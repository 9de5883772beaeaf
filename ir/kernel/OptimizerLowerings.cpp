// Loop-level forms of the fused optimizer updates (ir/ops/OptimizerOps.cpp):
// one pass over the parameter, three results. Every operand element is read
// into a `let` before the first store, so memory planning may write the
// results in place over the parameter and its moments (their old values are
// not read again after a store).
#include "ir/kernel/LoweringRules.h"

namespace ingot::ir::lowering {

namespace {

using kir::BinaryOp;
using kir::ExprId;
using kir::UnaryOp;

Status adamUpdate(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const TensorType& p = ctx.op().operandType(0);
  const DType t = p.dtype;
  const Tensor* k = ctx.op().getTensor("coefficients");
  if (!k || k->dtype() != DType::F64 || k->numElements() != 7) return ctx.unsupported("coefficients");
  const double* c = k->data<double>();
  std::vector<ExprId> index = ctx.setGrid(p.shape);
  auto read = [&](size_t operand, const char* name) -> Expected<ExprId> {
    INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(operand, index));
    return b.var(b.let(name, v));
  };
  INGOT_ASSIGN_OR_RETURN(ExprId param, read(0, "param"));
  INGOT_ASSIGN_OR_RETURN(ExprId grad, read(1, "grad"));
  INGOT_ASSIGN_OR_RETURN(ExprId m, read(2, "m"));
  INGOT_ASSIGN_OR_RETURN(ExprId v, read(3, "v"));
  INGOT_ASSIGN_OR_RETURN(ExprId step, ctx.operandAt(4, {}));
  INGOT_ASSIGN_OR_RETURN(ExprId inv2, ctx.operandAt(5, {}));
  auto mul = [&](ExprId x, ExprId y) { return b.binary(BinaryOp::Mul, x, y); };
  auto add = [&](ExprId x, ExprId y) { return b.binary(BinaryOp::Add, x, y); };
  auto cst = [&](double x) { return b.constFloat(x, t); };
  const ExprId g = c[5] != 0 ? add(grad, mul(param, cst(c[5]))) : grad;
  const ExprId mNext = b.var(b.let("m_next", add(mul(m, cst(c[0])), mul(g, cst(c[1])))));
  const ExprId vNext = b.var(b.let("v_next", add(mul(v, cst(c[2])), mul(mul(g, g), cst(c[3])))));
  const ExprId denom = add(mul(b.unary(UnaryOp::Sqrt, vNext), inv2), cst(c[4]));
  const ExprId base = c[6] != 1 ? mul(param, cst(c[6])) : param;
  const ExprId pNext = add(base, mul(b.binary(BinaryOp::Div, mNext, denom), step));
  INGOT_RETURN_IF_ERROR(ctx.storeResult(1, index, mNext));
  INGOT_RETURN_IF_ERROR(ctx.storeResult(2, index, vNext));
  return ctx.storeResult(0, index, pNext);
}

}  // namespace

void registerOptimizerLowerings(OpRegistry& r) { attach(r, "AdamUpdate", adamUpdate); }

}  // namespace ingot::ir::lowering
