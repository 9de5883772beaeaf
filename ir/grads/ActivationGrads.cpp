// Gradients of the activations (ir/ops/ActivationOps.cpp). Piecewise ones
// select with Where on a comparison of x (at a kink the kernel's branch
// decides: Relu passes the gradient only for x > 0, like PyTorch). Smooth
// ones use the result y where that is cheaper (Sigmoid: y (1 - y)).
#include <cmath>
#include <numbers>

#include "ir/ShapeUtil.h"
#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

// Where(x `cmp` threshold, a, b).
Expected<Value*> selectBy(GradientContext& c, std::string_view cmp, Value* x, double threshold, Value* a, Value* b) {
  INGOT_ASSIGN_OR_RETURN(Value * t, c.scalarLike(threshold, x));
  INGOT_ASSIGN_OR_RETURN(Value * mask, c.emit(cmp, {x, t}));
  return c.emit("Where", {mask, a, b});
}

Expected<Value*> zeroLike(GradientContext& c, Value* v) { return c.scalarLike(0, v); }

// 1 - v
Expected<Value*> oneMinus(GradientContext& c, Value* v) {
  INGOT_ASSIGN_OR_RETURN(Value * k, c.scalarLike(1, v));
  return c.sub(k, v);
}

Expected<Value*> reluVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * zero, zeroLike(c, dy));
  return selectBy(c, "Greater", x, 0, dy, zero);
}

Expected<Value*> leakyReluVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * scaled, c.scale(dy, c.node().getFloat("alpha", 0.01f)));
  return selectBy(c, "Less", x, 0, scaled, dy);
}

Expected<Value*> thresholdedReluVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * zero, zeroLike(c, dy));
  return selectBy(c, "Greater", x, c.node().getFloat("alpha", 1.f), dy, zero);
}

// x < 0: alpha e^x = y + alpha.
Expected<Value*> eluVjp(GradientContext& c, Value* x, Value* y, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * alpha, c.scalarLike(c.node().getFloat("alpha", 1.f), y));
  INGOT_ASSIGN_OR_RETURN(Value * d, c.add(y, alpha));
  INGOT_ASSIGN_OR_RETURN(Value * neg, c.mul(dy, d));
  return selectBy(c, "Less", x, 0, neg, dy);
}

// x > 0: gamma; else gamma alpha e^x = y + gamma alpha.
Expected<Value*> seluVjp(GradientContext& c, Value* x, Value* y, Value* dy) {
  const double alpha = c.node().getFloat("alpha"), gamma = c.node().getFloat("gamma");
  INGOT_ASSIGN_OR_RETURN(Value * pos, c.scale(dy, gamma));
  INGOT_ASSIGN_OR_RETURN(Value * k, c.scalarLike(gamma * alpha, y));
  INGOT_ASSIGN_OR_RETURN(Value * d, c.add(y, k));
  INGOT_ASSIGN_OR_RETURN(Value * neg, c.mul(dy, d));
  return selectBy(c, "Greater", x, 0, pos, neg);
}

// x > 0: 1; else e^(x / alpha).
Expected<Value*> celuVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * xs, c.scale(x, 1.0 / c.node().getFloat("alpha", 1.f)));
  INGOT_ASSIGN_OR_RETURN(Value * e, c.emit("Exp", {xs}));
  INGOT_ASSIGN_OR_RETURN(Value * neg, c.mul(dy, e));
  return selectBy(c, "Greater", x, 0, dy, neg);
}

Expected<Value*> sigmoidVjp(GradientContext& c, Value*, Value* y, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * om, oneMinus(c, y));
  INGOT_ASSIGN_OR_RETURN(Value * d, c.mul(y, om));
  return c.mul(dy, d);
}

Expected<Value*> tanhVjp(GradientContext& c, Value*, Value* y, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * y2, c.mul(y, y));
  INGOT_ASSIGN_OR_RETURN(Value * d, oneMinus(c, y2));
  return c.mul(dy, d);
}

// alpha where 0 < alpha x + beta < 1, else 0.
Expected<Value*> hardSigmoidVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  const double alpha = c.node().getFloat("alpha"), beta = c.node().getFloat("beta");
  INGOT_ASSIGN_OR_RETURN(Value * ax, c.scale(x, alpha));
  INGOT_ASSIGN_OR_RETURN(Value * b, c.scalarLike(beta, x));
  INGOT_ASSIGN_OR_RETURN(Value * v, c.add(ax, b));
  INGOT_ASSIGN_OR_RETURN(Value * zero, c.scalarLike(0, x));
  INGOT_ASSIGN_OR_RETURN(Value * oneV, c.scalarLike(1, x));
  INGOT_ASSIGN_OR_RETURN(Value * above, c.emit("Greater", {v, zero}));
  INGOT_ASSIGN_OR_RETURN(Value * below, c.emit("Less", {v, oneV}));
  INGOT_ASSIGN_OR_RETURN(Value * inside, c.emit("And", {above, below}));
  INGOT_ASSIGN_OR_RETURN(Value * g, c.scale(dy, alpha));
  return maskOrZero(c, inside, g);
}

// x * hardsigmoid(x / 6 + 1/2): 0 below -3, 1 above 3, x / 3 + 1/2 between.
Expected<Value*> hardSwishVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * x3, c.scale(x, 1.0 / 3.0));
  INGOT_ASSIGN_OR_RETURN(Value * half, c.scalarLike(0.5, x));
  INGOT_ASSIGN_OR_RETURN(Value * mid, c.add(x3, half));
  INGOT_ASSIGN_OR_RETURN(Value * oneV, c.scalarLike(1, x));
  INGOT_ASSIGN_OR_RETURN(Value * zero, c.scalarLike(0, x));
  INGOT_ASSIGN_OR_RETURN(Value * upper, selectBy(c, "Greater", x, 3, oneV, mid));
  INGOT_ASSIGN_OR_RETURN(Value * d, selectBy(c, "Less", x, -3, zero, upper));
  return c.mul(dy, d);
}

// Exact: Phi(x) + x phi(x). tanh form: 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)
// with t = tanh(k (x + c x^3)).
Expected<Value*> geluVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * x2, c.mul(x, x));
  INGOT_ASSIGN_OR_RETURN(Value * half, c.scalarLike(0.5, x));
  INGOT_ASSIGN_OR_RETURN(Value * oneV, c.scalarLike(1, x));
  Value* d = nullptr;
  if (c.node().getString("approximate", "none") == "tanh") {
    const double k = std::sqrt(2.0 / std::numbers::pi), cubic = 0.044715;
    INGOT_ASSIGN_OR_RETURN(Value * x3, c.mul(x2, x));
    INGOT_ASSIGN_OR_RETURN(Value * cx3, c.scale(x3, cubic));
    INGOT_ASSIGN_OR_RETURN(Value * inner, c.add(x, cx3));
    INGOT_ASSIGN_OR_RETURN(Value * u, c.scale(inner, k));
    INGOT_ASSIGN_OR_RETURN(Value * t, c.emit("Tanh", {u}));
    INGOT_ASSIGN_OR_RETURN(Value * onePlusT, c.add(oneV, t));
    INGOT_ASSIGN_OR_RETURN(Value * left, c.mul(onePlusT, half));
    INGOT_ASSIGN_OR_RETURN(Value * t2, c.mul(t, t));
    INGOT_ASSIGN_OR_RETURN(Value * sech2, c.sub(oneV, t2));
    INGOT_ASSIGN_OR_RETURN(Value * cx2, c.scale(x2, 3 * cubic));
    INGOT_ASSIGN_OR_RETURN(Value * du, c.add(oneV, cx2));
    INGOT_ASSIGN_OR_RETURN(Value * duk, c.scale(du, 0.5 * k));
    INGOT_ASSIGN_OR_RETURN(Value * xs, c.mul(x, sech2));
    INGOT_ASSIGN_OR_RETURN(Value * right, c.mul(xs, duk));
    INGOT_ASSIGN_OR_RETURN(d, c.add(left, right));
  } else {
    INGOT_ASSIGN_OR_RETURN(Value * xr, c.scale(x, 1.0 / std::numbers::sqrt2));
    INGOT_ASSIGN_OR_RETURN(Value * erf, c.emit("Erf", {xr}));
    INGOT_ASSIGN_OR_RETURN(Value * onePlus, c.add(oneV, erf));
    INGOT_ASSIGN_OR_RETURN(Value * cdf, c.mul(onePlus, half));
    INGOT_ASSIGN_OR_RETURN(Value * e, c.scale(x2, -0.5));
    INGOT_ASSIGN_OR_RETURN(Value * ex, c.emit("Exp", {e}));
    INGOT_ASSIGN_OR_RETURN(Value * pdf, c.scale(ex, 1.0 / std::sqrt(2.0 * std::numbers::pi)));
    INGOT_ASSIGN_OR_RETURN(Value * xpdf, c.mul(x, pdf));
    INGOT_ASSIGN_OR_RETURN(d, c.add(cdf, xpdf));
  }
  return c.mul(dy, d);
}

// d erf(x) = 2 / sqrt(pi) e^(-x^2)
Expected<Value*> erfVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * x2, c.mul(x, x));
  INGOT_ASSIGN_OR_RETURN(Value * e, c.neg(x2));
  INGOT_ASSIGN_OR_RETURN(Value * ex, c.emit("Exp", {e}));
  INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dy, ex));
  return c.scale(t, 2.0 / std::sqrt(std::numbers::pi));
}

Expected<Value*> softplusVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * s, c.emit("Sigmoid", {x}));
  return c.mul(dy, s);
}

// d x / (1 + |x|) = 1 / (1 + |x|)^2
Expected<Value*> softsignVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * a, c.emit("Abs", {x}));
  INGOT_ASSIGN_OR_RETURN(Value * oneV, c.scalarLike(1, x));
  INGOT_ASSIGN_OR_RETURN(Value * d, c.add(a, oneV));
  INGOT_ASSIGN_OR_RETURN(Value * d2, c.mul(d, d));
  return c.div(dy, d2);
}

// x tanh(sp(x)): tanh(sp) + x (1 - tanh(sp)^2) sigmoid(x).
Expected<Value*> mishVjp(GradientContext& c, Value* x, Value*, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(Value * sp, c.emit("Softplus", {x}));
  INGOT_ASSIGN_OR_RETURN(Value * t, c.emit("Tanh", {sp}));
  INGOT_ASSIGN_OR_RETURN(Value * t2, c.mul(t, t));
  INGOT_ASSIGN_OR_RETURN(Value * sech2, oneMinus(c, t2));
  INGOT_ASSIGN_OR_RETURN(Value * s, c.emit("Sigmoid", {x}));
  INGOT_ASSIGN_OR_RETURN(Value * xs, c.mul(x, sech2));
  INGOT_ASSIGN_OR_RETURN(Value * r, c.mul(xs, s));
  INGOT_ASSIGN_OR_RETURN(Value * d, c.add(t, r));
  return c.mul(dy, d);
}

// PRelu(X, slope): dX = x < 0 ? dy slope : dy; dslope = sum(dy x where x < 0).
Status preluGrad(GradientContext& c) {
  Value* x = c.operand(0);
  Value* slope = c.operand(1);
  Value* dy = c.resultGrad();
  INGOT_ASSIGN_OR_RETURN(Value * zero, c.scalarLike(0, x));
  INGOT_ASSIGN_OR_RETURN(Value * negative, c.emit("Less", {x, zero}));
  if (c.needsGradient(0)) {
    INGOT_ASSIGN_OR_RETURN(Value * scaled, c.mul(dy, slope));
    INGOT_ASSIGN_OR_RETURN(Value * g, c.emit("Where", {negative, scaled, dy}));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, g));
  }
  if (c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * dx, c.mul(dy, x));
    INGOT_ASSIGN_OR_RETURN(Value * g, maskOrZero(c, negative, dx));
    INGOT_ASSIGN_OR_RETURN(Value * reduced, c.reduceToShape(g, slope->shape()));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(1, reduced));
  }
  return Status::ok();
}

Expected<std::vector<int64_t>> axisOf(GradientContext& c) {
  const int64_t rank = static_cast<int64_t>(c.operand(0)->shape().size());
  auto axis = normalizeAxis(c.node().getInt("axis", -1), rank);
  if (!axis.ok()) return axis.status().withContext(c.node().label());
  return std::vector<int64_t>{*axis};
}

// Softmax: dx = y (dy - sum(dy y)) along the axis.
Expected<Value*> softmaxVjp(GradientContext& c, Value*, Value* y, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, axisOf(c));
  INGOT_ASSIGN_OR_RETURN(Value * dyy, c.mul(dy, y));
  INGOT_ASSIGN_OR_RETURN(Value * s, c.emit("ReduceSum", {dyy}, {{"axes", ints(axes)}, {"keepdims", one(1)}}));
  INGOT_ASSIGN_OR_RETURN(Value * centered, c.sub(dy, s));
  return c.mul(y, centered);
}

// LogSoftmax: dx = dy - e^y sum(dy) along the axis.
Expected<Value*> logSoftmaxVjp(GradientContext& c, Value*, Value* y, Value* dy) {
  INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, axisOf(c));
  INGOT_ASSIGN_OR_RETURN(Value * s, c.emit("ReduceSum", {dy}, {{"axes", ints(axes)}, {"keepdims", one(1)}}));
  INGOT_ASSIGN_OR_RETURN(Value * p, c.emit("Exp", {y}));
  INGOT_ASSIGN_OR_RETURN(Value * ps, c.mul(p, s));
  return c.sub(dy, ps);
}

}  // namespace

void registerActivationGradients(OpRegistry& r) {
  attachAll(r, {
      {"Relu", unaryRule(reluVjp)},
      {"LeakyRelu", unaryRule(leakyReluVjp)},
      {"ThresholdedRelu", unaryRule(thresholdedReluVjp)},
      {"Elu", unaryRule(eluVjp)},
      {"Selu", unaryRule(seluVjp)},
      {"Celu", unaryRule(celuVjp)},
      {"Sigmoid", unaryRule(sigmoidVjp)},
      {"Tanh", unaryRule(tanhVjp)},
      {"HardSigmoid", unaryRule(hardSigmoidVjp)},
      {"HardSwish", unaryRule(hardSwishVjp)},
      {"Gelu", unaryRule(geluVjp)},
      {"Erf", unaryRule(erfVjp)},
      {"Softplus", unaryRule(softplusVjp)},
      {"Softsign", unaryRule(softsignVjp)},
      {"Mish", unaryRule(mishVjp)},
      {"PRelu", preluGrad},
      {"Softmax", unaryRule(softmaxVjp)},
      {"LogSoftmax", unaryRule(logSoftmaxVjp)},
  });
}

}  // namespace ingot::ir
