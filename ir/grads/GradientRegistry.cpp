// Attaches each op family's gradient rules to the registry, and the helpers
// the families share (ir/grads/GradUtil.h).
#include "ir/Gradient.h"
#include "ir/OpRegistry.h"
#include "ir/grads/GradUtil.h"

namespace ingot::ir {

void registerGradientRules(OpRegistry& r) {
  registerElementwiseGradients(r);
  registerActivationGradients(r);
  registerContractionGradients(r);
  registerShapeGradients(r);
  registerReductionGradients(r);
  registerMiscGradients(r);
  registerIndexingGradients(r);
  registerPadGradients(r);
  registerLossGradients(r);
  registerNormalizationGradients(r);
}

namespace grads {

GradientRule unaryRule(UnaryVjp vjp) {
  return [vjp = std::move(vjp)](GradientContext& c) -> Status {
    if (!c.needsGradient(0) || !c.resultGrad(0)) return Status::ok();
    INGOT_ASSIGN_OR_RETURN(Value * dx, vjp(c, c.operand(0), c.result(0), c.resultGrad(0)));
    return c.setOperandGradient(0, dx);
  };
}

Expected<Value*> maskOrZero(GradientContext& c, Value* mask, Value* a) {
  INGOT_ASSIGN_OR_RETURN(Value * zero, c.scalarLike(0, a));
  return c.emit("Where", {mask, a, zero});
}

std::vector<int64_t> swapLastTwo(size_t rank) {
  std::vector<int64_t> perm;
  for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(i));
  if (rank >= 2) std::swap(perm[rank - 1], perm[rank - 2]);
  return perm;
}

void attachAll(OpRegistry& r, std::vector<GradRow> rows) {
  for (GradRow& row : rows) attachGradient(r, row.op, std::move(row.rule));
}

}  // namespace grads
}  // namespace ingot::ir
