// Gradients of LayerNormalization, RMSNormalization and inference-mode
// BatchNormalization (ir/ops/NormalizationOps.cpp). With xhat the
// normalized input, r the inverse standard deviation, g = dy * scale and
// means taken over the normalized dims:
//   LayerNorm: dx = r (g - mean(g) - xhat mean(g xhat))
//   RMSNorm:   dx = r (g - xhat mean(g xhat))
// LayerNorm's Mean and InvStdDev results pass their own gradients on too.
// Training-mode BatchNormalization and Instance/GroupNormalization have no
// rule yet.
#include "ir/ShapeUtil.h"
#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

struct NormAxes {
  std::vector<int64_t> axes;  // the normalized dims, axis..rank-1
  int64_t count = 1;          // elements per group
};

Expected<NormAxes> normAxes(GradientContext& c) {
  const Shape& xs = c.operand(0)->shape();
  auto axis = normalizeAxis(c.node().getInt("axis", -1), static_cast<int64_t>(xs.size()));
  if (!axis.ok()) return axis.status().withContext(c.node().label());
  NormAxes n;
  for (size_t d = static_cast<size_t>(*axis); d < xs.size(); ++d) {
    n.axes.push_back(static_cast<int64_t>(d));
    n.count *= xs[d];
  }
  return n;
}

Expected<Value*> groupMean(GradientContext& c, const NormAxes& n, Value* v) {
  return c.emit("ReduceMean", {v}, {{"axes", ints(n.axes)}, {"keepdims", one(1)}});
}

// Gradients of Scale and B (when wanted) from dy and xhat.
Status scaleAndBiasGrads(GradientContext& c, Value* dy, Value* xhat, size_t scaleAt, size_t biasAt) {
  if (c.needsGradient(scaleAt)) {
    INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dy, xhat));
    INGOT_ASSIGN_OR_RETURN(Value * ds, c.reduceToShape(t, c.operand(scaleAt)->shape()));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(scaleAt, ds));
  }
  if (c.operand(biasAt) && c.needsGradient(biasAt)) {
    INGOT_ASSIGN_OR_RETURN(Value * db, c.reduceToShape(dy, c.operand(biasAt)->shape()));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(biasAt, db));
  }
  return Status::ok();
}

// Adds `term` to an accumulated gradient (null: none yet).
Expected<Value*> accumulate(GradientContext& c, Value* acc, Value* term) {
  if (!acc) return term;
  return c.add(acc, term);
}

Status layerNormGrad(GradientContext& c) {
  INGOT_ASSIGN_OR_RETURN(NormAxes n, normAxes(c));
  Value* x = c.operand(0);
  Value* mean = c.result(1);
  Value* r = c.result(2);
  INGOT_ASSIGN_OR_RETURN(Value * centered, c.sub(x, mean));
  INGOT_ASSIGN_OR_RETURN(Value * xhat, c.mul(centered, r));
  Value* dx = nullptr;
  if (Value* dy = c.resultGrad(0)) {
    if (c.needsGradient(0)) {
      INGOT_ASSIGN_OR_RETURN(Value * g, c.mul(dy, c.operand(1)));
      INGOT_ASSIGN_OR_RETURN(Value * mg, groupMean(c, n, g));
      INGOT_ASSIGN_OR_RETURN(Value * gx, c.mul(g, xhat));
      INGOT_ASSIGN_OR_RETURN(Value * mgx, groupMean(c, n, gx));
      INGOT_ASSIGN_OR_RETURN(Value * t1, c.sub(g, mg));
      INGOT_ASSIGN_OR_RETURN(Value * t2, c.mul(xhat, mgx));
      INGOT_ASSIGN_OR_RETURN(Value * t3, c.sub(t1, t2));
      INGOT_ASSIGN_OR_RETURN(dx, c.mul(t3, r));
    }
    INGOT_RETURN_IF_ERROR(scaleAndBiasGrads(c, dy, xhat, 1, 2));
  } else {
    for (size_t i = 1; i < 3; ++i)  // Scale and B only reach Y
      if (c.operand(i) && c.needsGradient(i)) INGOT_RETURN_IF_ERROR(c.setZeroGradient(i));
  }
  if (c.needsGradient(0)) {
    // Mean = mean(x): each x gets dMean / n.
    if (Value* dMean = c.resultGrad(1)) {
      INGOT_ASSIGN_OR_RETURN(Value * t, c.scale(dMean, 1.0 / static_cast<double>(n.count)));
      INGOT_ASSIGN_OR_RETURN(Value * e, c.expandTo(t, x->shape()));
      INGOT_ASSIGN_OR_RETURN(dx, accumulate(c, dx, e));
    }
    // InvStdDev r = (var + eps)^-1/2: dr/dx = -r^2 xhat / n.
    if (Value* dr = c.resultGrad(2)) {
      INGOT_ASSIGN_OR_RETURN(Value * r2, c.mul(r, r));
      INGOT_ASSIGN_OR_RETURN(Value * k, c.mul(dr, r2));
      INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(k, xhat));
      INGOT_ASSIGN_OR_RETURN(Value * s, c.scale(t, -1.0 / static_cast<double>(n.count)));
      INGOT_ASSIGN_OR_RETURN(dx, accumulate(c, dx, s));
    }
    if (dx) INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, dx));
    else INGOT_RETURN_IF_ERROR(c.setZeroGradient(0));
  }
  return Status::ok();
}

Status rmsNormGrad(GradientContext& c) {
  INGOT_ASSIGN_OR_RETURN(NormAxes n, normAxes(c));
  Value* x = c.operand(0);
  Value* dy = c.resultGrad();
  INGOT_ASSIGN_OR_RETURN(Value * x2, c.mul(x, x));
  INGOT_ASSIGN_OR_RETURN(Value * ms, groupMean(c, n, x2));
  INGOT_ASSIGN_OR_RETURN(Value * eps, c.scalarLike(c.node().getFloat("epsilon", 1e-5f), x));
  INGOT_ASSIGN_OR_RETURN(Value * var, c.add(ms, eps));
  INGOT_ASSIGN_OR_RETURN(Value * sd, c.emit("Sqrt", {var}));
  INGOT_ASSIGN_OR_RETURN(Value * r, c.emit("Reciprocal", {sd}));
  INGOT_ASSIGN_OR_RETURN(Value * xhat, c.mul(x, r));
  if (c.needsGradient(0)) {
    INGOT_ASSIGN_OR_RETURN(Value * g, c.mul(dy, c.operand(1)));
    INGOT_ASSIGN_OR_RETURN(Value * gx, c.mul(g, xhat));
    INGOT_ASSIGN_OR_RETURN(Value * mgx, groupMean(c, n, gx));
    INGOT_ASSIGN_OR_RETURN(Value * t2, c.mul(xhat, mgx));
    INGOT_ASSIGN_OR_RETURN(Value * t3, c.sub(g, t2));
    INGOT_ASSIGN_OR_RETURN(Value * dx, c.mul(t3, r));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, dx));
  }
  return scaleAndBiasGrads(c, dy, xhat, 1, 2);
}

// Inference BatchNormalization: y = (x - mean) inv scale + B per channel
// (axis 1), inv = (var + eps)^-1/2; the running-statistics results are the
// mean and var operands themselves.
Status batchNormGrad(GradientContext& c) {
  if (c.node().getInt("training_mode") != 0) {
    for (size_t i = 0; i < c.numOperands(); ++i)
      if (c.needsGradient(i)) return c.unsupportedOperand(i, "training-mode BatchNormalization is not differentiated");
    return Status::ok();
  }
  Value* x = c.operand(0);
  const Shape& xs = x->shape();
  Shape channelShape(xs.size() - 1, 1);  // [C, 1, ...] broadcasts along axis 1
  channelShape[0] = xs[1];
  auto channel = [&](Value* v) { return c.reshape(v, channelShape); };
  auto perChannel = [&](Value* full) -> Expected<Value*> {
    INGOT_ASSIGN_OR_RETURN(Value * reduced, c.reduceToShape(full, channelShape));
    return c.reshape(reduced, {xs[1]});
  };
  INGOT_ASSIGN_OR_RETURN(Value * scaleC, channel(c.operand(1)));
  INGOT_ASSIGN_OR_RETURN(Value * meanC, channel(c.operand(3)));
  INGOT_ASSIGN_OR_RETURN(Value * varC, channel(c.operand(4)));
  INGOT_ASSIGN_OR_RETURN(Value * eps, c.scalarLike(c.node().getFloat("epsilon", 1e-5f), x));
  INGOT_ASSIGN_OR_RETURN(Value * ve, c.add(varC, eps));
  INGOT_ASSIGN_OR_RETURN(Value * sd, c.emit("Sqrt", {ve}));
  INGOT_ASSIGN_OR_RETURN(Value * inv, c.emit("Reciprocal", {sd}));
  INGOT_ASSIGN_OR_RETURN(Value * centered, c.sub(x, meanC));
  INGOT_ASSIGN_OR_RETURN(Value * xhat, c.mul(centered, inv));
  INGOT_ASSIGN_OR_RETURN(Value * k, c.mul(scaleC, inv));
  Value* dy = c.resultGrad(0);
  Value* dMean = c.resultGrad(1);
  Value* dVar = c.resultGrad(2);
  if (dy) {
    if (c.needsGradient(0)) {
      INGOT_ASSIGN_OR_RETURN(Value * dx, c.mul(dy, k));
      INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, dx));
    }
    if (c.needsGradient(1)) {
      INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dy, xhat));
      INGOT_ASSIGN_OR_RETURN(Value * ds, perChannel(t));
      INGOT_RETURN_IF_ERROR(c.setOperandGradient(1, ds));
    }
    if (c.needsGradient(2)) {
      INGOT_ASSIGN_OR_RETURN(Value * db, perChannel(dy));
      INGOT_RETURN_IF_ERROR(c.setOperandGradient(2, db));
    }
    if (c.needsGradient(3)) {
      INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dy, k));
      INGOT_ASSIGN_OR_RETURN(Value * s, perChannel(t));
      INGOT_ASSIGN_OR_RETURN(Value * dm, c.neg(s));
      INGOT_ASSIGN_OR_RETURN(dMean, accumulate(c, dMean, dm));
    }
    if (c.needsGradient(4)) {
      // d inv / d var = -inv^3 / 2, so dvar = sum(dy xhat scale inv^2) * -1/2.
      INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dy, xhat));
      INGOT_ASSIGN_OR_RETURN(Value * inv2, c.mul(inv, inv));
      INGOT_ASSIGN_OR_RETURN(Value * si, c.mul(scaleC, inv2));
      INGOT_ASSIGN_OR_RETURN(Value * u, c.mul(t, si));
      INGOT_ASSIGN_OR_RETURN(Value * s, perChannel(u));
      INGOT_ASSIGN_OR_RETURN(Value * dv, c.scale(s, -0.5));
      INGOT_ASSIGN_OR_RETURN(dVar, accumulate(c, dVar, dv));
    }
  } else {
    for (size_t i = 0; i < 3; ++i)
      if (c.needsGradient(i)) INGOT_RETURN_IF_ERROR(c.setZeroGradient(i));
  }
  for (auto [i, g] : {std::pair<size_t, Value*>{3, dMean}, {4, dVar}}) {
    if (!c.needsGradient(i)) continue;
    if (g) INGOT_RETURN_IF_ERROR(c.setOperandGradient(i, g));
    else INGOT_RETURN_IF_ERROR(c.setZeroGradient(i));
  }
  return Status::ok();
}

}  // namespace

void registerNormalizationGradients(OpRegistry& r) {
  attachAll(r, {
      {"LayerNormalization", layerNormGrad},
      {"RMSNormalization", rmsNormGrad},
      {"BatchNormalization", batchNormGrad},
  });
}

}  // namespace ingot::ir
