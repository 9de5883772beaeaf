// Gradient of Pad. Constant mode: the adjoint of padding by p is padding by
// -p (negative pads crop), and the fill value receives the gradient of
// every filled position: sum(dy) - sum(dx). Edge, reflect and wrap copy
// border elements several times; padding is separable per axis (result
// coordinate o on axis d reads data coordinate s_d(o)), so the adjoint sums
// the copies back one padded axis at a time with a constant 0/1 selection
// matrix M_d[o, s_d(o)]: dy (that axis moved last) x M_d. This costs
// (result dim) x (data dim) multiply-adds per element of the other dims:
// cheap for the small pads of convolutions and sequences.
#include "ir/ShapeUtil.h"
#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

Status constantPadGrad(GradientContext& c) {
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

// The data coordinate result coordinate s + begin reads along a dim of
// size `dim` (the same mapping as Pad's reference kernel, ir/ops/PadOps.cpp).
int64_t sourceCoord(const std::string& mode, int64_t s, int64_t dim) {
  if (s >= 0 && s < dim) return s;
  if (mode == "edge") return s < 0 ? 0 : dim - 1;
  if (mode == "wrap") return ((s % dim) + dim) % dim;
  if (dim == 1) return 0;  // reflect
  const int64_t period = 2 * (dim - 1);
  const int64_t m = ((s % period) + period) % period;
  return m < dim ? m : period - m;
}

Status copyingPadGrad(GradientContext& c, const std::string& mode) {
  if (c.operand(1) && c.needsGradient(1)) INGOT_RETURN_IF_ERROR(c.setZeroGradient(1));
  if (!c.needsGradient(0)) return Status::ok();
  Value* x = c.operand(0);
  const Shape& xs = x->shape();
  const DType dtype = x->dtype();
  if (dtype != DType::F32 && dtype != DType::F64)
    return c.unsupportedOperand(0, fmt::format("mode \"{}\" is differentiated in f32 and f64 only", mode));
  const int64_t rank = static_cast<int64_t>(xs.size());
  std::vector<int64_t> axes = c.node().getInts("axes");
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  const std::vector<int64_t> pads = c.node().getInts("pads");
  if (pads.size() != 2 * axes.size()) return c.error("pads and axes disagree");
  std::vector<int64_t> begin(xs.size(), 0), end(xs.size(), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = normalizeAxis(axes[i], rank);
    if (!axis.ok()) return axis.status().withContext(c.node().label());
    begin[static_cast<size_t>(*axis)] = pads[i];
    end[static_cast<size_t>(*axis)] = pads[i + axes.size()];
  }
  Value* g = c.resultGrad();
  for (size_t d = 0; d < xs.size(); ++d) {
    if (begin[d] == 0 && end[d] == 0) continue;
    const int64_t outDim = g->shape()[d], dim = xs[d];
    Tensor m(dtype, {outDim, dim});  // zero-initialized
    for (int64_t o = 0; o < outDim; ++o) {
      const int64_t s = sourceCoord(mode, o - begin[d], dim);
      if (dtype == DType::F32) m.data<float>()[o * dim + s] = 1;
      else m.data<double>()[o * dim + s] = 1;
    }
    INGOT_ASSIGN_OR_RETURN(Value * select, c.constant(std::move(m)));
    std::vector<int64_t> perm;
    for (size_t k = 0; k < xs.size(); ++k)
      if (k != d) perm.push_back(static_cast<int64_t>(k));
    perm.push_back(static_cast<int64_t>(d));
    const bool last = d + 1 == xs.size();
    Value* t = g;
    if (!last) { INGOT_ASSIGN_OR_RETURN(t, c.emit("Transpose", {g}, {{"perm", ints(perm)}})); }
    INGOT_ASSIGN_OR_RETURN(Value * summed, c.emit("MatMul", {t, select}));
    if (!last) {
      std::vector<int64_t> inverse(perm.size());
      for (size_t k = 0; k < perm.size(); ++k) inverse[static_cast<size_t>(perm[k])] = static_cast<int64_t>(k);
      INGOT_ASSIGN_OR_RETURN(summed, c.emit("Transpose", {summed}, {{"perm", ints(inverse)}}));
    }
    g = summed;
  }
  return c.setOperandGradient(0, g);
}

Status padGrad(GradientContext& c) {
  const std::string mode = c.node().getString("mode", "constant");
  if (mode == "constant") return constantPadGrad(c);
  if (mode == "edge" || mode == "reflect" || mode == "wrap") return copyingPadGrad(c, mode);
  if (c.needsGradient(0)) return c.unsupportedOperand(0, "unknown mode \"" + mode + "\"");
  return Status::ok();
}

}  // namespace

void registerPadGradients(OpRegistry& r) { attachAll(r, {{"Pad", padGrad}}); }

}  // namespace ingot::ir
