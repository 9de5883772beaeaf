// Ops that place or pick elements by position: Split (several results),
// GatherElements, Trilu, Hardmax, CumSum, OneHot, EyeLike.
//
// ONNX inputs that are shape-like or scalar parameters (Split's split,
// Trilu's k, CumSum's axis, OneHot's depth) are attributes here; the
// importer converts.
#include <cmath>
#include <cstring>
#include <optional>

#include "ir/ops/OpUtil.h"

namespace ingot::ir {
namespace {

using namespace ops;

int64_t indexAt(const Tensor& t, int64_t i) {
  return t.dtype() == DType::I32 ? t.data<int32_t>()[i] : t.data<int64_t>()[i];
}

// Sets element i of `t` to the number v (1 for true on bool).
void setFromDouble(Tensor& t, int64_t i, double v) {
  visitDType(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::same_as<T, bool>) t.data<bool>()[i] = v != 0;
    else t.data<T>()[i] = static_cast<T>(v);
  });
}

Expected<int64_t> axisOf(const OpContext& ctx, int64_t rank) {
  auto axis = normalizeAxis(ctx.getInt("axis"), rank);
  if (!axis.ok()) return attrError(ctx, "axis", axis.status());
  return *axis;
}

// ---------------------------------------------------------------------------
// Split along `axis` into the sizes `split`, or into `num_outputs` parts of
// ceil(dim / num_outputs) (the last one smaller; ONNX opset 18).

Expected<std::vector<int64_t>> splitSizes(const OpContext& ctx, int64_t dim) {
  std::vector<int64_t> sizes = ctx.getInts("split");
  const int64_t parts = ctx.getInt("num_outputs");
  if (!sizes.empty()) {
    if (parts != 0 && parts != static_cast<int64_t>(sizes.size()))
      return ctx.error("attribute 'num_outputs' is {} but 'split' has {} sizes", parts, sizes.size());
    int64_t sum = 0;
    for (int64_t s : sizes) {
      if (s < 0) return ctx.error("attribute 'split' [{}] has a negative size", fmt::join(sizes, ","));
      if (s > dim - sum)  // (and no overflow)
        return ctx.error("attribute 'split' [{}] sums to more than the axis's {}", fmt::join(sizes, ","), dim);
      sum += s;
    }
    if (sum != dim) return ctx.error("attribute 'split' [{}] sums to {}, but the axis has {}", fmt::join(sizes, ","), sum, dim);
    return sizes;
  }
  if (parts < 1) return ctx.error("needs attribute 'split' or a positive 'num_outputs' (got {})", parts);
  // One result per part: beyond this the list of sizes and result types
  // alone is gigabytes (an axis of 2^32 split into 2^32 parts of 1).
  constexpr int64_t kMaxParts = int64_t{1} << 16;
  if (parts > kMaxParts)
    return ctx.error("attribute 'num_outputs' is {}, above the supported maximum of {}", parts, kMaxParts);
  // ceil(dim / parts), and chunk * (parts - 1) > dim, without overflow.
  const int64_t chunk = dim / parts + (dim % parts != 0);
  if (parts > 1 && chunk > dim / (parts - 1))
    return ctx.error("cannot split an axis of {} into {} parts of {}", dim, parts, chunk);
  sizes.assign(static_cast<size_t>(parts), chunk);
  sizes.back() = dim - chunk * (parts - 1);
  return sizes;
}

Expected<std::vector<TensorType>> splitTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kComputableTypes));
  const TensorType& x = ctx.operandType(0);
  INGOT_ASSIGN_OR_RETURN(int64_t axis, axisOf(ctx, static_cast<int64_t>(x.shape.size())));
  INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, splitSizes(ctx, x.shape[axis]));
  std::vector<TensorType> out;
  for (int64_t s : sizes) {
    TensorType t = x;
    t.shape[axis] = s;
    out.push_back(t);
  }
  return out;
}

KernelResult splitKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  const int64_t axis = *normalizeAxis(ctx.getInt("axis"), x.rank());  // checked by the type rule
  const AxisSplit s = splitAtAxis(x.shape(), axis);
  std::vector<Tensor> out;
  int64_t start = 0;
  for (const TensorType& t : rt) {
    Tensor part = emptyResult(t);
    const int64_t size = t.shape[axis];
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t a = 0; a < size; ++a)
        for (int64_t i = 0; i < s.inner; ++i)
          copyElement(part, (o * size + a) * s.inner + i, x, (o * s.dim + start + a) * s.inner + i);
    start += size;
    out.push_back(std::move(part));
  }
  return out;
}

// ---------------------------------------------------------------------------
// GatherElements: out[idx] = data[idx with idx[axis] replaced by
// indices[idx]]; the result has the indices' shape.

Expected<std::vector<TensorType>> gatherElementsTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kComputableTypes));
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 1, {DType::I32, DType::I64}));
  const TensorType& data = ctx.operandType(0);
  const Shape& indices = ctx.operandType(1).shape;
  if (indices.size() != data.shape.size() || data.shape.empty())
    return ctx.error("indices {} and data {} must have the same rank (at least 1)", shapeToString(indices),
                     shapeToString(data.shape));
  INGOT_ASSIGN_OR_RETURN(int64_t axis, axisOf(ctx, static_cast<int64_t>(data.shape.size())));
  for (size_t d = 0; d < indices.size(); ++d)
    if (static_cast<int64_t>(d) != axis && indices[d] > data.shape[d])
      return ctx.error("indices {} exceed data {} in dim {}", shapeToString(indices), shapeToString(data.shape), d);
  return std::vector<TensorType>{{data.dtype, indices}};
}

KernelResult gatherElementsKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& data = *in[0];
  const Tensor& indices = *in[1];
  const int64_t axis = *normalizeAxis(ctx.getInt("axis"), data.rank());
  const std::vector<int64_t> strides = stridesOf(data.shape());
  const int64_t dim = data.shape()[axis];
  Tensor out = emptyResult(rt[0]);
  std::vector<int64_t> index(indices.shape().size(), 0);
  for (int64_t j = 0; j < out.numElements(); ++j, nextIndex(index, indices.shape())) {
    const int64_t raw = indexAt(indices, j);
    const int64_t at = raw < 0 ? raw + dim : raw;
    if (at < 0 || at >= dim) return ctx.error("index {} is out of range for axis {} of size {}", raw, axis, dim);
    int64_t source = 0;
    for (size_t d = 0; d < index.size(); ++d)
      source += (static_cast<int64_t>(d) == axis ? at : index[d]) * strides[d];
    copyElement(out, j, data, source);
  }
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// Trilu: keeps the upper (upper=1: column - row >= k) or lower (column -
// row <= k) triangle of each matrix in the last two dims; zeros elsewhere.

Expected<std::vector<TensorType>> triluTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kComputableTypes));
  const TensorType& x = ctx.operandType(0);
  if (x.shape.size() < 2) return ctx.error("needs rank 2 or more, got {}", x.toString());
  return std::vector<TensorType>{x};
}

KernelResult triluKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  const bool upper = ctx.getInt("upper") != 0;
  const int64_t k = ctx.getInt("k");
  Tensor out = emptyResult(rt[0]);  // zero-filled
  std::vector<int64_t> index(x.shape().size(), 0);
  const size_t r = index.size();
  for (int64_t i = 0; i < x.numElements(); ++i, nextIndex(index, x.shape())) {
    const int64_t diagonal = index[r - 1] - index[r - 2];
    if (upper ? diagonal >= k : diagonal <= k) copyElement(out, i, x, i);
  }
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// Hardmax (opset 13): 1 at the first maximum along `axis`, 0 elsewhere.

Expected<std::vector<TensorType>> hardmaxTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kFloatTypes));
  const TensorType& x = ctx.operandType(0);
  INGOT_RETURN_IF_ERROR(axisOf(ctx, static_cast<int64_t>(x.shape.size())).status());
  return std::vector<TensorType>{x};
}

KernelResult hardmaxKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  const AxisSplit s = splitAtAxis(x.shape(), *normalizeAxis(ctx.getInt("axis"), x.rank()));
  Tensor out = emptyResult(rt[0]);
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      if (s.dim == 0) continue;
      int64_t best = 0;
      for (int64_t a = 1; a < s.dim; ++a)
        if (x.elementAsDouble((o * s.dim + a) * s.inner + i) > x.elementAsDouble((o * s.dim + best) * s.inner + i))
          best = a;
      setFromDouble(out, (o * s.dim + best) * s.inner + i, 1);
    }
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// CumSum along `axis`; exclusive=1 leaves out the element itself, reverse=1
// sums from the end.

Expected<std::vector<TensorType>> cumSumTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kNumericTypes));
  const TensorType& x = ctx.operandType(0);
  INGOT_RETURN_IF_ERROR(axisOf(ctx, static_cast<int64_t>(x.shape.size())).status());
  return std::vector<TensorType>{x};
}

KernelResult cumSumKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  const AxisSplit s = splitAtAxis(x.shape(), *normalizeAxis(ctx.getInt("axis"), x.rank()));
  const bool exclusive = ctx.getInt("exclusive") != 0, reverse = ctx.getInt("reverse") != 0;
  Tensor out = emptyResult(rt[0]);
  Status inner;
  INGOT_RETURN_IF_ERROR(dispatchDType(ctx, x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (Number<T>) {
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          AccumulatorOf<T> acc = 0;
          for (int64_t step = 0; step < s.dim; ++step) {
            const int64_t a = reverse ? s.dim - 1 - step : step;
            const int64_t at = (o * s.dim + a) * s.inner + i;
            const AccumulatorOf<T> v = static_cast<AccumulatorOf<T>>(x.data<T>()[at]);
            if (!exclusive) acc = wrapAdd(acc, v);
            out.data<T>()[at] = static_cast<T>(acc);
            if (exclusive) acc = wrapAdd(acc, v);
          }
        }
    } else {
      inner = kernelDTypeBug(ctx, x.dtype());
    }
  }));
  INGOT_RETURN_IF_ERROR(inner);
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// OneHot(indices, values): a new dim of size `depth` at `axis`; values[1]
// where the position equals the index (negative indices count from depth),
// values[0] elsewhere. Indices out of [-depth, depth) give all values[0].

Expected<std::vector<TensorType>> oneHotTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kNumericTypes));
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 1, kComputableTypes));
  const Shape& indices = ctx.operandType(0).shape;
  const TensorType& values = ctx.operandType(1);
  if (values.shape != Shape{2}) return ctx.error("operand 'values' must have shape [2], got {}", values.toString());
  const int64_t depth = ctx.getInt("depth");
  if (depth < 1) return ctx.error("attribute 'depth' must be positive, got {}", depth);
  INGOT_ASSIGN_OR_RETURN(int64_t axis, axisOf(ctx, static_cast<int64_t>(indices.size()) + 1));
  Shape out = indices;
  out.insert(out.begin() + axis, depth);
  INGOT_RETURN_IF_ERROR(checkAttrShape(ctx, "depth", out));
  return std::vector<TensorType>{{values.dtype, out}};
}

KernelResult oneHotKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& indices = *in[0];
  const Tensor& values = *in[1];
  const int64_t depth = ctx.getInt("depth");
  const int64_t axis = *normalizeAxis(ctx.getInt("axis"), indices.rank() + 1);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < indices.rank(); ++d) (d < axis ? outer : inner) *= indices.shape()[d];
  Tensor out = emptyResult(rt[0]);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const double raw = indices.elementAsDouble(o * inner + i);
      int64_t hot = -1;
      if (std::isfinite(raw)) {
        const double v = std::trunc(raw) < 0 ? std::trunc(raw) + static_cast<double>(depth) : std::trunc(raw);
        if (v >= 0 && v < static_cast<double>(depth)) hot = static_cast<int64_t>(v);
      }
      for (int64_t d = 0; d < depth; ++d) copyElement(out, (o * depth + d) * inner + i, values, d == hot ? 1 : 0);
    }
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// EyeLike: a matrix shaped like the operand with ones where column - row ==
// k; dtype "" keeps the operand's dtype.

Expected<std::vector<TensorType>> eyeLikeTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kComputableTypes));
  const TensorType& x = ctx.operandType(0);
  if (x.shape.size() != 2) return ctx.error("needs a rank-2 operand, got {}", x.toString());
  DType dtype = x.dtype;
  if (const std::string name = ctx.getString("dtype"); !name.empty()) {
    std::optional<DType> parsed = parseDType(name);
    if (!parsed) return ctx.error("attribute 'dtype' is \"{}\", which is not a dtype name", name);
    dtype = *parsed;
    INGOT_RETURN_IF_ERROR(checkDType(ctx, "attribute 'dtype'", dtype, kComputableTypes));
  }
  return std::vector<TensorType>{{dtype, x.shape}};
}

KernelResult eyeLikeKernel(const OpContext& ctx, KernelInputs, ResultTypes rt) {
  const int64_t k = ctx.getInt("k");
  Tensor out = emptyResult(rt[0]);
  const int64_t rows = rt[0].shape[0], cols = rt[0].shape[1];
  for (int64_t r = 0; r < rows; ++r)
    if (r + k >= 0 && r + k < cols) setFromDouble(out, r * cols + r + k, 1);
  return single(std::move(out));
}

}  // namespace

void registerIndexingOps(OpRegistry& r) {
  using F = FusionClass;
  const auto intAttr = [](std::string name, int64_t v) { return AttrSpec{std::move(name), AttrKind::Int, Attribute(v)}; };
  for (OpDef& def : std::vector<OpDef>{
           makeOp("Split", "splits along axis into sizes split, or into num_outputs near-equal parts", {{"input"}},
                  {intAttr("axis", 0), {"split", AttrKind::Ints, Attribute(std::vector<int64_t>{})},
                   intAttr("num_outputs", 0)},
                  F::Opaque, splitTypes, splitKernel, kVariadicResults),
           makeOp("GatherElements", "data at indices along axis, elementwise (result shaped like indices)",
                  {{"data"}, {"indices"}}, {intAttr("axis", 0)}, F::Opaque, gatherElementsTypes,
                  gatherElementsKernel),
           makeOp("Trilu", "upper (column - row >= k) or lower (<= k) triangle of the last two dims", {{"input"}},
                  {intAttr("upper", 1), intAttr("k", 0)}, F::Opaque, triluTypes, triluKernel),
           makeOp("Hardmax", "1 at the first maximum along axis, 0 elsewhere", {{"input"}}, {intAttr("axis", -1)},
                  F::Opaque, hardmaxTypes, hardmaxKernel),
           makeOp("CumSum", "running sum along axis (exclusive, reverse)", {{"x"}},
                  {{"axis", AttrKind::Int, std::nullopt}, intAttr("exclusive", 0), intAttr("reverse", 0)},
                  F::Opaque, cumSumTypes, cumSumKernel),
           makeOp("OneHot", "values[1] where a new depth-sized dim at axis equals the index, else values[0]",
                  {{"indices"}, {"values"}}, {{"depth", AttrKind::Int, std::nullopt}, intAttr("axis", -1)},
                  F::Opaque, oneHotTypes, oneHotKernel),
           makeOp("EyeLike", "ones on diagonal k of a matrix shaped like the operand", {{"input"}},
                  {{"dtype", AttrKind::String, Attribute("")}, intAttr("k", 0)}, F::Opaque, eyeLikeTypes,
                  eyeLikeKernel),
       })
    registerOp(r, std::move(def));
}

}  // namespace ingot::ir
