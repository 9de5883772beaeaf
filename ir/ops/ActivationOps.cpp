// Activation functions: the pointwise ones (Relu, Sigmoid, Gelu, ...) as one
// table of scalar functors, plus Softmax / LogSoftmax along one axis.
//
// Float activations compute in double and round once (see FloatFn): the
// oracle's f32 results are as close to the exact function as libm allows.
#include <cmath>
#include <numbers>

#include "ir/ops/ElementwiseKernels.h"

namespace ingot::ir {
namespace {

using namespace ops;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
// log(1 + e^x) without overflow for large x.
double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
double hardSigmoid(double x, double alpha, double beta) { return std::max(0.0, std::min(1.0, alpha * x + beta)); }

struct Relu {
  template <SignedNumber T>
  T operator()(T x) const { return x < T{0} ? T{0} : x; }  // NaN stays NaN
};
struct LeakyRelu {
  double alpha;
  explicit LeakyRelu(const OpContext& c) : alpha(c.getFloat("alpha")) {}
  template <Floating T>
  T operator()(T x) const { return x < 0 ? static_cast<T>(alpha * x) : x; }
};
struct ThresholdedRelu {
  double alpha;
  explicit ThresholdedRelu(const OpContext& c) : alpha(c.getFloat("alpha")) {}
  template <Floating T>
  T operator()(T x) const { return x > alpha ? x : T{0}; }
};
struct Elu {
  double alpha;
  explicit Elu(const OpContext& c) : alpha(c.getFloat("alpha")) {}
  template <Floating T>
  T operator()(T x) const { return x < 0 ? static_cast<T>(alpha * std::expm1(static_cast<double>(x))) : x; }
};
struct Celu {
  double alpha;
  explicit Celu(const OpContext& c) : alpha(c.getFloat("alpha")) {}
  static Status validate(const OpContext& c) {
    if (c.getFloat("alpha") == 0.f) return c.error("attribute 'alpha' must not be 0 (it divides x)");
    return Status::ok();
  }
  template <Floating T>
  T operator()(T x) const {
    const double v = static_cast<double>(x);
    return static_cast<T>(std::max(0.0, v) + std::min(0.0, alpha * std::expm1(v / alpha)));
  }
};
struct Selu {
  double alpha, gamma;
  explicit Selu(const OpContext& c) : alpha(c.getFloat("alpha")), gamma(c.getFloat("gamma")) {}
  template <Floating T>
  T operator()(T x) const {
    const double v = static_cast<double>(x);
    return static_cast<T>(v > 0 ? gamma * v : gamma * alpha * std::expm1(v));
  }
};
struct HardSigmoid {
  double alpha, beta;
  explicit HardSigmoid(const OpContext& c) : alpha(c.getFloat("alpha")), beta(c.getFloat("beta")) {}
  template <Floating T>
  T operator()(T x) const { return static_cast<T>(hardSigmoid(static_cast<double>(x), alpha, beta)); }
};
struct Gelu {
  bool tanhApproximation;
  explicit Gelu(const OpContext& c) : tanhApproximation(c.getString("approximate") == "tanh") {}
  static Status validate(const OpContext& c) {
    const std::string a = c.getString("approximate");
    if (a != "none" && a != "tanh")
      return c.error("attribute 'approximate' must be \"none\" or \"tanh\", got \"{}\"", a);
    return Status::ok();
  }
  template <Floating T>
  T operator()(T x) const {
    const double v = static_cast<double>(x);
    if (tanhApproximation) {
      const double k = std::sqrt(2.0 / std::numbers::pi);
      return static_cast<T>(0.5 * v * (1.0 + std::tanh(k * (v + 0.044715 * v * v * v))));
    }
    return static_cast<T>(0.5 * v * (1.0 + std::erf(v / std::numbers::sqrt2)));
  }
};

// PRelu(X, slope): x < 0 ? slope * x : x, the slope broadcasting to X's
// shape (one direction only: the result has X's shape).
struct PRelu {
  static Status validate(const OpContext& c) {
    if (!broadcastsTo(c.operandType(1).shape, c.operandType(0).shape))
      return c.error("slope {} does not broadcast to X {}", shapeToString(c.operandType(1).shape),
                     shapeToString(c.operandType(0).shape));
    return Status::ok();
  }
  template <SignedNumber T>
  T operator()(T x, T slope) const { return x < T{0} ? wrapMul(slope, x) : x; }
};

// ---------------------------------------------------------------------------
// Softmax / LogSoftmax along `axis` (opset 13): each 1-D slice along the
// axis is normalized on its own. The slice maximum is subtracted before exp
// so large inputs do not overflow.

Expected<std::vector<TensorType>> softmaxTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kFloatTypes));
  const TensorType& x = ctx.operandType(0);
  auto axis = normalizeAxis(ctx.getInt("axis"), static_cast<int64_t>(x.shape.size()));
  if (!axis.ok()) return attrError(ctx, "axis", axis.status());
  return std::vector<TensorType>{x};
}

template <bool Log>
KernelResult softmaxKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  Tensor out = emptyResult(rt[0]);
  const int64_t axis = *normalizeAxis(ctx.getInt("axis"), x.rank());  // checked by the type rule
  const AxisSplit split = splitAtAxis(x.shape(), axis);
  Status inner;
  INGOT_RETURN_IF_ERROR(dispatchDType(ctx, x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (Floating<T>) {
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      for (int64_t o = 0; o < split.outer; ++o)
        for (int64_t i = 0; i < split.inner; ++i) {
          auto at = [&](int64_t a) { return (o * split.dim + a) * split.inner + i; };
          double maxValue = -std::numeric_limits<double>::infinity();
          for (int64_t a = 0; a < split.dim; ++a) maxValue = std::max(maxValue, static_cast<double>(src[at(a)]));
          double sum = 0;
          for (int64_t a = 0; a < split.dim; ++a) sum += std::exp(static_cast<double>(src[at(a)]) - maxValue);
          for (int64_t a = 0; a < split.dim; ++a) {
            const double shifted = static_cast<double>(src[at(a)]) - maxValue;
            dst[at(a)] = static_cast<T>(Log ? shifted - std::log(sum) : std::exp(shifted) / sum);
          }
        }
    } else {
      inner = kernelDTypeBug(ctx, x.dtype());
    }
  }));
  INGOT_RETURN_IF_ERROR(inner);
  return single(std::move(out));
}

}  // namespace

void registerActivationOps(OpRegistry& r) {
  const AttrSpec alphaOne{"alpha", AttrKind::Float, Attribute(1.0f)};
  registerFunctorOps(r, {
      {"Relu", "max(x, 0)", unaryOp<Relu>()},
      {"LeakyRelu", "x < 0 ? alpha * x : x", unaryOp<LeakyRelu>(),
       {{"alpha", AttrKind::Float, Attribute(0.01f)}}},
      {"ThresholdedRelu", "x > alpha ? x : 0", unaryOp<ThresholdedRelu>(), {alphaOne}},
      {"Elu", "x < 0 ? alpha * (e^x - 1) : x", unaryOp<Elu>(), {alphaOne}},
      {"Celu", "max(0, x) + min(0, alpha * (e^(x/alpha) - 1))", unaryOp<Celu>(), {alphaOne}},
      {"Selu", "gamma * (x > 0 ? x : alpha * (e^x - 1))", unaryOp<Selu>(),
       {{"alpha", AttrKind::Float, Attribute(1.67326319217681884765625f)},
        {"gamma", AttrKind::Float, Attribute(1.05070102214050292968750f)}}},
      {"Sigmoid", "1 / (1 + e^-x)", unaryOp<FloatFn<sigmoid>>()},
      {"HardSigmoid", "max(0, min(1, alpha * x + beta))", unaryOp<HardSigmoid>(),
       {{"alpha", AttrKind::Float, Attribute(0.2f)}, {"beta", AttrKind::Float, Attribute(0.5f)}}},
      {"HardSwish", "x * max(0, min(1, x / 6 + 1/2))",
       unaryOp<FloatFn<[](double x) { return x * hardSigmoid(x, 1.0 / 6.0, 0.5); }>>()},
      {"Tanh", "hyperbolic tangent", unaryOp<FloatFn<[](double x) { return std::tanh(x); }>>()},
      {"Erf", "error function", unaryOp<FloatFn<[](double x) { return std::erf(x); }>>()},
      {"Gelu", "x * Phi(x) (approximate=\"tanh\": the tanh formula)", unaryOp<Gelu>(),
       {{"approximate", AttrKind::String, Attribute("none")}}},
      {"Softplus", "log(1 + e^x)", unaryOp<FloatFn<softplus>>()},
      {"Softsign", "x / (1 + |x|)", unaryOp<FloatFn<[](double x) { return x / (1.0 + std::fabs(x)); }>>()},
      {"Mish", "x * tanh(softplus(x))", unaryOp<FloatFn<[](double x) { return x * std::tanh(softplus(x)); }>>()},
  }, {{"X"}}, FusionClass::Elementwise);

  registerFunctorOps(r, {{"PRelu", "x < 0 ? slope * x : x", binaryOp<PRelu>()}}, {{"X"}, {"slope"}},
                     FusionClass::Broadcast);

  const std::vector<AttrSpec> axisAttr = {{"axis", AttrKind::Int, Attribute(int64_t{-1})}};
  registerFunctorOps(r, {
      {"Softmax", "e^x / sum(e^x) along axis", {softmaxTypes, softmaxKernel<false>}, axisAttr},
      {"LogSoftmax", "x - log(sum(e^x)) along axis", {softmaxTypes, softmaxKernel<true>}, axisAttr},
  }, {{"input"}}, FusionClass::Reduction);
}

}  // namespace ingot::ir
