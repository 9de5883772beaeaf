// Gradients of the data-movement ops (ir/ops/ShapeOps.cpp). Views
// (Reshape, Flatten, Squeeze, Unsqueeze) reshape the gradient back;
// Transpose applies the inverse permutation; Concat slices; Slice scatters
// with Pad (strided slices interleave zeros first); Expand and Tile sum the
// copies; Gather scatters through a one-hot product.
#include <algorithm>
#include <limits>

#include "ir/ShapeUtil.h"
#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

Status viewGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  INGOT_ASSIGN_OR_RETURN(Value * dx, c.reshape(c.resultGrad(), c.operand(0)->shape()));
  return c.setOperandGradient(0, dx);
}

Status transposeGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  const size_t rank = c.operand(0)->shape().size();
  std::vector<int64_t> perm = c.node().getInts("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  if (!checkPermutation(perm, static_cast<int64_t>(rank)).isOk()) return c.error("invalid perm");
  std::vector<int64_t> inverse(rank);
  for (size_t i = 0; i < rank; ++i) inverse[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  INGOT_ASSIGN_OR_RETURN(Value * dx, c.emit("Transpose", {c.resultGrad()}, {{"perm", ints(inverse)}}));
  return c.setOperandGradient(0, dx);
}

Status concatGrad(GradientContext& c) {
  const int64_t rank = static_cast<int64_t>(c.result()->shape().size());
  auto axis = normalizeAxis(c.node().getInt("axis"), rank);
  if (!axis.ok()) return axis.status().withContext(c.node().label());
  int64_t offset = 0;
  for (size_t i = 0; i < c.numOperands(); ++i) {
    const int64_t size = c.operand(i)->shape()[static_cast<size_t>(*axis)];
    if (c.needsGradient(i)) {
      INGOT_ASSIGN_OR_RETURN(Value * dx, c.emit("Slice", {c.resultGrad()}, {{"starts", ints({offset})},
                                                                             {"ends", ints({offset + size})},
                                                                             {"axes", ints({*axis})}}));
      INGOT_RETURN_IF_ERROR(c.setOperandGradient(i, dx));
    }
    offset += size;
  }
  return Status::ok();
}

Status expandGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  INGOT_ASSIGN_OR_RETURN(Value * dx, c.reduceToShape(c.resultGrad(), c.operand(0)->shape()));
  return c.setOperandGradient(0, dx);
}

// dy [r0*d0, r1*d1, ...] viewed as [r0, d0, r1, d1, ...], summed over the r's.
Status tileGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  const Shape& xs = c.operand(0)->shape();
  const std::vector<int64_t> repeats = c.node().getInts("repeats");
  if (repeats.size() != xs.size()) return c.error("repeats do not match the rank");
  Shape split;
  std::vector<int64_t> axes;
  for (size_t d = 0; d < xs.size(); ++d) {
    axes.push_back(static_cast<int64_t>(split.size()));
    split.push_back(repeats[d]);
    split.push_back(xs[d]);
  }
  INGOT_ASSIGN_OR_RETURN(Value * view, c.reshape(c.resultGrad(), split));
  Value* dx = view;
  if (!axes.empty()) {
    INGOT_ASSIGN_OR_RETURN(dx, c.emit("ReduceSum", {view}, {{"axes", ints(axes)}, {"keepdims", one(0)}}));
  }
  INGOT_ASSIGN_OR_RETURN(dx, c.reshape(dx, xs));
  return c.setOperandGradient(0, dx);
}

// The adjoint of a slice along one axis: `g` holds the `count` selected
// elements (start, start + step, ...; step > 0) of an axis of size `dim`.
// Zeros are interleaved (step > 1: [.., n, ..] -> [.., n, step, ..] padded
// -> [.., n*step, ..] cropped to (n-1)*step+1), then Pad places the run.
Expected<Value*> scatterAxis(GradientContext& c, Value* g, int64_t axis, int64_t start, int64_t step, int64_t dim) {
  Shape shape = g->shape();
  const int64_t count = shape[static_cast<size_t>(axis)];
  Value* run = g;
  int64_t length = count;
  if (step > 1) {
    INGOT_ASSIGN_OR_RETURN(Value * u, c.emit("Unsqueeze", {g}, {{"axes", ints({axis + 1})}}));
    INGOT_ASSIGN_OR_RETURN(Value * padded, c.emit("Pad", {u}, {{"pads", ints({0, step - 1})},
                                                               {"axes", ints({axis + 1})}}));
    Shape merged = shape;
    merged[static_cast<size_t>(axis)] = count * step;
    INGOT_ASSIGN_OR_RETURN(Value * flat, c.reshape(padded, merged));
    length = (count - 1) * step + 1;
    INGOT_ASSIGN_OR_RETURN(run, c.emit("Slice", {flat}, {{"starts", ints({0})}, {"ends", ints({length})},
                                                          {"axes", ints({axis})}}));
  }
  const int64_t after = dim - start - length;
  if (start == 0 && after == 0) return run;
  return c.emit("Pad", {run}, {{"pads", ints({start, after})}, {"axes", ints({axis})}});
}

// Slice: per sliced axis (they are independent), a backward slice is first
// reversed into a forward one, then scattered.
Status sliceGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  Value* x = c.operand(0);
  const Shape& xs = x->shape();
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (numElements(c.result()->shape()) == 0) return c.setZeroGradient(0);
  const std::vector<int64_t> starts = c.node().getInts("starts"), ends = c.node().getInts("ends");
  std::vector<int64_t> axes = c.node().getInts("axes"), steps = c.node().getInts("steps");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return c.error("starts, ends, axes and steps differ in length");
  Value* g = c.resultGrad();
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = normalizeAxis(axes[i], rank);
    if (!axis.ok()) return axis.status().withContext(c.node().label());
    const int64_t dim = xs[static_cast<size_t>(*axis)];
    const int64_t step = steps[i];
    const int64_t count = c.result()->shape()[static_cast<size_t>(*axis)];
    // The clamped start, exactly as the kernel computes it.
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    if (step > 0) start = std::min(std::max(start, int64_t{0}), dim);
    else start = std::min(std::max(start, int64_t{0}), dim - 1);
    if (step < 0) {
      if (step == std::numeric_limits<int64_t>::min()) return c.error("step too large");
      INGOT_ASSIGN_OR_RETURN(g, c.emit("Slice", {g}, {{"starts", ints({-1})},
                                                      {"ends", ints({std::numeric_limits<int64_t>::min()})},
                                                      {"axes", ints({*axis})}, {"steps", ints({-1})}}));
      start = start + (count - 1) * step;  // the last element taken is the first one forward
    }
    const int64_t stride = step < 0 ? -step : step;
    INGOT_ASSIGN_OR_RETURN(g, scatterAxis(c, g, *axis, start, count == 1 ? 1 : stride, dim));
  }
  return c.setOperandGradient(0, g);
}

// Gather(data, indices, axis): dx[pre, j, post] = sum over index positions q
// with indices[q] == j of dy[pre, q, post], as a product with a one-hot
// matrix: dy viewed [P, Q, S] -> [P, S, Q] x onehot [Q, dim] -> [P, S, dim] ->
// [P, dim, S]. Negative indices count from the end, as OneHot reads them.
Status gatherGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  Value* data = c.operand(0);
  Value* indices = c.operand(1);
  const Shape& ds = data->shape();
  auto axis = normalizeAxis(c.node().getInt("axis"), static_cast<int64_t>(ds.size()));
  if (!axis.ok()) return axis.status().withContext(c.node().label());
  const size_t ax = static_cast<size_t>(*axis);
  int64_t pre = 1, post = 1;
  for (size_t d = 0; d < ds.size(); ++d)
    if (d < ax) pre *= ds[d];
    else if (d > ax) post *= ds[d];
  const int64_t q = numElements(indices->shape()), dim = ds[ax];
  INGOT_ASSIGN_OR_RETURN(Value * oneV, c.scalarLike(1, data));
  INGOT_ASSIGN_OR_RETURN(Value * zero, c.scalarLike(0, data));
  INGOT_ASSIGN_OR_RETURN(Value * zero1, c.reshape(zero, {1}));
  INGOT_ASSIGN_OR_RETURN(Value * one1, c.reshape(oneV, {1}));
  INGOT_ASSIGN_OR_RETURN(Value * offOn, c.emit("Concat", {zero1, one1}, {{"axis", one(0)}}));
  INGOT_ASSIGN_OR_RETURN(Value * flatIdx, c.reshape(indices, {q}));
  INGOT_ASSIGN_OR_RETURN(Value * hot, c.emit("OneHot", {flatIdx, offOn}, {{"depth", one(dim)}, {"axis", one(-1)}}));
  INGOT_ASSIGN_OR_RETURN(Value * g3, c.reshape(c.resultGrad(), {pre, q, post}));
  INGOT_ASSIGN_OR_RETURN(Value * gt, c.emit("Transpose", {g3}, {{"perm", ints({0, 2, 1})}}));
  INGOT_ASSIGN_OR_RETURN(Value * prod, c.emit("MatMul", {gt, hot}));
  INGOT_ASSIGN_OR_RETURN(Value * back, c.emit("Transpose", {prod}, {{"perm", ints({0, 2, 1})}}));
  INGOT_ASSIGN_OR_RETURN(Value * dx, c.reshape(back, ds));
  return c.setOperandGradient(0, dx);
}

}  // namespace

void registerShapeGradients(OpRegistry& r) {
  attachAll(r, {
      {"Reshape", viewGrad},
      {"Flatten", viewGrad},
      {"Squeeze", viewGrad},
      {"Unsqueeze", viewGrad},
      {"Transpose", transposeGrad},
      {"Concat", concatGrad},
      {"Expand", expandGrad},
      {"Tile", tileGrad},
      {"Slice", sliceGrad},
      {"Gather", gatherGrad},
  });
}

}  // namespace ingot::ir
