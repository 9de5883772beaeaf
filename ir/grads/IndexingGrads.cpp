// Gradients of the indexing ops (ir/ops/IndexingOps.cpp) that have a
// closed form in existing ops: Split (concatenate the part gradients, zeros
// for parts without one), CumSum (a cumulative sum the other way), Trilu
// (the same triangle of the gradient).
#include "ir/ShapeUtil.h"
#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

Status splitGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  std::vector<Value*> parts;
  for (size_t i = 0; i < c.node().results().size(); ++i) {
    Value* g = c.resultGrad(i);
    if (!g) { INGOT_ASSIGN_OR_RETURN(g, c.fill(c.result(i)->shape(), 0, c.result(i)->dtype())); }
    parts.push_back(g);
  }
  INGOT_ASSIGN_OR_RETURN(Value * dx, c.emit("Concat", parts, {{"axis", one(c.node().getInt("axis"))}}));
  return c.setOperandGradient(0, dx);
}

// y_i = sum_{j <= i} x_j (inclusive, forward) => dx_j = sum_{i >= j} dy_i:
// the same exclusivity, the opposite direction.
Status cumSumGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  INGOT_ASSIGN_OR_RETURN(Value * dx, c.emit("CumSum", {c.resultGrad()},
                                            {{"axis", one(c.node().getInt("axis"))},
                                             {"exclusive", one(c.node().getInt("exclusive"))},
                                             {"reverse", one(c.node().getInt("reverse") != 0 ? 0 : 1)}}));
  return c.setOperandGradient(0, dx);
}

Status triluGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  INGOT_ASSIGN_OR_RETURN(Value * dx, c.emit("Trilu", {c.resultGrad()}, {{"upper", one(c.node().getInt("upper", 1))},
                                                                        {"k", one(c.node().getInt("k"))}}));
  return c.setOperandGradient(0, dx);
}

}  // namespace

void registerIndexingGradients(OpRegistry& r) {
  attachAll(r, {{"Split", splitGrad}, {"CumSum", cumSumGrad}, {"Trilu", triluGrad}});
}

}  // namespace ingot::ir
