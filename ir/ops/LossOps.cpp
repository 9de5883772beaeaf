// Losses: NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss (ONNX opset 13+).
//
// input is [N, C] or [N, C, d1, ..., dk] (log-probabilities for NLL, scores
// for SCE), target is [N] or [N, d1, ..., dk] of class indices (i32/i64),
// and the optional weight is [C]. Each target position contributes
//   loss = -weight[t] * logp[n, t, d]   (weight 1 without the operand),
// and 0 where t == ignore_index. reduction "none" keeps the target's shape,
// "sum" adds everything, "mean" divides the sum by the sum of the weights of
// the non-ignored targets (their count without weight; 0/0 gives NaN, as in
// the ONNX reference). A target outside [0, C) that is not ignore_index is
// an InvalidInput error from the kernel.
//
// ignore_index: ONNX makes it optional without a default. The IR attribute
// defaults to the sentinel INT64_MIN (kNoIgnoreIndex) and the kernels always
// compare against the default-applied value, so any int (negative ones
// included) can be given, and an absent attribute and its default mean the
// same thing (passes such as CSE compare attributes with defaults applied).
// The one consequence: without ignore_index, a target equal to INT64_MIN is
// ignored instead of being reported as out of range.
//
// SoftmaxCrossEntropyLoss always has two results, loss and log_prob
// (log-softmax of input over axis 1, computed stably in double); an ONNX
// node that declares only the loss gets a fresh name for log_prob.
#include <cmath>
#include <limits>

#include "ir/ops/OpUtil.h"

namespace ingot::ir {
namespace {

using namespace ops;

constexpr int64_t kNoIgnoreIndex = std::numeric_limits<int64_t>::min();
constexpr DTypeSet kTargetTypes{DType::I32, DType::I64};

void setDouble(Tensor& t, int64_t i, double v) {
  if (t.dtype() == DType::F32) t.data<float>()[i] = static_cast<float>(v);
  else t.data<double>()[i] = v;
}

int64_t targetAt(const Tensor& t, int64_t i) {
  return t.dtype() == DType::I32 ? static_cast<int64_t>(t.data<int32_t>()[i]) : t.data<int64_t>()[i];
}

// Result types: loss (target's shape for "none", else a scalar), and for
// SCE also log_prob shaped like input.
Expected<std::vector<TensorType>> lossTypes(const OpContext& ctx, bool softmax) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kFloatTypes));
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 1, kTargetTypes));
  const TensorType& x = ctx.operandType(0);
  const TensorType& target = ctx.operandType(1);
  if (x.shape.size() < 2)
    return ctx.error("input must have rank 2 or more ([N, C, d1, ..., dk]), got {}", x.toString());
  Shape expected = x.shape;
  expected.erase(expected.begin() + 1);
  if (target.shape != expected)
    return ctx.error("target must have shape {} (input's shape without the class dim), got {}",
                     shapeToString(expected), shapeToString(target.shape));
  if (ctx.hasOperand(2)) {
    INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 2, kFloatTypes));
    INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 0, 2));
    if (ctx.operandType(2).shape != Shape{x.shape[1]})
      return ctx.error("{} must have shape [{}], got {}", operandName(ctx, 2), x.shape[1],
                       shapeToString(ctx.operandType(2).shape));
  }
  const std::string reduction = ctx.getString("reduction");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return ctx.error("attribute 'reduction' must be \"none\", \"sum\" or \"mean\", got \"{}\"", reduction);
  std::vector<TensorType> out{TensorType{x.dtype, reduction == "none" ? target.shape : Shape{}}};
  if (softmax) out.push_back(x);
  return out;
}

// The loss from log-probabilities `logp` laid out like input [N, C, D].
Expected<Tensor> nllLoss(const OpContext& ctx, const std::vector<double>& logp, const Shape& inputShape,
                         const Tensor& target, const Tensor* weight, const TensorType& lossType) {
  const AxisSplit s = splitAtAxis(inputShape, 1);  // (N, C, D)
  const int64_t ignoreIndex = ctx.getInt("ignore_index");
  const std::string reduction = ctx.getString("reduction");
  Tensor loss = emptyResult(lossType);
  double sum = 0, weightSum = 0;
  for (int64_t n = 0; n < s.outer; ++n)
    for (int64_t d = 0; d < s.inner; ++d) {
      const int64_t at = n * s.inner + d;
      const int64_t t = targetAt(target, at);
      double value = 0;
      if (t != ignoreIndex) {
        if (t < 0 || t >= s.dim)
          return ctx.error("target[{}] = {} is out of range [0, {}) and not ignore_index", at, t, s.dim);
        const double w = weight ? weight->elementAsDouble(t) : 1.0;
        value = -w * logp[static_cast<size_t>((n * s.dim + t) * s.inner + d)];
        weightSum += w;
      }
      sum += value;
      if (reduction == "none") setDouble(loss, at, value);
    }
  if (reduction == "sum") setDouble(loss, 0, sum);
  else if (reduction == "mean") setDouble(loss, 0, sum / weightSum);
  return loss;
}

KernelResult nllKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  std::vector<double> logp(static_cast<size_t>(x.numElements()));
  for (int64_t i = 0; i < x.numElements(); ++i) logp[static_cast<size_t>(i)] = x.elementAsDouble(i);
  const Tensor* weight = in.size() > 2 ? in[2] : nullptr;
  INGOT_ASSIGN_OR_RETURN(Tensor loss, nllLoss(ctx, logp, x.shape(), *in[1], weight, rt[0]));
  return single(std::move(loss));
}

KernelResult sceKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  const AxisSplit s = splitAtAxis(x.shape(), 1);  // (N, C, D)
  std::vector<double> logp(static_cast<size_t>(x.numElements()));
  for (int64_t n = 0; n < s.outer; ++n)
    for (int64_t d = 0; d < s.inner; ++d) {
      const auto at = [&](int64_t c) { return (n * s.dim + c) * s.inner + d; };
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < s.dim; ++c) mx = std::fmax(mx, x.elementAsDouble(at(c)));
      double sumExp = 0;
      for (int64_t c = 0; c < s.dim; ++c) sumExp += std::exp(x.elementAsDouble(at(c)) - mx);
      const double logSum = mx + std::log(sumExp);
      for (int64_t c = 0; c < s.dim; ++c)
        logp[static_cast<size_t>(at(c))] = x.elementAsDouble(at(c)) - logSum;
    }
  const Tensor* weight = in.size() > 2 ? in[2] : nullptr;
  INGOT_ASSIGN_OR_RETURN(Tensor loss, nllLoss(ctx, logp, x.shape(), *in[1], weight, rt[0]));
  Tensor logProb = emptyResult(rt[1]);
  for (int64_t i = 0; i < logProb.numElements(); ++i) setDouble(logProb, i, logp[static_cast<size_t>(i)]);
  std::vector<Tensor> out;
  out.push_back(std::move(loss));
  out.push_back(std::move(logProb));
  return out;
}

}  // namespace

void registerLossOps(OpRegistry& r) {
  const std::vector<AttrSpec> attrs{{"reduction", AttrKind::String, Attribute("mean")},
                                    {"ignore_index", AttrKind::Int, Attribute(kNoIgnoreIndex)}};
  registerOp(r, makeOp("NegativeLogLikelihoodLoss",
                       "-weight[t] * input[n, t, d] per target t, reduced by none/sum/weighted mean",
                       {{"input"}, {"target"}, {"weight", true}}, attrs, FusionClass::Reduction,
                       [](const OpContext& c) { return lossTypes(c, false); }, nllKernel));
  registerOp(r, makeOp("SoftmaxCrossEntropyLoss",
                       "NegativeLogLikelihoodLoss of log-softmax over axis 1; results loss, log_prob",
                       {{"scores"}, {"labels"}, {"weights", true}}, attrs, FusionClass::Opaque,
                       [](const OpContext& c) { return lossTypes(c, true); }, sceKernel, 2));
}

}  // namespace ingot::ir
