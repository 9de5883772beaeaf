// Gradients of Identity, Dropout (inference: the identity; the reference
// kernel refuses training mode) and the float-to-float casts. A cast from
// or to an integer type carries no gradient: integer values never get one,
// so such a node is never differentiated.
#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

Status identityGrad(GradientContext& c) {
  if (c.needsGradient(0)) INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, c.resultGrad()));
  return Status::ok();
}

Status dropoutGrad(GradientContext& c) {
  INGOT_RETURN_IF_ERROR(identityGrad(c));
  if (c.needsGradient(1)) return c.unsupportedOperand(1, "the dropout ratio is not differentiable");
  return Status::ok();
}

// Cast / CastLike: the gradient cast back to the operand's dtype.
Status castGrad(GradientContext& c) {
  if (c.needsGradient(0)) {
    Value* dx = c.resultGrad();
    if (dx->dtype() != c.operand(0)->dtype()) {
      INGOT_ASSIGN_OR_RETURN(dx, c.emit("Cast", {dx}, {{"to", Attribute(std::string(dtypeName(c.operand(0)->dtype())))}}));
    }
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, dx));
  }
  // CastLike's target_type contributes only its dtype.
  if (c.needsGradient(1)) INGOT_RETURN_IF_ERROR(c.setZeroGradient(1));
  return Status::ok();
}

}  // namespace

void registerMiscGradients(OpRegistry& r) {
  attachAll(r, {
      {"Identity", identityGrad},
      {"Dropout", dropoutGrad},
      {"Cast", castGrad},
      {"CastLike", castGrad},
  });
}

}  // namespace ingot::ir
