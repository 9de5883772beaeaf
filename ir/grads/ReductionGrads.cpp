// Gradients of the Reduce* ops (ir/ops/ReductionOps.cpp). The result
// gradient is viewed with the reduced dims kept as 1 and broadcast back over
// the input; each reducer then multiplies by its own local derivative.
// ReduceMax / ReduceMin split the gradient evenly among tied maxima (like
// PyTorch's amax). ReduceProd uses a zero-safe form (prodLocal) instead of
// y / x, which fails at zeros.
#include "ir/ShapeUtil.h"
#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

struct ReduceView {
  bool identity = false;          // noop_with_empty_axes with empty axes
  std::vector<int64_t> axes;      // reduced input dims
  Shape kept;                     // input shape with reduced dims as 1
};

Expected<ReduceView> reduceView(GradientContext& c) {
  const Shape& xs = c.operand(0)->shape();
  const std::vector<int64_t> given = c.node().getInts("axes");
  ReduceView v;
  if (given.empty() && c.node().getInt("noop_with_empty_axes") != 0) {
    v.identity = true;
    v.kept = xs;
    return v;
  }
  auto axes = normalizeAxes(given, static_cast<int64_t>(xs.size()));
  if (!axes.ok()) return axes.status().withContext(c.node().label());
  if (given.empty())
    for (size_t d = 0; d < xs.size(); ++d) v.axes.push_back(static_cast<int64_t>(d));
  else v.axes = *axes;
  v.kept = xs;
  for (int64_t a : v.axes) v.kept[static_cast<size_t>(a)] = 1;
  return v;
}

// A result-shaped value broadcast back to the input's shape.
Expected<Value*> broadcastBack(GradientContext& c, const ReduceView& v, Value* r) {
  INGOT_ASSIGN_OR_RETURN(Value * k, c.reshape(r, v.kept));
  return c.expandTo(k, c.operand(0)->shape());
}

// dx = broadcast(dy) * local(x); a null local means 1. Locals that need the
// result broadcast it themselves (resultBack), so Sum and Mean emit nothing
// dead.
using Local = Expected<Value*> (*)(GradientContext&, const ReduceView&, Value* x);

Expected<Value*> resultBack(GradientContext& c, const ReduceView& v) { return broadcastBack(c, v, c.result()); }

template <Local local>
Status reduceGrad(GradientContext& c) {
  if (!c.needsGradient(0)) return Status::ok();
  INGOT_ASSIGN_OR_RETURN(ReduceView v, reduceView(c));
  if (v.identity) return c.setOperandGradient(0, c.resultGrad());
  INGOT_ASSIGN_OR_RETURN(Value * dy, broadcastBack(c, v, c.resultGrad()));
  INGOT_ASSIGN_OR_RETURN(Value * d, local(c, v, c.operand(0)));
  Value* dx = dy;
  if (d) { INGOT_ASSIGN_OR_RETURN(dx, c.mul(dy, d)); }
  return c.setOperandGradient(0, dx);
}

Expected<Value*> sumLocal(GradientContext&, const ReduceView&, Value*) { return nullptr; }

Expected<Value*> meanLocal(GradientContext& c, const ReduceView& v, Value* x) {
  const Shape& xs = x->shape();
  int64_t count = 1;
  for (int64_t a : v.axes) count *= xs[static_cast<size_t>(a)];
  return c.scalarLike(count == 0 ? 0.0 : 1.0 / static_cast<double>(count), x);
}

Expected<Value*> sumSquareLocal(GradientContext& c, const ReduceView&, Value* x) { return c.scale(x, 2.0); }

Expected<Value*> l1Local(GradientContext& c, const ReduceView&, Value* x) { return c.emit("Sign", {x}); }

Expected<Value*> l2Local(GradientContext& c, const ReduceView& v, Value* x) {
  INGOT_ASSIGN_OR_RETURN(Value * y, resultBack(c, v));
  return c.div(x, y);
}

// y = log(s): dx = 1 / s = e^-y.
Expected<Value*> logSumLocal(GradientContext& c, const ReduceView& v, Value*) {
  INGOT_ASSIGN_OR_RETURN(Value * y, resultBack(c, v));
  INGOT_ASSIGN_OR_RETURN(Value * ny, c.neg(y));
  return c.emit("Exp", {ny});
}

Expected<Value*> logSumExpLocal(GradientContext& c, const ReduceView& v, Value* x) {
  INGOT_ASSIGN_OR_RETURN(Value * y, resultBack(c, v));
  INGOT_ASSIGN_OR_RETURN(Value * d, c.sub(x, y));
  return c.emit("Exp", {d});
}

// The elements equal to the extreme, each weighted 1 / (number of ties).
Expected<Value*> extremumLocal(GradientContext& c, const ReduceView& v, Value* x) {
  INGOT_ASSIGN_OR_RETURN(Value * y, resultBack(c, v));
  INGOT_ASSIGN_OR_RETURN(Value * eq, c.emit("Equal", {x, y}));
  INGOT_ASSIGN_OR_RETURN(Value * mask, c.emit("Cast", {eq}, {{"to", Attribute(std::string(dtypeName(x->dtype())))}}));
  INGOT_ASSIGN_OR_RETURN(Value * ties, c.emit("ReduceSum", {mask}, {{"axes", ints(v.axes)}, {"keepdims", one(1)}}));
  return c.div(mask, ties);
}

// d prod / d x_i = product of the other elements of x_i's group. With z the
// zeros, p the product of the non-zero elements and n the zero count of the
// group: p / x_i when n == 0; p at the zero when n == 1 (0 elsewhere); 0
// when n >= 2. No division by zero is ever selected.
Expected<Value*> prodLocal(GradientContext& c, const ReduceView& v, Value* x) {
  const std::string dtype(dtypeName(x->dtype()));
  INGOT_ASSIGN_OR_RETURN(Value * zero, c.scalarLike(0, x));
  INGOT_ASSIGN_OR_RETURN(Value * oneV, c.scalarLike(1, x));
  INGOT_ASSIGN_OR_RETURN(Value * z, c.emit("Equal", {x, zero}));
  INGOT_ASSIGN_OR_RETURN(Value * safe, c.emit("Where", {z, oneV, x}));
  INGOT_ASSIGN_OR_RETURN(Value * p, c.emit("ReduceProd", {safe}, {{"axes", ints(v.axes)}, {"keepdims", one(1)}}));
  INGOT_ASSIGN_OR_RETURN(Value * zf, c.emit("Cast", {z}, {{"to", Attribute(dtype)}}));
  INGOT_ASSIGN_OR_RETURN(Value * n, c.emit("ReduceSum", {zf}, {{"axes", ints(v.axes)}, {"keepdims", one(1)}}));
  INGOT_ASSIGN_OR_RETURN(Value * noZero, c.emit("Equal", {n, zero}));
  INGOT_ASSIGN_OR_RETURN(Value * oneZero, c.emit("Equal", {n, oneV}));
  INGOT_ASSIGN_OR_RETURN(Value * theZero, c.emit("And", {oneZero, z}));
  INGOT_ASSIGN_OR_RETURN(Value * others, c.div(p, safe));
  INGOT_ASSIGN_OR_RETURN(Value * atZero, c.emit("Where", {theZero, p, zero}));
  return c.emit("Where", {noZero, others, atZero});
}

}  // namespace

void registerReductionGradients(OpRegistry& r) {
  attachAll(r, {
      {"ReduceSum", reduceGrad<sumLocal>},
      {"ReduceMean", reduceGrad<meanLocal>},
      {"ReduceSumSquare", reduceGrad<sumSquareLocal>},
      {"ReduceL1", reduceGrad<l1Local>},
      {"ReduceL2", reduceGrad<l2Local>},
      {"ReduceLogSum", reduceGrad<logSumLocal>},
      {"ReduceLogSumExp", reduceGrad<logSumExpLocal>},
      {"ReduceMax", reduceGrad<extremumLocal>},
      {"ReduceMin", reduceGrad<extremumLocal>},
      {"ReduceProd", reduceGrad<prodLocal>},
  });
}

}  // namespace ingot::ir
