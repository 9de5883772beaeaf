// Gradients of LayerNormalization, RMSNormalization and inference-mode
// BatchNormalization (ir/ops/NormalizationOps.cpp). With xhat the
// normalized input, r the inverse standard deviation, g = dy * scale and
// means taken over the normalized dims:
//   LayerNorm: dx = r (g - mean(g) - xhat mean(g xhat))
//   RMSNorm:   dx = r (g - xhat mean(g xhat))
// LayerNorm's Mean and InvStdDev results pass their own gradients on too.
// Group/InstanceNormalization (statistics per (n, group) over the group's
// channels and the spatial dims) and training-mode BatchNormalization
// (statistics per channel over the batch and the spatial dims, population
// variance) use the LayerNorm form over their own axes of a reshaped view.
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

// Batch statistics of a view over `axes`: the mean, the centered values,
// r = (population var + eps)^-1/2 and xhat = centered r.
struct Stats {
  Value* mean = nullptr;
  Value* centered = nullptr;
  Value* r = nullptr;
  Value* xhat = nullptr;
};

Expected<Stats> statsOver(GradientContext& c, Value* x, const std::vector<int64_t>& axes) {
  const AttrMap keep{{"axes", ints(axes)}, {"keepdims", one(1)}};
  Stats s;
  INGOT_ASSIGN_OR_RETURN(s.mean, c.emit("ReduceMean", {x}, keep));
  INGOT_ASSIGN_OR_RETURN(s.centered, c.sub(x, s.mean));
  INGOT_ASSIGN_OR_RETURN(Value * sq, c.mul(s.centered, s.centered));
  INGOT_ASSIGN_OR_RETURN(Value * var, c.emit("ReduceMean", {sq}, keep));
  INGOT_ASSIGN_OR_RETURN(Value * eps, c.scalarLike(c.node().getFloat("epsilon", 1e-5f), x));
  INGOT_ASSIGN_OR_RETURN(Value * ve, c.add(var, eps));
  INGOT_ASSIGN_OR_RETURN(Value * sd, c.emit("Sqrt", {ve}));
  INGOT_ASSIGN_OR_RETURN(s.r, c.emit("Reciprocal", {sd}));
  INGOT_ASSIGN_OR_RETURN(s.xhat, c.mul(s.centered, s.r));
  return s;
}

// dL/dx for xhat = (x - mean(x)) r(x) over `axes`, from g = dL/dxhat:
// r (g - mean(g) - xhat mean(g xhat)).
Expected<Value*> normalizedInputGrad(GradientContext& c, const std::vector<int64_t>& axes, const Stats& s, Value* g) {
  const AttrMap keep{{"axes", ints(axes)}, {"keepdims", one(1)}};
  INGOT_ASSIGN_OR_RETURN(Value * mg, c.emit("ReduceMean", {g}, keep));
  INGOT_ASSIGN_OR_RETURN(Value * gx, c.mul(g, s.xhat));
  INGOT_ASSIGN_OR_RETURN(Value * mgx, c.emit("ReduceMean", {gx}, keep));
  INGOT_ASSIGN_OR_RETURN(Value * t1, c.sub(g, mg));
  INGOT_ASSIGN_OR_RETURN(Value * t2, c.mul(s.xhat, mgx));
  INGOT_ASSIGN_OR_RETURN(Value * t3, c.sub(t1, t2));
  return c.mul(t3, s.r);
}

// Group/InstanceNormalization on X [N, C, ...] viewed as [N, G, P, S]
// (G groups of P channels, S spatial elements): statistics over dims 2, 3.
// Scale and bias are per channel ([C] -> [G, P, 1]) or per group ([G] ->
// [G, 1, 1]).
Status groupNormGrad(GradientContext& c, bool instance) {
  Value* x = c.operand(0);
  const Shape& xs = x->shape();
  const int64_t n = xs[0], channels = xs[1];
  const int64_t groups = instance ? channels : c.node().getInt("num_groups");
  if (groups < 1 || channels % groups != 0) return c.error("{} groups do not divide {} channels", groups, channels);
  int64_t spatial = 1;
  for (size_t d = 2; d < xs.size(); ++d) spatial *= xs[d];
  const int64_t per = channels / groups;
  const Shape view{n, groups, per, spatial};
  auto paramView = [&](size_t i) -> Shape {
    return c.operand(i)->shape() == Shape{channels} ? Shape{groups, per, 1} : Shape{groups, 1, 1};
  };
  const std::vector<int64_t> axes{2, 3};
  INGOT_ASSIGN_OR_RETURN(Value * x4, c.reshape(x, view));
  INGOT_ASSIGN_OR_RETURN(Stats s, statsOver(c, x4, axes));
  INGOT_ASSIGN_OR_RETURN(Value * dy, c.reshape(c.resultGrad(), view));
  if (c.needsGradient(0)) {
    INGOT_ASSIGN_OR_RETURN(Value * scale, c.reshape(c.operand(1), paramView(1)));
    INGOT_ASSIGN_OR_RETURN(Value * g, c.mul(dy, scale));
    INGOT_ASSIGN_OR_RETURN(Value * dx4, normalizedInputGrad(c, axes, s, g));
    INGOT_ASSIGN_OR_RETURN(Value * dx, c.reshape(dx4, xs));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, dx));
  }
  for (size_t i : {size_t{1}, size_t{2}}) {
    if (!c.needsGradient(i)) continue;
    Value* full = dy;
    if (i == 1) { INGOT_ASSIGN_OR_RETURN(full, c.mul(dy, s.xhat)); }
    INGOT_ASSIGN_OR_RETURN(Value * reduced, c.reduceToShape(full, paramView(i)));
    INGOT_ASSIGN_OR_RETURN(Value * d, c.reshape(reduced, c.operand(i)->shape()));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(i, d));
  }
  return Status::ok();
}

// Training-mode BatchNormalization on X [N, C, ...] viewed as [N, C, S]:
// Y uses the batch statistics over dims 0, 2; the running statistics are
// input_mean m + mean (1 - m) and input_var m + var (1 - m) (momentum m),
// so they pass m of their gradient to the inputs and (1 - m) of it to x
// through the batch mean (1 / count each) and variance (2 (x - mean) / count).
Status batchNormTrainingGrad(GradientContext& c) {
  Value* x = c.operand(0);
  const Shape& xs = x->shape();
  int64_t spatial = 1;
  for (size_t d = 2; d < xs.size(); ++d) spatial *= xs[d];
  const Shape view{xs[0], xs[1], spatial}, channelView{xs[1], 1};
  const std::vector<int64_t> axes{0, 2};
  const double count = static_cast<double>(xs[0] * spatial);
  const double momentum = c.node().getFloat("momentum", 0.9f);
  INGOT_ASSIGN_OR_RETURN(Value * x3, c.reshape(x, view));
  INGOT_ASSIGN_OR_RETURN(Stats s, statsOver(c, x3, axes));
  auto perChannel = [&](Value* full) -> Expected<Value*> {
    INGOT_ASSIGN_OR_RETURN(Value * reduced, c.reduceToShape(full, channelView));
    return c.reshape(reduced, {xs[1]});
  };
  Value* dx = nullptr;
  if (Value* dyFull = c.resultGrad(0)) {
    INGOT_ASSIGN_OR_RETURN(Value * dy, c.reshape(dyFull, view));
    if (c.needsGradient(0)) {
      INGOT_ASSIGN_OR_RETURN(Value * scale, c.reshape(c.operand(1), channelView));
      INGOT_ASSIGN_OR_RETURN(Value * g, c.mul(dy, scale));
      INGOT_ASSIGN_OR_RETURN(dx, normalizedInputGrad(c, axes, s, g));
    }
    if (c.needsGradient(1)) {
      INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dy, s.xhat));
      INGOT_ASSIGN_OR_RETURN(Value * ds, perChannel(t));
      INGOT_RETURN_IF_ERROR(c.setOperandGradient(1, ds));
    }
    if (c.needsGradient(2)) {
      INGOT_ASSIGN_OR_RETURN(Value * db, perChannel(dy));
      INGOT_RETURN_IF_ERROR(c.setOperandGradient(2, db));
    }
  } else {
    for (size_t i = 1; i < 3; ++i)
      if (c.needsGradient(i)) INGOT_RETURN_IF_ERROR(c.setZeroGradient(i));
  }
  for (size_t k = 1; k < 3; ++k) {  // running mean (operand 3), running var (operand 4)
    Value* dStat = c.resultGrad(k);
    if (c.needsGradient(k + 2)) {
      if (!dStat) INGOT_RETURN_IF_ERROR(c.setZeroGradient(k + 2));
      else {
        INGOT_ASSIGN_OR_RETURN(Value * d, c.scale(dStat, momentum));
        INGOT_RETURN_IF_ERROR(c.setOperandGradient(k + 2, d));
      }
    }
    if (!dStat || !c.needsGradient(0)) continue;
    INGOT_ASSIGN_OR_RETURN(Value * dc, c.reshape(dStat, channelView));
    Value* term = nullptr;
    if (k == 1) {
      INGOT_ASSIGN_OR_RETURN(Value * t, c.scale(dc, (1 - momentum) / count));
      INGOT_ASSIGN_OR_RETURN(term, c.expandTo(t, view));
    } else {
      INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dc, s.centered));
      INGOT_ASSIGN_OR_RETURN(term, c.scale(t, 2 * (1 - momentum) / count));
    }
    INGOT_ASSIGN_OR_RETURN(dx, accumulate(c, dx, term));
  }
  if (c.needsGradient(0)) {
    if (!dx) return c.setZeroGradient(0);
    INGOT_ASSIGN_OR_RETURN(Value * dxFull, c.reshape(dx, xs));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, dxFull));
  }
  return Status::ok();
}

// Inference BatchNormalization: y = (x - mean) inv scale + B per channel
// (axis 1), inv = (var + eps)^-1/2; the running-statistics results are the
// mean and var operands themselves.
Status batchNormGrad(GradientContext& c) {
  if (c.node().getInt("training_mode") != 0) return batchNormTrainingGrad(c);
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
      {"InstanceNormalization", [](GradientContext& c) { return groupNormGrad(c, true); }},
      {"GroupNormalization", [](GradientContext& c) { return groupNormGrad(c, false); }},
  });
}

}  // namespace ingot::ir
