// Ops that are neither math nor data movement: Constant, Identity,
// Dropout (inference), Cast / CastLike, Shape, Size, ConstantOfShape, Range.
#include <cmath>
#include <cstring>
#include <optional>
#include <limits>

#include "ir/ops/OpUtil.h"

namespace ingot::ir {
namespace {

using namespace ops;

// Tensor attributes of ops that create data (Constant's value, ...).
Status checkTensorAttr(const OpContext& ctx, std::string_view name, const Tensor* t) {
  if (!t) return ctx.error("attribute '{}' (a tensor) is required", name);
  return checkDType(ctx, fmt::format("attribute '{}'", name), t->dtype(), kComputableTypes);
}

// ---------------------------------------------------------------------------
// Constant: the `value` attribute.

Expected<std::vector<TensorType>> constantTypes(const OpContext& ctx) {
  const Tensor* value = ctx.getTensor("value");
  INGOT_RETURN_IF_ERROR(checkTensorAttr(ctx, "value", value));
  return std::vector<TensorType>{{value->dtype(), value->shape()}};
}

KernelResult constantKernel(const OpContext& ctx, KernelInputs, ResultTypes) {
  return single(*ctx.getTensor("value"));  // present: checked by the type rule
}

// ---------------------------------------------------------------------------
// Identity, and Dropout, which at inference is the identity.

Expected<std::vector<TensorType>> identityTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kComputableTypes));
  return std::vector<TensorType>{ctx.operandType(0)};
}

KernelResult identityKernel(const OpContext&, KernelInputs in, ResultTypes) { return single(*in[0]); }

Expected<std::vector<TensorType>> dropoutTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kFloatTypes));
  const std::pair<size_t, DTypeSet> scalars[] = {{1, kFloatTypes}, {2, kBoolType}};
  for (const auto& [i, dtypes] : scalars) {
    if (!ctx.hasOperand(i)) continue;
    INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, i, dtypes));
    if (!ctx.operandType(i).shape.empty())
      return ctx.error("{} must be a scalar, got shape {}", operandName(ctx, i),
                       shapeToString(ctx.operandType(i).shape));
  }
  return std::vector<TensorType>{ctx.operandType(0)};
}

KernelResult dropoutKernel(const OpContext& ctx, KernelInputs in, ResultTypes) {
  // Training-mode dropout draws a random mask: no single right answer for
  // an oracle to give. (Training graphs get dropout from autodiff's own ops.)
  const bool training = in.size() > 2 && in[2] && in[2]->data<bool>()[0];
  const double ratio = in.size() > 1 && in[1] ? in[1]->elementAsDouble(0) : 0.5;
  if (training && ratio != 0)
    return ctx.unsupportedError("Dropout with training_mode=true is not computed by the reference interpreter");
  return single(*in[0]);
}

// ---------------------------------------------------------------------------
// Cast to the dtype named by `to` ("f32", "i64", "bool", ... as in
// support/DType.h). Float -> integer truncates toward zero (NaN -> 0, out of
// range saturates); integer -> narrower integer wraps; x -> bool is x != 0
// (NaN -> true). `saturate` exists for ONNX compatibility and is ignored: it
// concerns float8 types only.

Expected<DType> castTarget(const OpContext& ctx) {
  const std::string to = ctx.getString("to");
  std::optional<DType> target = parseDType(to);
  if (!target) return ctx.error("attribute 'to' is \"{}\", which is not a dtype name (f32, i64, bool, ...)", to);
  return *target;
}

template <class From, class To>
To convertElement(From x) {
  if constexpr (std::same_as<To, bool>) return x != From{0};
  else if constexpr (Integer<To> && Floating<From>) return floatToInt<To>(static_cast<double>(x));
  else return static_cast<To>(x);
}

Tensor castTensor(const Tensor& x, DType target) {
  Tensor out(target, x.shape());
  visitDType(x.dtype(), [&](auto fromTag) {
    visitDType(target, [&](auto toTag) {
      using From = decltype(fromTag);
      using To = decltype(toTag);
      const From* src = x.data<From>();
      To* dst = out.data<To>();
      for (int64_t i = 0; i < x.numElements(); ++i) dst[i] = convertElement<From, To>(src[i]);
    });
  });
  return out;
}

Expected<std::vector<TensorType>> castTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kComputableTypes));
  INGOT_ASSIGN_OR_RETURN(DType target, castTarget(ctx));
  INGOT_RETURN_IF_ERROR(checkDType(ctx, "attribute 'to'", target, kComputableTypes));
  return std::vector<TensorType>{{target, ctx.operandType(0).shape}};
}

KernelResult castKernel(const OpContext&, KernelInputs in, ResultTypes rt) {
  return single(castTensor(*in[0], rt[0].dtype));
}

// CastLike(input, target_type): Cast to target_type's dtype.
Expected<std::vector<TensorType>> castLikeTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kComputableTypes));
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 1, kComputableTypes));
  return std::vector<TensorType>{{ctx.operandType(1).dtype, ctx.operandType(0).shape}};
}

// ---------------------------------------------------------------------------
// Shape and Size read only the operand's type, never its elements, so they
// accept every dtype, f16 included.

// Dims [start, end) of the shape; negative values count from the end and
// both clamp to [0, rank] (ONNX). `end` defaults to INT64_MAX: "to the end".
std::pair<int64_t, int64_t> shapeRange(const OpContext& ctx, int64_t rank) {
  auto clampDim = [rank](int64_t v) {
    if (v < 0) v += rank;
    return std::min(std::max(v, int64_t{0}), rank);
  };
  const int64_t start = clampDim(ctx.getInt("start"));
  const int64_t end = clampDim(ctx.getInt("end"));
  return {start, std::max(start, end)};
}

Expected<std::vector<TensorType>> shapeTypes(const OpContext& ctx) {
  auto [start, end] = shapeRange(ctx, static_cast<int64_t>(ctx.operandType(0).shape.size()));
  return std::vector<TensorType>{{DType::I64, {end - start}}};
}

KernelResult shapeKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  auto [start, end] = shapeRange(ctx, in[0]->rank());
  Tensor out = emptyResult(rt[0]);
  for (int64_t d = start; d < end; ++d) out.data<int64_t>()[d - start] = in[0]->shape()[d];
  return single(std::move(out));
}

Expected<std::vector<TensorType>> sizeTypes(const OpContext&) {
  return std::vector<TensorType>{{DType::I64, {}}};
}

KernelResult sizeKernel(const OpContext&, KernelInputs in, ResultTypes) {
  return single(Tensor::scalar<int64_t>(in[0]->numElements()));
}

// ---------------------------------------------------------------------------
// ConstantOfShape: attribute `shape` filled with the one element of `value`
// (default: f32 zero).

Expected<std::vector<TensorType>> constantOfShapeTypes(const OpContext& ctx) {
  const Shape shape = ctx.getInts("shape");
  INGOT_RETURN_IF_ERROR(checkAttrShape(ctx, "shape", shape));
  DType dtype = DType::F32;
  if (const Tensor* value = ctx.getTensor("value")) {
    INGOT_RETURN_IF_ERROR(checkTensorAttr(ctx, "value", value));
    if (value->numElements() != 1)
      return ctx.error("attribute 'value' must hold one element, got shape {}", shapeToString(value->shape()));
    dtype = value->dtype();
  }
  return std::vector<TensorType>{{dtype, shape}};
}

KernelResult constantOfShapeKernel(const OpContext& ctx, KernelInputs, ResultTypes rt) {
  Tensor out = emptyResult(rt[0]);  // zero-filled: the default value
  if (const Tensor* value = ctx.getTensor("value")) {
    const size_t size = dtypeSize(out.dtype());
    for (int64_t i = 0; i < out.numElements(); ++i) std::memcpy(out.rawData() + i * size, value->rawData(), size);
  }
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// Range: start, start + delta, ... while before limit. ONNX's scalar inputs
// are rank-0 tensor attributes here (they keep their dtype).

Expected<int64_t> rangeCount(const OpContext& ctx) {
  const Tensor* parts[] = {ctx.getTensor("start"), ctx.getTensor("limit"), ctx.getTensor("delta")};
  const char* names[] = {"start", "limit", "delta"};
  for (int i = 0; i < 3; ++i) {
    INGOT_RETURN_IF_ERROR(checkTensorAttr(ctx, names[i], parts[i]));
    INGOT_RETURN_IF_ERROR(checkDType(ctx, fmt::format("attribute '{}'", names[i]), parts[i]->dtype(), kNumericTypes));
    if (parts[i]->numElements() != 1 || parts[i]->rank() > 1)
      return ctx.error("attribute '{}' must be a scalar, got shape {}", names[i], shapeToString(parts[i]->shape()));
    if (parts[i]->dtype() != parts[0]->dtype())
      return ctx.error("attribute '{}' has dtype {} but 'start' has {}; they must match", names[i],
                       dtypeName(parts[i]->dtype()), dtypeName(parts[0]->dtype()));
  }
  const double start = parts[0]->elementAsDouble(0), limit = parts[1]->elementAsDouble(0),
               delta = parts[2]->elementAsDouble(0);
  if (delta == 0 || std::isnan(delta)) return ctx.error("attribute 'delta' must be nonzero, got {}", delta);
  const double count = std::ceil((limit - start) / delta);
  if (!(count < 1e15)) {
    if (std::isnan(count)) return ctx.error("start {}, limit {}, delta {} give no count", start, limit, delta);
    if (count > 0) return ctx.error("start {}, limit {}, delta {} give too many elements", start, limit, delta);
  }
  return count > 0 ? static_cast<int64_t>(count) : int64_t{0};
}

Expected<std::vector<TensorType>> rangeTypes(const OpContext& ctx) {
  INGOT_ASSIGN_OR_RETURN(int64_t count, rangeCount(ctx));
  return std::vector<TensorType>{{ctx.getTensor("start")->dtype(), {count}}};
}

KernelResult rangeKernel(const OpContext& ctx, KernelInputs, ResultTypes rt) {
  Tensor out = emptyResult(rt[0]);
  const Tensor& start = *ctx.getTensor("start");
  const Tensor& delta = *ctx.getTensor("delta");
  Status inner;
  INGOT_RETURN_IF_ERROR(dispatchDType(ctx, out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (Number<T>) {
      // Element i is start + i * delta (numpy.arange), not a running sum.
      for (int64_t i = 0; i < out.numElements(); ++i) {
        if constexpr (Floating<T>)
          out.data<T>()[i] = static_cast<T>(static_cast<double>(start.data<T>()[0]) +
                                            static_cast<double>(i) * static_cast<double>(delta.data<T>()[0]));
        else
          out.data<T>()[i] = wrapAdd(start.data<T>()[0], wrapMul(static_cast<T>(i), delta.data<T>()[0]));
      }
    } else {
      inner = kernelDTypeBug(ctx, out.dtype());
    }
  }));
  INGOT_RETURN_IF_ERROR(inner);
  return single(std::move(out));
}

}  // namespace

void registerMiscOps(OpRegistry& r) {
  using F = FusionClass;
  const auto required = [](std::string name, AttrKind kind) { return AttrSpec{std::move(name), kind, std::nullopt}; };
  for (OpDef& def : std::vector<OpDef>{
           makeOp("Constant", "the tensor in attribute value", {}, {required("value", AttrKind::Tensor)}, F::Opaque,
                  constantTypes, constantKernel),
           makeOp("Identity", "the operand unchanged", {{"input"}}, {}, F::Elementwise, identityTypes, identityKernel),
           makeOp("Dropout", "inference: the operand unchanged", {{"data"}, {"ratio", true}, {"training_mode", true}},
                  {{"seed", AttrKind::Int, Attribute(int64_t{0})}}, F::Elementwise, dropoutTypes, dropoutKernel),
           makeOp("Cast", "converts to the dtype named by attribute to", {{"input"}},
                  {required("to", AttrKind::String), {"saturate", AttrKind::Int, Attribute(int64_t{1})}},
                  F::Elementwise, castTypes, castKernel),
           makeOp("CastLike", "converts to the dtype of target_type", {{"input"}, {"target_type"}},
                  {{"saturate", AttrKind::Int, Attribute(int64_t{1})}}, F::Elementwise, castLikeTypes, castKernel),
           makeOp("Shape", "the operand's dims [start, end) as i64", {{"data"}},
                  {{"start", AttrKind::Int, Attribute(int64_t{0})},
                   {"end", AttrKind::Int, Attribute(std::numeric_limits<int64_t>::max())}},
                  F::Opaque, shapeTypes, shapeKernel),
           makeOp("Size", "the operand's element count as an i64 scalar", {{"data"}}, {}, F::Opaque, sizeTypes,
                  sizeKernel),
           makeOp("ConstantOfShape", "a tensor of attribute shape filled with attribute value", {},
                  {required("shape", AttrKind::Ints), {"value", AttrKind::Tensor, Attribute(Tensor::scalar<float>(0.f))}},
                  F::Opaque, constantOfShapeTypes, constantOfShapeKernel),
           makeOp("Range", "start, start + delta, ... up to (excluding) limit", {},
                  {required("start", AttrKind::Tensor), required("limit", AttrKind::Tensor),
                   required("delta", AttrKind::Tensor)},
                  F::Opaque, rangeTypes, rangeKernel),
       })
    registerOp(r, std::move(def));
}

}  // namespace ingot::ir
