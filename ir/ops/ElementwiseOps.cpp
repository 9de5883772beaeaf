// Elementwise math: unary functions (Neg, Exp, Sin, Round, Not, IsNaN, ...)
// and binary/variadic broadcasting arithmetic, comparisons and logic (Add,
// Div, Mod, Pow, Equal, And, Max, Sum, Where, Clip, ...).
//
// Each op is one table row holding a scalar functor; see
// ElementwiseKernels.h for how a functor becomes a type rule and a kernel.
#include <algorithm>
#include <cmath>

#include "ir/ops/ElementwiseKernels.h"

namespace ingot::ir {
namespace {

using namespace ops;

// ---------------------------------------------------------------------------
// Unary functors.

struct Neg {
  template <SignedNumber T>
  T operator()(T x) const { return wrapNeg(x); }
};
struct Abs {
  template <Number T>
  T operator()(T x) const {
    if constexpr (Floating<T>) return std::fabs(x);
    else if constexpr (std::is_signed_v<T>) return x < 0 ? wrapNeg(x) : x;  // abs(INT_MIN) wraps
    else return x;
  }
};
struct Sign {
  template <Number T>
  T operator()(T x) const {
    if (x > T{0}) return T{1};
    if constexpr (std::is_signed_v<T>)
      if (x < T{0}) return T{-1};
    return x;  // 0 (or NaN, which stays NaN like numpy.sign)
  }
};
struct BitwiseNot {
  template <Integer T>
  T operator()(T x) const { return static_cast<T>(~x); }
};
struct Not {
  template <Boolean T>
  bool operator()(T x) const { return !x; }
};
struct IsNaN {
  template <Floating T>
  bool operator()(T x) const { return std::isnan(x); }
};
struct IsInf {
  bool negative, positive;
  explicit IsInf(const OpContext& c)
      : negative(c.getInt("detect_negative") != 0), positive(c.getInt("detect_positive") != 0) {}
  template <Floating T>
  bool operator()(T x) const { return std::isinf(x) && (x < 0 ? negative : positive); }
};

// ---------------------------------------------------------------------------
// Binary functors (both operands of one dtype, broadcast).

struct Add {
  template <Number T>
  T operator()(T a, T b) const { return wrapAdd(a, b); }
};
struct Sub {
  template <Number T>
  T operator()(T a, T b) const { return wrapSub(a, b); }
};
struct Mul {
  template <Number T>
  T operator()(T a, T b) const { return wrapMul(a, b); }
};
struct Div {
  template <Number T>
  T operator()(T a, T b) const {
    if constexpr (Floating<T>) {
      return a / b;
    } else {
      // ONNX leaves integer division by zero undefined; ingot defines it as
      // 0 so every backend can be held to one deterministic answer.
      if (b == 0) return 0;
      // INT_MIN / -1 overflows in C++; the wrapped result is -a.
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1)) return wrapNeg(a);
      return static_cast<T>(a / b);  // C++ truncates toward zero, like ONNX
    }
  }
};
struct Mod {
  bool cStyle;  // fmod=1: result has the dividend's sign; fmod=0: the divisor's (Python)
  explicit Mod(const OpContext& c) : cStyle(c.getInt("fmod") != 0) {}
  static Status validate(const OpContext& c) {
    const int64_t fmod = c.getInt("fmod");
    if (fmod != 0 && fmod != 1) return c.error("attribute 'fmod' must be 0 or 1, got {}", fmod);
    if (isFloat(c.operandType(0).dtype) && fmod != 1)
      return c.error("attribute 'fmod' must be 1 for floating-point operands (dtype {}), got 0",
                     dtypeName(c.operandType(0).dtype));
    return Status::ok();
  }
  template <Number T>
  T operator()(T a, T b) const {
    if constexpr (Floating<T>) {
      return std::fmod(a, b);  // validate() guarantees fmod=1 here
    } else {
      if (b == 0) return 0;  // undefined in ONNX; defined as 0 like Div
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return 0;  // also avoids INT_MIN % -1 overflow
        T r = static_cast<T>(a % b);
        if (!cStyle && r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
        return r;
      } else {
        return static_cast<T>(a % b);
      }
    }
  }
};
struct And {
  template <Boolean T>
  bool operator()(T a, T b) const { return a && b; }
};
struct Or {
  template <Boolean T>
  bool operator()(T a, T b) const { return a || b; }
};
struct Xor {
  template <Boolean T>
  bool operator()(T a, T b) const { return a != b; }
};
struct BitwiseAnd {
  template <Integer T>
  T operator()(T a, T b) const { return static_cast<T>(a & b); }
};
struct BitwiseOr {
  template <Integer T>
  T operator()(T a, T b) const { return static_cast<T>(a | b); }
};
struct BitwiseXor {
  template <Integer T>
  T operator()(T a, T b) const { return static_cast<T>(a ^ b); }
};
// BitShift (unsigned only, as in ONNX). Shifting by the bit width or more is
// undefined in C++; ingot defines it as 0 (every bit shifted out).
struct BitShift {
  bool left;
  explicit BitShift(const OpContext& c) : left(c.getString("direction") == "LEFT") {}
  static Status validate(const OpContext& c) {
    const std::string d = c.getString("direction");
    if (d != "LEFT" && d != "RIGHT") return c.error("attribute 'direction' must be \"LEFT\" or \"RIGHT\", got \"{}\"", d);
    return Status::ok();
  }
  template <std::unsigned_integral T>
    requires(!Boolean<T>)
  T operator()(T a, T b) const {
    if (b >= std::numeric_limits<T>::digits) return 0;
    return static_cast<T>(left ? a << b : a >> b);
  }
};
struct Equal {
  template <class T>
  bool operator()(T a, T b) const { return a == b; }
};
struct Less {
  template <Number T>
  bool operator()(T a, T b) const { return a < b; }
};
struct LessOrEqual {
  template <Number T>
  bool operator()(T a, T b) const { return a <= b; }
};
struct Greater {
  template <Number T>
  bool operator()(T a, T b) const { return a > b; }
};
struct GreaterOrEqual {
  template <Number T>
  bool operator()(T a, T b) const { return a >= b; }
};

// Variadic folds. Max/Min propagate NaN like numpy.maximum/minimum.
struct Max {
  template <Number T>
  T operator()(T a, T b) const {
    if constexpr (Floating<T>)
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    return std::max(a, b);
  }
};
struct Min {
  template <Number T>
  T operator()(T a, T b) const {
    if constexpr (Floating<T>)
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    return std::min(a, b);
  }
};
struct Mean : Add {
  // Integer means truncate toward zero (ONNX defines Mean for floats only).
  template <Number T>
  static T finish(T sum, int64_t count) { return static_cast<T>(sum / static_cast<T>(count)); }
};

// ---------------------------------------------------------------------------
// Pow: base and exponent may have different dtypes; the result has the base's.

// Integer power, exact with wrapping. A negative exponent gives the real
// result truncated toward zero: 1 for base 1, +-1 for base -1, else 0 (base 0
// included, where the real result is infinite; ingot defines it as 0).
template <Integer B, Integer E>
B integerPow(B base, E exponent) {
  if constexpr (std::is_signed_v<E>) {
    if (exponent < 0) {
      if (base == 1) return 1;
      if constexpr (std::is_signed_v<B>)
        if (base == B(-1)) return (exponent % 2 == 0) ? B(1) : B(-1);
      return 0;
    }
  }
  auto remaining = static_cast<uint64_t>(exponent);
  B result = 1;
  while (remaining > 0) {  // square and multiply
    if (remaining & 1) result = wrapMul(result, base);
    base = wrapMul(base, base);
    remaining >>= 1;
  }
  return result;
}

Expected<std::vector<TensorType>> powTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kNumericTypes));
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 1, kNumericTypes));
  auto shape = broadcastShapes(ctx.operandType(0).shape, ctx.operandType(1).shape);
  if (!shape.ok()) return shape.status().withContext(ctx.label());
  return std::vector<TensorType>{{ctx.operandType(0).dtype, *shape}};
}

KernelResult powKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& base = *in[0];
  const Tensor& exponent = *in[1];
  Tensor out = emptyResult(rt[0]);
  const std::vector<int64_t> ib = broadcastSourceIndices(base.shape(), out.shape());
  const std::vector<int64_t> ie = broadcastSourceIndices(exponent.shape(), out.shape());
  Status inner;
  INGOT_RETURN_IF_ERROR(dispatchDType(ctx, base.dtype(), [&](auto baseTag) {
    inner = dispatchDType(ctx, exponent.dtype(), [&](auto expTag) {
      using B = decltype(baseTag);
      using E = decltype(expTag);
      if constexpr (Number<B> && Number<E>) {
        const B* pb = base.data<B>();
        const E* pe = exponent.data<E>();
        B* dst = out.data<B>();
        for (size_t i = 0; i < ib.size(); ++i) {
          if constexpr (Integer<B> && Integer<E>) {
            dst[i] = integerPow(pb[ib[i]], pe[ie[i]]);
          } else {
            const double r = std::pow(static_cast<double>(pb[ib[i]]), static_cast<double>(pe[ie[i]]));
            if constexpr (Integer<B>) dst[i] = floatToInt<B>(r);  // truncates toward zero
            else dst[i] = static_cast<B>(r);
          }
        }
      } else {
        inner = kernelDTypeBug(ctx, base.dtype());
      }
    });
  }));
  INGOT_RETURN_IF_ERROR(inner);
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// Where(condition, X, Y): X where condition else Y, broadcasting all three.

Expected<std::vector<TensorType>> whereTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kBoolType));
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 1, kComputableTypes));
  INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 1, 2));
  const Shape shapes[] = {ctx.operandType(0).shape, ctx.operandType(1).shape, ctx.operandType(2).shape};
  auto shape = broadcastShapes(shapes);
  if (!shape.ok()) return shape.status().withContext(ctx.label());
  return std::vector<TensorType>{{ctx.operandType(1).dtype, *shape}};
}

KernelResult whereKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  Tensor out = emptyResult(rt[0]);
  const auto ic = broadcastSourceIndices(in[0]->shape(), out.shape());
  const auto ix = broadcastSourceIndices(in[1]->shape(), out.shape());
  const auto iy = broadcastSourceIndices(in[2]->shape(), out.shape());
  INGOT_RETURN_IF_ERROR(dispatchDType(ctx, out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const bool* cond = in[0]->data<bool>();
    const T* x = in[1]->data<T>();
    const T* y = in[2]->data<T>();
    T* dst = out.data<T>();
    for (size_t i = 0; i < ic.size(); ++i) dst[i] = cond[ic[i]] ? x[ix[i]] : y[iy[i]];
  }));
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// Clip(input, min?, max?): min/max are optional one-element tensors of the
// input's dtype. min > max gives max everywhere (ONNX).

Expected<std::vector<TensorType>> clipTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kNumericTypes));
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.hasOperand(i)) continue;
    INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 0, i));
    const Shape& s = ctx.operandType(i).shape;
    if (s.size() > 1 || numElements(s) != 1)
      return ctx.error("{} must be a scalar, got shape {}", operandName(ctx, i), shapeToString(s));
  }
  return std::vector<TensorType>{ctx.operandType(0)};
}

KernelResult clipKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  Tensor out = emptyResult(rt[0]);
  Status inner;
  INGOT_RETURN_IF_ERROR(dispatchDType(ctx, out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (Number<T>) {
      const T lo = in.size() > 1 && in[1] ? in[1]->data<T>()[0] : std::numeric_limits<T>::lowest();
      const T hi = in.size() > 2 && in[2] ? in[2]->data<T>()[0] : std::numeric_limits<T>::max();
      const T* src = in[0]->data<T>();
      T* dst = out.data<T>();
      // std::max/min keep a NaN input as NaN (the comparisons are false).
      for (int64_t i = 0; i < out.numElements(); ++i) dst[i] = std::min(std::max(src[i], lo), hi);
    } else {
      inner = kernelDTypeBug(ctx, out.dtype());
    }
  }));
  INGOT_RETURN_IF_ERROR(inner);
  return single(std::move(out));
}

}  // namespace

void registerElementwiseOps(OpRegistry& r) {
  registerFunctorOps(r, {
      {"Neg", "-x", unaryOp<Neg>()},
      {"Abs", "|x|", unaryOp<Abs>()},
      {"Sign", "-1, 0 or 1 by the sign of x", unaryOp<Sign>()},
      {"Exp", "e^x", unaryOp<FloatFn<[](double x) { return std::exp(x); }>>()},
      {"Log", "natural logarithm", unaryOp<FloatFn<[](double x) { return std::log(x); }>>()},
      {"Sqrt", "square root", unaryOp<FloatFn<[](double x) { return std::sqrt(x); }>>()},
      {"Reciprocal", "1/x", unaryOp<FloatFn<[](double x) { return 1.0 / x; }>>()},
      {"Sin", "sine", unaryOp<FloatFn<[](double x) { return std::sin(x); }>>()},
      {"Cos", "cosine", unaryOp<FloatFn<[](double x) { return std::cos(x); }>>()},
      {"Tan", "tangent", unaryOp<FloatFn<[](double x) { return std::tan(x); }>>()},
      {"Asin", "arcsine", unaryOp<FloatFn<[](double x) { return std::asin(x); }>>()},
      {"Acos", "arccosine", unaryOp<FloatFn<[](double x) { return std::acos(x); }>>()},
      {"Atan", "arctangent", unaryOp<FloatFn<[](double x) { return std::atan(x); }>>()},
      {"Sinh", "hyperbolic sine", unaryOp<FloatFn<[](double x) { return std::sinh(x); }>>()},
      {"Cosh", "hyperbolic cosine", unaryOp<FloatFn<[](double x) { return std::cosh(x); }>>()},
      {"Asinh", "inverse hyperbolic sine", unaryOp<FloatFn<[](double x) { return std::asinh(x); }>>()},
      {"Acosh", "inverse hyperbolic cosine", unaryOp<FloatFn<[](double x) { return std::acosh(x); }>>()},
      {"Atanh", "inverse hyperbolic tangent", unaryOp<FloatFn<[](double x) { return std::atanh(x); }>>()},
      {"Floor", "round toward -inf", unaryOp<FloatFn<[](double x) { return std::floor(x); }>>()},
      {"Ceil", "round toward +inf", unaryOp<FloatFn<[](double x) { return std::ceil(x); }>>()},
      {"Round", "round half to even", unaryOp<FloatFn<roundHalfToEven>>()},
      {"Not", "logical not", unaryOp<Not>()},
      {"BitwiseNot", "~x", unaryOp<BitwiseNot>()},
      {"IsNaN", "x is NaN", unaryOp<IsNaN>()},
      {"IsInf", "x is +-inf (each sign selectable)", unaryOp<IsInf>(),
       {{"detect_negative", AttrKind::Int, Attribute(1)}, {"detect_positive", AttrKind::Int, Attribute(1)}}},
  }, {{"X"}}, FusionClass::Elementwise);

  registerFunctorOps(r, {
      {"Add", "a + b", binaryOp<Add>()},
      {"Sub", "a - b", binaryOp<Sub>()},
      {"Mul", "a * b", binaryOp<Mul>()},
      {"Div", "a / b (integers: truncated; x/0 = 0)", binaryOp<Div>()},
      {"Mod", "remainder (fmod=0: sign of divisor, fmod=1: sign of dividend)", binaryOp<Mod>(),
       {{"fmod", AttrKind::Int, Attribute(0)}}},
      {"And", "logical and", binaryOp<And>()},
      {"Or", "logical or", binaryOp<Or>()},
      {"Xor", "logical xor", binaryOp<Xor>()},
      {"BitwiseAnd", "a & b", binaryOp<BitwiseAnd>()},
      {"BitwiseOr", "a | b", binaryOp<BitwiseOr>()},
      {"BitwiseXor", "a ^ b", binaryOp<BitwiseXor>()},
      {"BitShift", "a << b or a >> b (unsigned)", binaryOp<BitShift>(),
       {{"direction", AttrKind::String, std::nullopt}}},
      {"Equal", "a == b", binaryOp<Equal>()},
      {"Less", "a < b", binaryOp<Less>()},
      {"LessOrEqual", "a <= b", binaryOp<LessOrEqual>()},
      {"Greater", "a > b", binaryOp<Greater>()},
      {"GreaterOrEqual", "a >= b", binaryOp<GreaterOrEqual>()},
  }, {{"A"}, {"B"}}, FusionClass::Broadcast);

  registerFunctorOps(r, {
      {"Max", "elementwise maximum of all operands (NaN propagates)", variadicFoldOp<Max>()},
      {"Min", "elementwise minimum of all operands (NaN propagates)", variadicFoldOp<Min>()},
      {"Sum", "elementwise sum of all operands", variadicFoldOp<Add>()},
      {"Mean", "elementwise mean of all operands", variadicFoldOp<Mean>()},
  }, {{"data_0", false, true}}, FusionClass::Broadcast);

  registerFunctorOps(r, {
      {"Pow", "base ^ exponent (result has the base's dtype)", {powTypes, powKernel}},
  }, {{"X"}, {"Y"}}, FusionClass::Broadcast);
  registerFunctorOps(r, {
      {"Where", "X where condition else Y", {whereTypes, whereKernel}},
  }, {{"condition"}, {"X"}, {"Y"}}, FusionClass::Broadcast);
  registerFunctorOps(r, {
      {"Clip", "clamp to [min, max]", {clipTypes, clipKernel}},
  }, {{"input"}, {"min", true}, {"max", true}}, FusionClass::Broadcast);
}

}  // namespace ingot::ir
