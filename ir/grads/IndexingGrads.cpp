// Gradients of the indexing ops (ir/ops/IndexingOps.cpp) that have a
// closed form in existing ops: Split (concatenate the part gradients, zeros
// for parts without one), CumSum (a cumulative sum the other way), Trilu
// (the same triangle of the gradient), GatherElements (a scatter-add as a
// one-hot product), OneHot (its two values collect the gradient of the
// positions they fill). Hardmax and EyeLike are piecewise constant in
// their float operand: zero gradient.
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

// OneHot's [off, on] values in `like`'s dtype.
Expected<Value*> offOnValues(GradientContext& c, const Value* like) {
  INGOT_ASSIGN_OR_RETURN(Value * off, c.scalarLike(0, like));
  INGOT_ASSIGN_OR_RETURN(Value * on, c.scalarLike(1, like));
  INGOT_ASSIGN_OR_RETURN(Value * off1, c.reshape(off, {1}));
  INGOT_ASSIGN_OR_RETURN(Value * on1, c.reshape(on, {1}));
  return c.emit("Concat", {off1, on1}, {{"axis", one(0)}});
}

// GatherElements(data, indices, axis a): y[q] = data[q with q_a := idx[q]],
// so dx[p] = sum over q with q = p off axis a and idx[q] == p_a of dy[q].
// With H = OneHot(idx, depth = data dim a, axis a + 1) (H[.., q_a, j, ..] =
// idx[.., q_a, ..] == j; negative indices count from the end, as in the
// kernel): dx = sum over dim a of H * dy (unsqueezed at a + 1), which has
// the index's shape with dim a the data's; dims where the index is shorter
// than the data are padded with zeros at the end.
Status gatherElementsGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  Value* data = c.operand(0);
  const Shape& ds = data->shape();
  const Shape& is = c.operand(1)->shape();
  auto axis = normalizeAxis(c.node().getInt("axis"), static_cast<int64_t>(ds.size()));
  if (!axis.ok()) return axis.status().withContext(c.node().label());
  const int64_t a = *axis;
  INGOT_ASSIGN_OR_RETURN(Value * values, offOnValues(c, data));
  INGOT_ASSIGN_OR_RETURN(Value * hot, c.emit("OneHot", {c.operand(1), values},
                                             {{"depth", one(ds[static_cast<size_t>(a)])}, {"axis", one(a + 1)}}));
  INGOT_ASSIGN_OR_RETURN(Value * dyU, c.emit("Unsqueeze", {c.resultGrad()}, {{"axes", ints({a + 1})}}));
  INGOT_ASSIGN_OR_RETURN(Value * prod, c.mul(hot, dyU));
  INGOT_ASSIGN_OR_RETURN(Value * dx, c.emit("ReduceSum", {prod}, {{"axes", ints({a})}, {"keepdims", one(0)}}));
  std::vector<int64_t> pads(2 * ds.size(), 0);
  bool padded = false;
  for (size_t d = 0; d < ds.size(); ++d)
    if (static_cast<int64_t>(d) != a && is[d] < ds[d]) {
      pads[ds.size() + d] = ds[d] - is[d];
      padded = true;
    }
  if (padded) { INGOT_ASSIGN_OR_RETURN(dx, c.emit("Pad", {dx}, {{"pads", ints(pads)}})); }
  return c.setOperandGradient(0, dx);
}

// OneHot(indices, [off, on]): d on = sum(dy * H), d off = sum(dy) - d on,
// with H the one-hot pattern as 0/1.
Status oneHotGrad(GradientContext& c) {
  if (!c.needsGradient(1)) return Status::ok();
  Value* values = c.operand(1);
  INGOT_ASSIGN_OR_RETURN(Value * offOn, offOnValues(c, values));
  INGOT_ASSIGN_OR_RETURN(Value * hot, c.emit("OneHot", {c.operand(0), offOn},
                                             {{"depth", one(c.node().getInt("depth"))},
                                              {"axis", one(c.node().getInt("axis", -1))}}));
  INGOT_ASSIGN_OR_RETURN(Value * hotDy, c.mul(hot, c.resultGrad()));
  INGOT_ASSIGN_OR_RETURN(Value * on, c.emit("ReduceSum", {hotDy}, {{"keepdims", one(0)}}));
  INGOT_ASSIGN_OR_RETURN(Value * all, c.emit("ReduceSum", {c.resultGrad()}, {{"keepdims", one(0)}}));
  INGOT_ASSIGN_OR_RETURN(Value * off, c.sub(all, on));
  INGOT_ASSIGN_OR_RETURN(Value * off1, c.reshape(off, {1}));
  INGOT_ASSIGN_OR_RETURN(Value * on1, c.reshape(on, {1}));
  INGOT_ASSIGN_OR_RETURN(Value * dv, c.emit("Concat", {off1, on1}, {{"axis", one(0)}}));
  return c.setOperandGradient(1, dv);
}

Status zeroGrad(GradientContext& c) { return c.needsGradient(0) ? c.setZeroGradient(0) : Status::ok(); }

}  // namespace

void registerIndexingGradients(OpRegistry& r) {
  attachAll(r, {{"Split", splitGrad},
                {"CumSum", cumSumGrad},
                {"Trilu", triluGrad},
                {"GatherElements", gatherElementsGrad},
                {"OneHot", oneHotGrad},
                {"Hardmax", zeroGrad},
                {"EyeLike", zeroGrad}});
}

}  // namespace ingot::ir
