// Pad: grows (or, with negative pads, crops) each listed axis. ONNX's
// pads and axes inputs are attributes here (the importer converts);
// constant_value stays an optional scalar operand (default 0). Modes: constant (fill with constant_value), edge (repeat the
// border element), reflect (mirror without repeating the border), wrap
// (periodic).
#include <cstring>

#include "ir/ops/OpUtil.h"

namespace ingot::ir {
namespace {

using namespace ops;

enum class PadMode { Constant, Edge, Reflect, Wrap };

struct PadPlan {
  PadMode mode = PadMode::Constant;
  std::vector<int64_t> begin, end;  // per dim of the data
  Shape result;
};

Expected<PadPlan> planPad(const OpContext& ctx, const Shape& shape) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  PadPlan plan;
  const std::string mode = ctx.getString("mode");
  if (mode == "constant") plan.mode = PadMode::Constant;
  else if (mode == "edge") plan.mode = PadMode::Edge;
  else if (mode == "reflect") plan.mode = PadMode::Reflect;
  else if (mode == "wrap") plan.mode = PadMode::Wrap;
  else return ctx.error("attribute 'mode' is \"{}\"; expected constant, edge, reflect or wrap", mode);

  std::vector<int64_t> axes = ctx.getInts("axes");
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  const std::vector<int64_t> pads = ctx.getInts("pads");
  const size_t n = axes.size();
  if (pads.size() != 2 * n)
    return ctx.error("attribute 'pads' has {} values; {} axes need {}", pads.size(), n, 2 * n);
  plan.begin.assign(shape.size(), 0);
  plan.end.assign(shape.size(), 0);
  std::vector<bool> seen(shape.size(), false);
  for (size_t i = 0; i < n; ++i) {
    auto axis = normalizeAxis(axes[i], rank);
    if (!axis.ok()) return attrError(ctx, "axes", axis.status());
    if (seen[*axis]) return ctx.error("attribute 'axes' names axis {} twice", *axis);
    seen[*axis] = true;
    plan.begin[*axis] = pads[i];
    plan.end[*axis] = pads[i + n];
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    // A pad removes at most the whole dim and adds at most 2^40, so index
    // arithmetic with it (kernels compute index - begin) cannot overflow
    // ([INT64_MIN, INT64_MAX] on a [2] tensor made a valid size of 1;
    // fuzz_onnx).
    if (plan.begin[d] < -shape[d] || plan.end[d] < -shape[d])
      return ctx.error("pads {} and {} remove more than dim {} has ({})", plan.begin[d], plan.end[d], d, shape[d]);
    if (plan.begin[d] > kMaxShapeElements || plan.end[d] > kMaxShapeElements)
      return ctx.error("pads {} and {} of dim {} are above the supported 2^40", plan.begin[d], plan.end[d], d);
    int64_t dim = 0;
    if (__builtin_add_overflow(shape[d], plan.begin[d], &dim) || __builtin_add_overflow(dim, plan.end[d], &dim))
      return ctx.error("pads {} and {} overflow dim {} (size {})", plan.begin[d], plan.end[d], d, shape[d]);
    if (dim < 0)
      return ctx.error("pads {} and {} make dim {} (size {}) negative", plan.begin[d], plan.end[d], d, shape[d]);
    if (dim > 0 && shape[d] == 0 && plan.mode != PadMode::Constant)
      return ctx.error("mode {} cannot pad the empty dim {}", mode, d);
    plan.result.push_back(dim);
  }
  INGOT_RETURN_IF_ERROR(checkAttrShape(ctx, "pads", plan.result));
  return plan;
}

// The data coordinate a result coordinate reads along one dim, or -1 for
// the constant. `s` is the result coordinate minus the begin pad.
int64_t sourceCoord(PadMode mode, int64_t s, int64_t dim) {
  if (s >= 0 && s < dim) return s;
  switch (mode) {
    case PadMode::Constant: return -1;
    case PadMode::Edge: return s < 0 ? 0 : dim - 1;
    case PadMode::Wrap: return ((s % dim) + dim) % dim;
    case PadMode::Reflect: {
      if (dim == 1) return 0;
      const int64_t period = 2 * (dim - 1);
      const int64_t m = ((s % period) + period) % period;
      return m < dim ? m : period - m;
    }
  }
  return -1;
}

Expected<std::vector<TensorType>> padTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kComputableTypes));
  const TensorType& x = ctx.operandType(0);
  if (ctx.hasOperand(1)) {
    INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 0, 1));
    if (numElements(ctx.operandType(1).shape) != 1)
      return ctx.error("operand 'constant_value' must hold one element, got {}", ctx.operandType(1).toString());
  }
  INGOT_ASSIGN_OR_RETURN(PadPlan plan, planPad(ctx, x.shape));
  return std::vector<TensorType>{{x.dtype, plan.result}};
}

KernelResult padKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  INGOT_ASSIGN_OR_RETURN(PadPlan plan, planPad(ctx, x.shape()));
  // The fill value: one element of the data's dtype (zero when absent).
  Tensor fill(x.dtype(), {});
  if (in.size() > 1 && in[1]) std::memcpy(fill.rawData(), in[1]->rawData(), dtypeSize(x.dtype()));
  const size_t size = dtypeSize(x.dtype());
  const std::vector<int64_t> strides = stridesOf(x.shape());
  Tensor out = emptyResult(rt[0]);
  std::vector<int64_t> index(plan.result.size(), 0);
  for (int64_t i = 0; i < out.numElements(); ++i, nextIndex(index, plan.result)) {
    int64_t source = 0;
    for (size_t d = 0; d < index.size() && source >= 0; ++d) {
      const int64_t s = sourceCoord(plan.mode, index[d] - plan.begin[d], x.shape()[d]);
      source = s < 0 ? -1 : source + s * strides[d];
    }
    const std::byte* from = source < 0 ? fill.rawData() : x.rawData() + source * size;
    std::memcpy(out.rawData() + i * size, from, size);
  }
  return single(std::move(out));
}

}  // namespace

void registerPadOps(OpRegistry& r) {
  OpDef def;
  def.name = "Pad";
  def.summary = "pads (or crops) axes by pads, filling by mode constant / edge / reflect / wrap";
  def.operands = {{"data"}, {"constant_value", true}};
  def.attrs = {{"pads", AttrKind::Ints, std::nullopt},
               {"mode", AttrKind::String, Attribute("constant")},
               {"axes", AttrKind::Ints, Attribute(std::vector<int64_t>{})}};
  def.fusion = FusionClass::Opaque;
  def.inferTypes = padTypes;
  def.reference = padKernel;
  registerOp(r, std::move(def));
}

}  // namespace ingot::ir
