// Gradient of Pad in constant mode: the adjoint of padding by p is padding
// by -p (negative pads crop), and the fill value receives the gradient of
// every filled position: sum(dy) - sum(dx). The edge, reflect and wrap
// modes copy border elements several times; summing those copies back
// needs a scatter-add the IR does not have yet, so they are reported as
// unsupported.
#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

Status padGrad(GradientContext& c) {
  const std::string mode = c.node().getString("mode", "constant");
  if (mode != "constant") {
    if (c.needsGradient(0)) return c.unsupportedOperand(0, "only mode \"constant\" is differentiated, not \"" + mode + "\"");
    return Status::ok();
  }
  std::vector<int64_t> negated = c.node().getInts("pads");
  for (int64_t& p : negated) p = -p;
  INGOT_ASSIGN_OR_RETURN(Value * dx, c.emit("Pad", {c.resultGrad()}, {{"pads", ints(negated)},
                                                                      {"axes", ints(c.node().getInts("axes"))}}));
  if (c.needsGradient(0)) INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, dx));
  if (c.operand(1) && c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * total, c.emit("ReduceSum", {c.resultGrad()}, {{"keepdims", one(0)}}));
    INGOT_ASSIGN_OR_RETURN(Value * kept, c.emit("ReduceSum", {dx}, {{"keepdims", one(0)}}));
    INGOT_ASSIGN_OR_RETURN(Value * filled, c.sub(total, kept));
    INGOT_ASSIGN_OR_RETURN(Value * dv, c.reshape(filled, c.operand(1)->shape()));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(1, dv));
  }
  return Status::ok();
}

}  // namespace

void registerPadGradients(OpRegistry& r) { attachAll(r, {{"Pad", padGrad}}); }

}  // namespace ingot::ir
