// Data movement ops (fusion class Injective: each result element is one
// element of an operand): Reshape, Flatten, Squeeze, Unsqueeze, Transpose,
// Concat, Expand, Tile, Slice, Gather.
//
// Kernels move bytes, so every computable dtype works the same way. Where
// ONNX takes a shape-like *input* (Reshape's shape, Slice's starts, ...),
// ingot's IR takes an attribute; the importer converts.
#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

#include "ir/ops/OpUtil.h"

namespace ingot::ir {
namespace {

using namespace ops;

// The result of an injective op: for each result element, visited in
// row-major order with its multi-index, copy element sourceOf(index) of src.
template <class SourceOf>
Tensor copyFromSource(const Tensor& src, const TensorType& resultType, SourceOf sourceOf) {
  Tensor out = emptyResult(resultType);
  std::vector<int64_t> index(resultType.shape.size(), 0);
  for (int64_t i = 0; i < out.numElements(); ++i, nextIndex(index, resultType.shape))
    copyElement(out, i, src, sourceOf(index));
  return out;
}

KernelResult reshapeKernel(const OpContext&, KernelInputs in, ResultTypes rt) {
  return single(in[0]->reshaped(rt[0].shape));  // same bytes, row-major order kept
}

Status checkData(const OpContext& ctx) { return checkOperandDType(ctx, 0, kComputableTypes); }

// ---------------------------------------------------------------------------
// Reshape: attribute `shape` with ONNX meaning: 0 copies the input dim at the
// same position (unless allowzero=1, where 0 is a real 0), one -1 is inferred.

Expected<std::vector<TensorType>> reshapeTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  const TensorType& x = ctx.operandType(0);
  const std::vector<int64_t> spec = ctx.getInts("shape");
  const bool allowZero = ctx.getInt("allowzero") != 0;
  Shape out;
  std::optional<size_t> inferred;
  bool hasZero = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == -1) {
      if (inferred) return ctx.error("attribute 'shape' [{}] has more than one -1", fmt::join(spec, ","));
      inferred = i;
      d = 1;  // placeholder, replaced below
    } else if (d < -1) {
      return ctx.error("attribute 'shape' [{}] has a negative dim {}", fmt::join(spec, ","), d);
    } else if (d == 0) {
      hasZero = true;
      if (!allowZero) {
        if (i >= x.shape.size())
          return ctx.error("attribute 'shape' [{}]: 0 at position {} copies an input dim, but the input {} has rank {}",
                           fmt::join(spec, ","), i, x.toString(), x.shape.size());
        d = x.shape[i];
      }
    }
    out.push_back(d);
  }
  if (allowZero && hasZero && inferred)
    return ctx.error("attribute 'shape' [{}] has both 0 and -1, which allowzero=1 forbids", fmt::join(spec, ","));
  auto known = checkedNumElements(out);
  if (!known.ok()) return attrError(ctx, "shape", known.status());
  const int64_t total = numElements(x.shape);
  if (inferred) {
    if (*known == 0 || total % *known != 0)
      return ctx.error("cannot infer the -1 in shape [{}] for input {} ({} elements)", fmt::join(spec, ","),
                       x.toString(), total);
    out[*inferred] = total / *known;
  } else if (*known != total) {
    return ctx.error("shape [{}] has {} elements but the input {} has {}", fmt::join(spec, ","), *known,
                     x.toString(), total);
  }
  return std::vector<TensorType>{{x.dtype, out}};
}

// Flatten: [d0..d(axis-1)] and [d(axis)..] each collapse to one dim; axis
// may be rank (result [N, 1]) or negative.
Expected<std::vector<TensorType>> flattenTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  const TensorType& x = ctx.operandType(0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  // Unlike other axes, rank itself is allowed; negative values add rank.
  const int64_t given = ctx.getInt("axis");
  const int64_t axis = given < 0 ? given + rank : given;
  if (axis < 0 || axis > rank)
    return ctx.error("attribute 'axis': axis {} is out of range for rank {} (expected {}..{})", given, rank, -rank,
                     rank);
  Shape out{1, 1};
  for (int64_t d = 0; d < rank; ++d) out[d < axis ? 0 : 1] *= x.shape[d];
  return std::vector<TensorType>{{x.dtype, out}};
}

// Squeeze: removes the listed size-1 dims (all size-1 dims when `axes` is empty).
Expected<std::vector<TensorType>> squeezeTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  const TensorType& x = ctx.operandType(0);
  const std::vector<int64_t> given = ctx.getInts("axes");
  auto axes = normalizeAxes(given, static_cast<int64_t>(x.shape.size()));
  if (!axes.ok()) return attrError(ctx, "axes", axes.status());
  std::vector<bool> isListed(x.shape.size(), false);
  for (int64_t a : *axes) isListed[static_cast<size_t>(a)] = true;
  Shape out;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    const bool listed = isListed[d];
    if (listed && x.shape[d] != 1)
      return ctx.error("cannot squeeze axis {} of {}: its size is {}, not 1", d, x.toString(), x.shape[d]);
    if (given.empty() ? x.shape[d] != 1 : !listed) out.push_back(x.shape[d]);
  }
  return std::vector<TensorType>{{x.dtype, out}};
}

// Unsqueeze: inserts size-1 dims at `axes`, which index the result's dims.
Expected<std::vector<TensorType>> unsqueezeTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  const TensorType& x = ctx.operandType(0);
  const std::vector<int64_t> given = ctx.getInts("axes");
  if (given.empty()) return ctx.error("attribute 'axes' must not be empty");
  const int64_t outRank = static_cast<int64_t>(x.shape.size() + given.size());
  auto axes = normalizeAxes(given, outRank);
  if (!axes.ok()) return attrError(ctx, "axes", axes.status());
  std::vector<bool> inserted(static_cast<size_t>(outRank), false);
  for (int64_t a : *axes) inserted[static_cast<size_t>(a)] = true;
  Shape out;
  size_t next = 0;  // next input dim to place
  for (int64_t d = 0; d < outRank; ++d) {
    out.push_back(inserted[static_cast<size_t>(d)] ? 1 : x.shape[next++]);
  }
  return std::vector<TensorType>{{x.dtype, out}};
}

// ---------------------------------------------------------------------------
// Transpose: result dim i is input dim perm[i]; empty perm reverses the dims.

std::vector<int64_t> transposePerm(const OpContext& ctx, size_t rank) {
  std::vector<int64_t> perm = ctx.getInts("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  return perm;
}

Expected<std::vector<TensorType>> transposeTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  const TensorType& x = ctx.operandType(0);
  const std::vector<int64_t> perm = transposePerm(ctx, x.shape.size());
  Status s = checkPermutation(perm, static_cast<int64_t>(x.shape.size()));
  if (!s.isOk()) return attrError(ctx, "perm", s);
  return std::vector<TensorType>{{x.dtype, permuteShape(x.shape, perm)}};
}

KernelResult transposeKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  const std::vector<int64_t> perm = transposePerm(ctx, x.shape().size());
  const std::vector<int64_t> strides = stridesOf(x.shape());
  return single(copyFromSource(x, rt[0], [&](const std::vector<int64_t>& index) {
    int64_t source = 0;
    for (size_t i = 0; i < perm.size(); ++i) source += index[i] * strides[perm[i]];
    return source;
  }));
}

// ---------------------------------------------------------------------------
// Concat: operands of one dtype and rank, equal except along `axis`.

Expected<std::vector<TensorType>> concatTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  const TensorType& first = ctx.operandType(0);
  auto axis = normalizeAxis(ctx.getInt("axis"), static_cast<int64_t>(first.shape.size()));
  if (!axis.ok()) return attrError(ctx, "axis", axis.status());
  Shape out = first.shape;
  for (size_t i = 1; i < ctx.numOperands(); ++i) {
    INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 0, i));
    const Shape& s = ctx.operandType(i).shape;
    bool compatible = s.size() == first.shape.size();
    for (size_t d = 0; compatible && d < s.size(); ++d)
      compatible = static_cast<int64_t>(d) == *axis || s[d] == first.shape[d];
    if (!compatible)
      return ctx.error("{} has shape {}, which does not match {} {} outside axis {}", operandName(ctx, i),
                       shapeToString(s), operandName(ctx, 0), shapeToString(first.shape), *axis);
    out[*axis] += s[*axis];
  }
  return std::vector<TensorType>{{first.dtype, out}};
}

KernelResult concatKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  Tensor out = emptyResult(rt[0]);
  const int64_t axis = *normalizeAxis(ctx.getInt("axis"), out.rank());  // checked by the type rule
  const AxisSplit outSplit = splitAtAxis(out.shape(), axis);
  int64_t axisOffset = 0;  // where along `axis` the current operand starts
  for (const Tensor* part : in) {
    const AxisSplit split = splitAtAxis(part->shape(), axis);
    for (int64_t o = 0; o < split.outer; ++o)
      for (int64_t a = 0; a < split.dim; ++a)
        for (int64_t i = 0; i < split.inner; ++i)
          copyElement(out, (o * outSplit.dim + axisOffset + a) * outSplit.inner + i, *part,
                      (o * split.dim + a) * split.inner + i);
    axisOffset += split.dim;
  }
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// Expand: broadcast the input with attribute `shape` (numpy, both ways).

Expected<std::vector<TensorType>> expandTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  const Shape target = ctx.getInts("shape");
  INGOT_RETURN_IF_ERROR(checkAttrShape(ctx, "shape", target));
  auto out = broadcastShapes(ctx.operandType(0).shape, target);
  if (!out.ok()) return attrError(ctx, "shape", out.status());
  return std::vector<TensorType>{{ctx.operandType(0).dtype, *out}};
}

KernelResult expandKernel(const OpContext&, KernelInputs in, ResultTypes rt) {
  const std::vector<int64_t> source = broadcastSourceIndices(in[0]->shape(), rt[0].shape);
  Tensor out = emptyResult(rt[0]);
  for (size_t i = 0; i < source.size(); ++i) copyElement(out, static_cast<int64_t>(i), *in[0], source[i]);
  return single(std::move(out));
}

// Tile: dim d repeated repeats[d] times.
Expected<std::vector<TensorType>> tileTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  const TensorType& x = ctx.operandType(0);
  const std::vector<int64_t> repeats = ctx.getInts("repeats");
  if (repeats.size() != x.shape.size())
    return ctx.error("attribute 'repeats' has {} entries, expected {} (the rank of {})", repeats.size(),
                     x.shape.size(), x.toString());
  Shape out;
  for (size_t d = 0; d < repeats.size(); ++d) {
    if (repeats[d] < 0) return ctx.error("attribute 'repeats' [{}] has a negative entry", fmt::join(repeats, ","));
    if (repeats[d] != 0 && x.shape[d] > std::numeric_limits<int64_t>::max() / repeats[d])
      return ctx.error("attribute 'repeats' [{}] makes dim {} overflow", fmt::join(repeats, ","), d);
    out.push_back(x.shape[d] * repeats[d]);
  }
  INGOT_RETURN_IF_ERROR(checkAttrShape(ctx, "repeats", out));
  return std::vector<TensorType>{{x.dtype, out}};
}

KernelResult tileKernel(const OpContext&, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  const std::vector<int64_t> strides = stridesOf(x.shape());
  return single(copyFromSource(x, rt[0], [&](const std::vector<int64_t>& index) {
    int64_t source = 0;
    for (size_t d = 0; d < index.size(); ++d) source += (index[d] % x.shape()[d]) * strides[d];
    return source;
  }));
}

// ---------------------------------------------------------------------------
// Slice with ONNX's clamping rules. `axes` defaults to 0..len(starts)-1 and
// `steps` to all 1; unlisted axes are taken whole.

}  // namespace

namespace ops {
Expected<SlicePlan> planSlice(const OpContext& ctx, const Shape& shape) {
  const std::vector<int64_t> starts = ctx.getInts("starts"), ends = ctx.getInts("ends");
  std::vector<int64_t> axes = ctx.getInts("axes"), steps = ctx.getInts("steps");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return ctx.error("attributes starts, ends, axes and steps must have one length; got {}, {}, {}, {}",
                     starts.size(), ends.size(), axes.size(), steps.size());
  const int64_t rank = static_cast<int64_t>(shape.size());
  auto normalized = normalizeAxes(axes, rank);  // validates range and duplicates
  if (!normalized.ok()) return attrError(ctx, "axes", normalized.status());

  SlicePlan plan{std::vector<int64_t>(shape.size(), 0), std::vector<int64_t>(shape.size(), 1), shape};
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    const int64_t dim = shape[axis], step = steps[i];
    if (step == 0) return ctx.error("attribute 'steps' has a 0 for axis {}", axis);
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
    // Forward slices clamp to [0, dim]; backward ones start at most at dim-1
    // and may end at -1 (before element 0).
    // (min/max rather than std::clamp: for dim 0 the bounds cross.)
    if (step > 0) {
      start = std::min(std::max(start, int64_t{0}), dim);
      end = std::min(std::max(end, int64_t{0}), dim);
    } else {
      start = std::min(std::max(start, int64_t{0}), dim - 1);
      end = std::min(std::max(end, int64_t{-1}), dim - 1);
    }
    const int64_t span = step > 0 ? end - start : start - end;
    // |step|, kept in range for INT64_MIN (any stride >= span gives 1 element).
    const int64_t stride = step > 0 ? step : (step == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : -step);
    plan.start[axis] = start;
    plan.step[axis] = step;
    plan.result[axis] = span <= 0 ? 0 : 1 + (span - 1) / stride;
  }
  return plan;
}
}  // namespace ops

namespace {
using ops::SlicePlan;
using ops::planSlice;

Expected<std::vector<TensorType>> sliceTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  INGOT_ASSIGN_OR_RETURN(SlicePlan plan, planSlice(ctx, ctx.operandType(0).shape));
  return std::vector<TensorType>{{ctx.operandType(0).dtype, plan.result}};
}

KernelResult sliceKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  INGOT_ASSIGN_OR_RETURN(SlicePlan plan, planSlice(ctx, x.shape()));
  const std::vector<int64_t> strides = stridesOf(x.shape());
  return single(copyFromSource(x, rt[0], [&](const std::vector<int64_t>& index) {
    int64_t source = 0;
    for (size_t d = 0; d < index.size(); ++d) source += (plan.start[d] + index[d] * plan.step[d]) * strides[d];
    return source;
  }));
}

// ---------------------------------------------------------------------------
// Gather along `axis`: result = data[:axis] + indices.shape + data[axis+1:].
// Negative indices count from the end; out-of-range ones are a run-time
// error (the values are data, unknown to the type rule).

Expected<std::vector<TensorType>> gatherTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkData(ctx));
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 1, {DType::I32, DType::I64}));
  const TensorType& data = ctx.operandType(0);
  const Shape& indices = ctx.operandType(1).shape;
  auto axis = normalizeAxis(ctx.getInt("axis"), static_cast<int64_t>(data.shape.size()));
  if (!axis.ok()) return attrError(ctx, "axis", axis.status());
  Shape out(data.shape.begin(), data.shape.begin() + *axis);
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), data.shape.begin() + *axis + 1, data.shape.end());
  return std::vector<TensorType>{{data.dtype, out}};
}

KernelResult gatherKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& data = *in[0];
  const Tensor& indices = *in[1];
  const int64_t axis = *normalizeAxis(ctx.getInt("axis"), data.rank());  // checked by the type rule
  const AxisSplit split = splitAtAxis(data.shape(), axis);
  const int64_t count = indices.numElements();
  Tensor out = emptyResult(rt[0]);
  for (int64_t j = 0; j < count; ++j) {
    const int64_t raw = indices.dtype() == DType::I32 ? indices.data<int32_t>()[j] : indices.data<int64_t>()[j];
    const int64_t index = raw < 0 ? raw + split.dim : raw;
    if (index < 0 || index >= split.dim)
      return ctx.error("index {} is out of range for axis {} of size {}", raw, axis, split.dim);
    for (int64_t o = 0; o < split.outer; ++o)
      for (int64_t i = 0; i < split.inner; ++i)
        copyElement(out, (o * count + j) * split.inner + i, data, (o * split.dim + index) * split.inner + i);
  }
  return single(std::move(out));
}

OpDef injectiveOp(std::string name, std::string summary, std::vector<OperandSpec> operands,
                  std::vector<AttrSpec> attrs, TypeRule rule, ReferenceKernel kernel) {
  return makeOp(std::move(name), std::move(summary), std::move(operands), std::move(attrs), FusionClass::Injective,
                std::move(rule), std::move(kernel));
}

}  // namespace

void registerShapeOps(OpRegistry& r) {
  const std::vector<OperandSpec> data = {{"data"}};
  const AttrSpec axisZero{"axis", AttrKind::Int, Attribute(int64_t{0})};
  const AttrSpec emptyAxes{"axes", AttrKind::Ints, Attribute(std::vector<int64_t>{})};
  for (OpDef& def : std::vector<OpDef>{
           injectiveOp("Reshape", "same elements, new shape (0 copies a dim, -1 is inferred)", data,
                       {{"shape", AttrKind::Ints, std::nullopt}, {"allowzero", AttrKind::Int, Attribute(int64_t{0})}},
                       reshapeTypes, reshapeKernel),
           injectiveOp("Flatten", "to rank 2, splitting the dims at axis", {{"input"}},
                       {{"axis", AttrKind::Int, Attribute(int64_t{1})}}, flattenTypes, reshapeKernel),
           injectiveOp("Squeeze", "removes size-1 dims (the listed ones, or all)", data, {emptyAxes},
                       squeezeTypes, reshapeKernel),
           injectiveOp("Unsqueeze", "inserts size-1 dims at the result positions axes", data,
                       {{"axes", AttrKind::Ints, std::nullopt}}, unsqueezeTypes, reshapeKernel),
           injectiveOp("Transpose", "permutes dims (result dim i = input dim perm[i]; default reverses)", data,
                       {{"perm", AttrKind::Ints, Attribute(std::vector<int64_t>{})}}, transposeTypes, transposeKernel),
           injectiveOp("Concat", "joins operands along axis", {{"inputs", false, true}},
                       {{"axis", AttrKind::Int, std::nullopt}}, concatTypes, concatKernel),
           injectiveOp("Expand", "broadcasts to shape (numpy rules, both ways)", {{"input"}},
                       {{"shape", AttrKind::Ints, std::nullopt}}, expandTypes, expandKernel),
           injectiveOp("Tile", "repeats the tensor repeats[d] times along each dim d", {{"input"}},
                       {{"repeats", AttrKind::Ints, std::nullopt}}, tileTypes, tileKernel),
           injectiveOp("Slice", "strided sub-tensor with ONNX clamping", data,
                       {{"starts", AttrKind::Ints, std::nullopt}, {"ends", AttrKind::Ints, std::nullopt},
                        emptyAxes, {"steps", AttrKind::Ints, Attribute(std::vector<int64_t>{})}},
                       sliceTypes, sliceKernel),
           injectiveOp("Gather", "takes entries of data along axis at indices", {{"data"}, {"indices"}},
                       {axisZero}, gatherTypes, gatherKernel),
       })
    registerOp(r, std::move(def));
}

}  // namespace ingot::ir
