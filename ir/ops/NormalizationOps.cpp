// Normalizations: LayerNormalization, RMSNormalization, BatchNormalization,
// InstanceNormalization, GroupNormalization.
//
// Each normalizes groups of elements by their mean and (population)
// variance, computed in double, then scales and shifts. stash_type exists
// for ONNX compatibility; the oracle always computes in double.
#include <cmath>

#include "ir/ops/OpUtil.h"

namespace ingot::ir {
namespace {

using namespace ops;

struct Moments {
  double mean = 0, variance = 0;
};

// Mean and population variance of x[at(0)], ..., x[at(count - 1)].
template <class At>
Moments momentsOf(const Tensor& x, int64_t count, At at) {
  Moments m;
  if (count == 0) return m;
  for (int64_t j = 0; j < count; ++j) m.mean += x.elementAsDouble(at(j));
  m.mean /= static_cast<double>(count);
  for (int64_t j = 0; j < count; ++j) {
    const double d = x.elementAsDouble(at(j)) - m.mean;
    m.variance += d * d;
  }
  m.variance /= static_cast<double>(count);
  return m;
}

void setDouble(Tensor& t, int64_t i, double v) {
  if (t.dtype() == DType::F32) t.data<float>()[i] = static_cast<float>(v);
  else t.data<double>()[i] = v;
}

// A float operand `i` (when present) of the same dtype as X.
Status checkFloatLikeX(const OpContext& ctx, size_t i) {
  if (!ctx.hasOperand(i)) return Status::ok();
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, i, kFloatTypes));
  return checkSameDType(ctx, 0, i);
}

// A per-channel operand `i` of shape [channels].
Status checkChannelVector(const OpContext& ctx, size_t i, int64_t channels) {
  INGOT_RETURN_IF_ERROR(checkFloatLikeX(ctx, i));
  if (ctx.operandType(i).shape != Shape{channels})
    return ctx.error("{} must have shape [{}], got {}", operandName(ctx, i), channels,
                     shapeToString(ctx.operandType(i).shape));
  return Status::ok();
}

// ---------------------------------------------------------------------------
// LayerNormalization / RMSNormalization over the dims from `axis` on; Scale
// (and B) broadcast to X. LayerNormalization also yields Mean and
// InvStdDev, shaped like X with the normalized dims set to 1.

Expected<std::vector<TensorType>> axisNormTypes(const OpContext& ctx, bool layerNorm) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kFloatTypes));
  const TensorType& x = ctx.operandType(0);
  auto axis = normalizeAxis(ctx.getInt("axis"), static_cast<int64_t>(x.shape.size()));
  if (!axis.ok()) return attrError(ctx, "axis", axis.status());
  for (size_t i = 1; i < ctx.numOperands(); ++i) {
    INGOT_RETURN_IF_ERROR(checkFloatLikeX(ctx, i));
    if (ctx.hasOperand(i) && !broadcastsTo(ctx.operandType(i).shape, x.shape))
      return ctx.error("{} {} does not broadcast to X {}", operandName(ctx, i),
                       shapeToString(ctx.operandType(i).shape), shapeToString(x.shape));
  }
  std::vector<TensorType> out{x};
  if (layerNorm) {
    TensorType stat = x;
    for (size_t d = static_cast<size_t>(*axis); d < stat.shape.size(); ++d) stat.shape[d] = 1;
    out.push_back(stat);
    out.push_back(stat);
  }
  return out;
}

KernelResult axisNormKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt, bool layerNorm) {
  const Tensor& x = *in[0];
  const AxisSplit s = splitAtAxis(x.shape(), *normalizeAxis(ctx.getInt("axis"), x.rank()));
  const int64_t groups = s.outer, size = s.dim * s.inner;  // normalize each run of `size` elements
  const double epsilon = ctx.getFloat("epsilon");
  const std::vector<int64_t> scaleAt = broadcastSourceIndices(in[1]->shape(), x.shape());
  std::vector<int64_t> biasAt;
  if (in.size() > 2 && in[2]) biasAt = broadcastSourceIndices(in[2]->shape(), x.shape());
  std::vector<Tensor> out;
  for (const TensorType& t : rt) out.push_back(emptyResult(t));
  for (int64_t g = 0; g < groups; ++g) {
    const auto at = [&](int64_t j) { return g * size + j; };
    double mean = 0, variance = 0;
    if (layerNorm) {
      const Moments m = momentsOf(x, size, at);
      mean = m.mean;
      variance = m.variance;
    } else {
      for (int64_t j = 0; j < size; ++j) variance += x.elementAsDouble(at(j)) * x.elementAsDouble(at(j));
      if (size > 0) variance /= static_cast<double>(size);
    }
    const double inv = 1.0 / std::sqrt(variance + epsilon);
    for (int64_t j = 0; j < size; ++j) {
      const int64_t i = at(j);
      double y = (x.elementAsDouble(i) - mean) * inv * in[1]->elementAsDouble(scaleAt[i]);
      if (!biasAt.empty()) y += in[2]->elementAsDouble(biasAt[i]);
      setDouble(out[0], i, y);
    }
    if (layerNorm) {
      setDouble(out[1], g, mean);
      setDouble(out[2], g, inv);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// BatchNormalization on X [N, C, ...] with per-channel scale, B, mean, var.
// Inference (training_mode=0): normalizes with the given mean and var, and
// the running mean / var results are those operands. Training mode uses the
// batch's mean and population variance and yields the running statistics
// updated by momentum.

Expected<std::vector<TensorType>> batchNormTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kFloatTypes));
  const TensorType& x = ctx.operandType(0);
  if (x.shape.size() < 2) return ctx.error("X must have rank 2 or more ([N, C, ...]), got {}", x.toString());
  for (size_t i = 1; i < 5; ++i) INGOT_RETURN_IF_ERROR(checkChannelVector(ctx, i, x.shape[1]));
  const TensorType stat{x.dtype, {x.shape[1]}};
  return std::vector<TensorType>{x, stat, stat};
}

KernelResult batchNormKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  const AxisSplit s = splitAtAxis(x.shape(), 1);  // (N, C, spatial)
  const double epsilon = ctx.getFloat("epsilon"), momentum = ctx.getFloat("momentum");
  const bool training = ctx.getInt("training_mode") != 0;
  std::vector<Tensor> out;
  for (const TensorType& t : rt) out.push_back(emptyResult(t));
  for (int64_t c = 0; c < s.dim; ++c) {
    const auto at = [&](int64_t j) { return ((j / s.inner) * s.dim + c) * s.inner + j % s.inner; };
    double mean = in[3]->elementAsDouble(c), variance = in[4]->elementAsDouble(c);
    double runningMean = mean, runningVar = variance;
    if (training) {
      const Moments m = momentsOf(x, s.outer * s.inner, at);
      runningMean = mean * momentum + m.mean * (1 - momentum);
      runningVar = variance * momentum + m.variance * (1 - momentum);
      mean = m.mean;
      variance = m.variance;
    }
    const double inv = 1.0 / std::sqrt(variance + epsilon);
    const double scale = in[1]->elementAsDouble(c), bias = in[2]->elementAsDouble(c);
    for (int64_t j = 0; j < s.outer * s.inner; ++j)
      setDouble(out[0], at(j), (x.elementAsDouble(at(j)) - mean) * inv * scale + bias);
    setDouble(out[1], c, runningMean);
    setDouble(out[2], c, runningVar);
  }
  return out;
}

// ---------------------------------------------------------------------------
// GroupNormalization on X [N, C, ...]: channels form num_groups groups of
// C / num_groups; each (n, group) is normalized over its channels and the
// spatial dims, then scaled and shifted per channel (scale and bias [C],
// opset 21) or per group ([num_groups], opset 18). InstanceNormalization
// is the case of one channel per group.

Expected<std::vector<TensorType>> groupNormTypes(const OpContext& ctx, bool instance) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kFloatTypes));
  const TensorType& x = ctx.operandType(0);
  if (x.shape.size() < 2) return ctx.error("X must have rank 2 or more ([N, C, ...]), got {}", x.toString());
  const int64_t channels = x.shape[1];
  const int64_t groups = instance ? channels : ctx.getInt("num_groups");
  if (groups < 1 || channels % groups != 0)
    return ctx.error("attribute 'num_groups' ({}) must be positive and divide the {} channels", groups, channels);
  for (size_t i = 1; i < 3; ++i) {
    const int64_t n = ctx.operandType(i).shape.size() == 1 ? ctx.operandType(i).shape[0] : -1;
    INGOT_RETURN_IF_ERROR(checkChannelVector(ctx, i, n == groups ? groups : channels));
  }
  return std::vector<TensorType>{x};
}

KernelResult groupNormKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt, bool instance) {
  const Tensor& x = *in[0];
  const AxisSplit s = splitAtAxis(x.shape(), 1);  // (N, C, spatial)
  const int64_t groups = instance ? s.dim : ctx.getInt("num_groups");
  const int64_t perGroup = s.dim / groups;
  const double epsilon = ctx.getFloat("epsilon");
  Tensor out = emptyResult(rt[0]);
  for (int64_t n = 0; n < s.outer; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      // The group's elements are contiguous: channels g * perGroup, ... .
      const int64_t base = (n * s.dim + g * perGroup) * s.inner;
      const auto at = [&](int64_t j) { return base + j; };
      const Moments m = momentsOf(x, perGroup * s.inner, at);
      const double inv = 1.0 / std::sqrt(m.variance + epsilon);
      for (int64_t j = 0; j < perGroup * s.inner; ++j) {
        const int64_t c = g * perGroup + j / s.inner;
        const int64_t param = in[1]->numElements() == s.dim ? c : g;
        const double y = (x.elementAsDouble(at(j)) - m.mean) * inv * in[1]->elementAsDouble(param) +
                         in[2]->elementAsDouble(param);
        setDouble(out, at(j), y);
      }
    }
  return single(std::move(out));
}

// Normalizations are not fused (yet): every one is Opaque.
OpDef normOp(std::string name, std::string summary, std::vector<OperandSpec> operands, std::vector<AttrSpec> attrs,
             TypeRule rule, ReferenceKernel kernel, int numResults = 1) {
  return makeOp(std::move(name), std::move(summary), std::move(operands), std::move(attrs), FusionClass::Opaque,
                std::move(rule), std::move(kernel), numResults);
}

}  // namespace

void registerNormalizationOps(OpRegistry& r) {
  const AttrSpec epsilon{"epsilon", AttrKind::Float, Attribute(1e-5f)};
  const AttrSpec stashType{"stash_type", AttrKind::Int, Attribute(int64_t{1})};
  const AttrSpec lastAxis{"axis", AttrKind::Int, Attribute(int64_t{-1})};
  for (OpDef& def : std::vector<OpDef>{
           normOp("LayerNormalization", "normalizes over the dims from axis; results Y, Mean, InvStdDev",
                  {{"X"}, {"Scale"}, {"B", true}}, {lastAxis, epsilon, stashType},
                  [](const OpContext& c) { return axisNormTypes(c, true); },
                  [](const OpContext& c, KernelInputs in, ResultTypes rt) { return axisNormKernel(c, in, rt, true); },
                  3),
           normOp("RMSNormalization", "x / sqrt(mean(x^2) + epsilon) * scale over the dims from axis",
                  {{"X"}, {"scale"}}, {lastAxis, epsilon, stashType},
                  [](const OpContext& c) { return axisNormTypes(c, false); },
                  [](const OpContext& c, KernelInputs in, ResultTypes rt) { return axisNormKernel(c, in, rt, false); }),
           normOp("BatchNormalization", "per-channel normalization; results Y, running_mean, running_var",
                  {{"X"}, {"scale"}, {"B"}, {"input_mean"}, {"input_var"}},
                  {epsilon, {"momentum", AttrKind::Float, Attribute(0.9f)},
                   {"training_mode", AttrKind::Int, Attribute(int64_t{0})}},
                  batchNormTypes, batchNormKernel, 3),
           normOp("InstanceNormalization", "normalizes each (n, c) over the spatial dims", {{"input"}, {"scale"}, {"B"}},
                  {epsilon}, [](const OpContext& c) { return groupNormTypes(c, true); },
                  [](const OpContext& c, KernelInputs in, ResultTypes rt) { return groupNormKernel(c, in, rt, true); }),
           normOp("GroupNormalization", "normalizes each (n, channel group) over its channels and spatial dims",
                  {{"X"}, {"scale"}, {"bias"}},
                  {epsilon, {"num_groups", AttrKind::Int, std::nullopt}, stashType},
                  [](const OpContext& c) { return groupNormTypes(c, false); },
                  [](const OpContext& c, KernelInputs in, ResultTypes rt) { return groupNormKernel(c, in, rt, false); }),
       })
    registerOp(r, std::move(def));
}

}  // namespace ingot::ir
