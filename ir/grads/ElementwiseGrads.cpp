// Gradients of the elementwise math ops (ir/ops/ElementwiseOps.cpp):
// broadcasting arithmetic (the operand gradients are summed back over the
// broadcast axes), unary functions, variadic Max/Min/Sum/Mean, Pow, Where,
// Clip, Mod (float fmod: a - trunc(a / b) b). Rounding ops (Floor, Ceil,
// Round, Sign) are piecewise constant: their gradient is zero, as in
// PyTorch and JAX.
#include <cmath>
#include <numbers>

#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

// Operand i of a broadcasting op receives `g` (shaped like the result)
// summed to its own shape.
Status setBroadcastGrad(GradientContext& c, size_t i, Value* g) {
  INGOT_ASSIGN_OR_RETURN(Value * reduced, c.reduceToShape(g, c.operand(i)->shape()));
  return c.setOperandGradient(i, reduced);
}

Status addGrad(GradientContext& c) {
  for (size_t i = 0; i < 2; ++i)
    if (c.needsGradient(i)) INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, i, c.resultGrad()));
  return Status::ok();
}

Status subGrad(GradientContext& c) {
  if (c.needsGradient(0)) INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 0, c.resultGrad()));
  if (c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * g, c.neg(c.resultGrad()));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 1, g));
  }
  return Status::ok();
}

Status mulGrad(GradientContext& c) {
  for (size_t i = 0; i < 2; ++i) {
    if (!c.needsGradient(i)) continue;
    INGOT_ASSIGN_OR_RETURN(Value * g, c.mul(c.resultGrad(), c.operand(1 - i)));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, i, g));
  }
  return Status::ok();
}

// y = a / b: da = dy / b, db = -dy * y / b.
Status divGrad(GradientContext& c) {
  Value* dy = c.resultGrad();
  Value* b = c.operand(1);
  if (c.needsGradient(0)) {
    INGOT_ASSIGN_OR_RETURN(Value * g, c.div(dy, b));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 0, g));
  }
  if (c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dy, c.result()));
    INGOT_ASSIGN_OR_RETURN(Value * q, c.div(t, b));
    INGOT_ASSIGN_OR_RETURN(Value * g, c.neg(q));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 1, g));
  }
  return Status::ok();
}

// y = x^p: dx = dy * p * x^(p-1); dp = dy * y * log(x) (real only for x > 0,
// like PyTorch). An integer exponent is cast to the base's dtype first.
Status powGrad(GradientContext& c) {
  Value* x = c.operand(0);
  Value* p = c.operand(1);
  Value* dy = c.resultGrad();
  if (c.needsGradient(0)) {
    Value* pf = p;
    if (p->dtype() != x->dtype()) {
      INGOT_ASSIGN_OR_RETURN(pf, c.emit("Cast", {p}, {{"to", Attribute(std::string(dtypeName(x->dtype())))}}));
    }
    INGOT_ASSIGN_OR_RETURN(Value * oneV, c.scalarLike(1, x));
    INGOT_ASSIGN_OR_RETURN(Value * pm1, c.sub(pf, oneV));
    INGOT_ASSIGN_OR_RETURN(Value * xp, c.emit("Pow", {x, pm1}));
    INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(xp, pf));
    INGOT_ASSIGN_OR_RETURN(Value * g, c.mul(dy, t));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 0, g));
  }
  if (c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * logx, c.emit("Log", {x}));
    INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(c.result(), logx));
    INGOT_ASSIGN_OR_RETURN(Value * g, c.mul(dy, t));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 1, g));
  }
  return Status::ok();
}

// Max / Min of n operands: the gradient goes to the operands equal to the
// result, split evenly among ties (PyTorch's maximum/minimum do the same
// for two operands).
Status extremumGrad(GradientContext& c) {
  Value* y = c.result();
  Value* dy = c.resultGrad();
  std::vector<Value*> masks;
  for (size_t i = 0; i < c.numOperands(); ++i) {
    INGOT_ASSIGN_OR_RETURN(Value * eq, c.emit("Equal", {c.operand(i), y}));
    INGOT_ASSIGN_OR_RETURN(Value * m, c.emit("Cast", {eq}, {{"to", Attribute(std::string(dtypeName(y->dtype())))}}));
    masks.push_back(m);
  }
  Value* share = dy;
  if (masks.size() > 1) {
    INGOT_ASSIGN_OR_RETURN(Value * count, c.emit("Sum", masks));
    INGOT_ASSIGN_OR_RETURN(share, c.div(dy, count));
  }
  for (size_t i = 0; i < c.numOperands(); ++i) {
    if (!c.needsGradient(i)) continue;
    INGOT_ASSIGN_OR_RETURN(Value * g, c.mul(share, masks[i]));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, i, g));
  }
  return Status::ok();
}

Status sumGrad(GradientContext& c) {
  for (size_t i = 0; i < c.numOperands(); ++i)
    if (c.needsGradient(i)) INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, i, c.resultGrad()));
  return Status::ok();
}

Status meanGrad(GradientContext& c) {
  INGOT_ASSIGN_OR_RETURN(Value * g, c.scale(c.resultGrad(), 1.0 / static_cast<double>(c.numOperands())));
  for (size_t i = 0; i < c.numOperands(); ++i)
    if (c.needsGradient(i)) INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, i, g));
  return Status::ok();
}

// Where(cond, X, Y): dy goes to X where cond holds, to Y elsewhere.
Status whereGrad(GradientContext& c) {
  Value* cond = c.operand(0);
  Value* dy = c.resultGrad();
  INGOT_ASSIGN_OR_RETURN(Value * zero, c.scalarLike(0, dy));
  if (c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * g, c.emit("Where", {cond, dy, zero}));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 1, g));
  }
  if (c.needsGradient(2)) {
    INGOT_ASSIGN_OR_RETURN(Value * g, c.emit("Where", {cond, zero, dy}));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 2, g));
  }
  return Status::ok();
}

// Clip(x, lo, hi) = min(max(x, lo), hi), with the kernel's tie rules
// (std::max/min keep x on ties): with m = max(x, lo),
//   dx = dy where x >= lo and m <= hi; dlo = sum(dy where x < lo and lo <= hi);
//   dhi = sum(dy where m > hi).
Status clipGrad(GradientContext& c) {
  Value* x = c.operand(0);
  Value* lo = c.operand(1);
  Value* hi = c.operand(2);
  Value* dy = c.resultGrad();
  Value* m = x;
  if (lo) { INGOT_ASSIGN_OR_RETURN(m, c.emit("Max", {x, lo})); }
  Value* passX = nullptr;  // mask: x passes through
  if (lo) { INGOT_ASSIGN_OR_RETURN(passX, c.emit("GreaterOrEqual", {x, lo})); }
  Value* belowHi = nullptr;  // mask: m <= hi
  if (hi) { INGOT_ASSIGN_OR_RETURN(belowHi, c.emit("LessOrEqual", {m, hi})); }
  if (c.needsGradient(0)) {
    Value* mask = passX;
    if (mask && belowHi) { INGOT_ASSIGN_OR_RETURN(mask, c.emit("And", {passX, belowHi})); }
    else if (!mask) mask = belowHi;
    Value* g = dy;
    if (mask) { INGOT_ASSIGN_OR_RETURN(g, maskOrZero(c, mask, dy)); }
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, g));
  }
  if (lo && c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * mask, c.emit("Not", {passX}));
    if (hi) {
      INGOT_ASSIGN_OR_RETURN(Value * loBelowHi, c.emit("LessOrEqual", {lo, hi}));
      INGOT_ASSIGN_OR_RETURN(mask, c.emit("And", {mask, loBelowHi}));
    }
    INGOT_ASSIGN_OR_RETURN(Value * g, maskOrZero(c, mask, dy));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 1, g));
  }
  if (hi && c.needsGradient(2)) {
    INGOT_ASSIGN_OR_RETURN(Value * mask, c.emit("Not", {belowHi}));
    INGOT_ASSIGN_OR_RETURN(Value * g, maskOrZero(c, mask, dy));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 2, g));
  }
  return Status::ok();
}

// dy * f(x) for a unary op whose derivative is one op applied to x.
UnaryVjp timesOpOf(std::string_view op, double factor = 1.0) {
  return [op, factor](GradientContext& c, Value* x, Value*, Value* dy) -> Expected<Value*> {
    INGOT_ASSIGN_OR_RETURN(Value * d, c.emit(op, {x}));
    INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dy, d));
    return c.scale(t, factor);
  };
}

// dy * factor / sqrt(sign * x^2 + offset): the inverse trig/hyperbolic family.
UnaryVjp overSqrt(double sign, double offset, double factor) {
  return [=](GradientContext& c, Value* x, Value*, Value* dy) -> Expected<Value*> {
    INGOT_ASSIGN_OR_RETURN(Value * x2, c.mul(x, x));
    INGOT_ASSIGN_OR_RETURN(Value * s, c.scale(x2, sign));
    INGOT_ASSIGN_OR_RETURN(Value * k, c.scalarLike(offset, x));
    INGOT_ASSIGN_OR_RETURN(Value * t, c.add(s, k));
    INGOT_ASSIGN_OR_RETURN(Value * r, c.emit("Sqrt", {t}));
    INGOT_ASSIGN_OR_RETURN(Value * q, c.div(dy, r));
    return c.scale(q, factor);
  };
}

// dy / (sign * x^2 + 1): Atan (sign 1) and Atanh (sign -1).
UnaryVjp overQuadratic(double sign) {
  return [=](GradientContext& c, Value* x, Value*, Value* dy) -> Expected<Value*> {
    INGOT_ASSIGN_OR_RETURN(Value * x2, c.mul(x, x));
    INGOT_ASSIGN_OR_RETURN(Value * s, c.scale(x2, sign));
    INGOT_ASSIGN_OR_RETURN(Value * k, c.scalarLike(1, x));
    INGOT_ASSIGN_OR_RETURN(Value * t, c.add(s, k));
    return c.div(dy, t);
  };
}

Status zeroGrad(GradientContext& c) { return c.needsGradient(0) ? c.setZeroGradient(0) : Status::ok(); }

// Float Mod is C's fmod (the type rule requires fmod = 1): y = a - trunc(a / b) b,
// so da = dy and db = -trunc(a / b) dy, trunc(q) = sign(q) floor(|q|).
// Integer operands never carry gradients.
Status modGrad(GradientContext& c) {
  if (c.needsGradient(0)) INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 0, c.resultGrad()));
  if (c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * q, c.div(c.operand(0), c.operand(1)));
    INGOT_ASSIGN_OR_RETURN(Value * mag, c.emit("Abs", {q}));
    INGOT_ASSIGN_OR_RETURN(Value * fl, c.emit("Floor", {mag}));
    INGOT_ASSIGN_OR_RETURN(Value * sg, c.emit("Sign", {q}));
    INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(sg, fl));
    INGOT_ASSIGN_OR_RETURN(Value * g, c.mul(c.resultGrad(), t));
    INGOT_ASSIGN_OR_RETURN(Value * ng, c.neg(g));
    INGOT_RETURN_IF_ERROR(setBroadcastGrad(c, 1, ng));
  }
  return Status::ok();
}

}  // namespace

void registerElementwiseGradients(OpRegistry& r) {
  attachAll(r, {
      {"Add", addGrad},
      {"Sub", subGrad},
      {"Mul", mulGrad},
      {"Div", divGrad},
      {"Pow", powGrad},
      {"Max", extremumGrad},
      {"Min", extremumGrad},
      {"Sum", sumGrad},
      {"Mean", meanGrad},
      {"Where", whereGrad},
      {"Clip", clipGrad},
      {"Mod", modGrad},
      {"Floor", zeroGrad},
      {"Ceil", zeroGrad},
      {"Round", zeroGrad},
      {"Sign", zeroGrad},
      {"Neg", unaryRule([](GradientContext& c, Value*, Value*, Value* dy) { return c.neg(dy); })},
      {"Abs", unaryRule(timesOpOf("Sign"))},
      {"Exp", unaryRule([](GradientContext& c, Value*, Value* y, Value* dy) { return c.mul(dy, y); })},
      {"Log", unaryRule([](GradientContext& c, Value* x, Value*, Value* dy) { return c.div(dy, x); })},
      // d sqrt(x) = 1 / (2 y)
      {"Sqrt", unaryRule([](GradientContext& c, Value*, Value* y, Value* dy) -> Expected<Value*> {
         INGOT_ASSIGN_OR_RETURN(Value * q, c.div(dy, y));
         return c.scale(q, 0.5);
       })},
      // d (1/x) = -y^2
      {"Reciprocal", unaryRule([](GradientContext& c, Value*, Value* y, Value* dy) -> Expected<Value*> {
         INGOT_ASSIGN_OR_RETURN(Value * y2, c.mul(y, y));
         INGOT_ASSIGN_OR_RETURN(Value * t, c.mul(dy, y2));
         return c.neg(t);
       })},
      {"Sin", unaryRule(timesOpOf("Cos"))},
      {"Cos", unaryRule(timesOpOf("Sin", -1.0))},
      // d tan(x) = 1 + y^2
      {"Tan", unaryRule([](GradientContext& c, Value*, Value* y, Value* dy) -> Expected<Value*> {
         INGOT_ASSIGN_OR_RETURN(Value * y2, c.mul(y, y));
         INGOT_ASSIGN_OR_RETURN(Value * k, c.scalarLike(1, y));
         INGOT_ASSIGN_OR_RETURN(Value * t, c.add(y2, k));
         return c.mul(dy, t);
       })},
      {"Asin", unaryRule(overSqrt(-1, 1, 1))},
      {"Acos", unaryRule(overSqrt(-1, 1, -1))},
      {"Atan", unaryRule(overQuadratic(1))},
      {"Sinh", unaryRule(timesOpOf("Cosh"))},
      {"Cosh", unaryRule(timesOpOf("Sinh"))},
      {"Asinh", unaryRule(overSqrt(1, 1, 1))},
      {"Acosh", unaryRule(overSqrt(1, -1, 1))},
      {"Atanh", unaryRule(overQuadratic(-1))},
  });
}

}  // namespace ingot::ir
