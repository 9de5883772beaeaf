// Loop-level forms of the injective ops: each result element reads one
// operand element, at an index computed from the result index. Views
// (Reshape, Flatten, Squeeze, Unsqueeze) keep the row-major flat index.
#include "ir/kernel/LoweringRules.h"
#include "ir/ops/OpUtil.h"

namespace ingot::ir::lowering {

namespace {

using kir::BinaryOp;
using kir::ExprId;

Status view(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  ExprId flat = b.flatIndex(ctx.resultType().shape, ctx.resultIndex());
  INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandFlat(0, flat));
  ctx.setResult(v);
  return Status::ok();
}

Status transpose(LoweringContext& ctx) {
  const size_t rank = ctx.op().operandType(0).shape.size();
  std::vector<int64_t> perm = ctx.op().getInts("perm");
  if (perm.empty())
    for (size_t d = 0; d < rank; ++d) perm.push_back(static_cast<int64_t>(rank - 1 - d));
  if (perm.size() != rank) return ctx.unsupported("perm does not match the rank");
  std::vector<ExprId> index(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (perm[d] < 0 || static_cast<size_t>(perm[d]) >= rank) return ctx.unsupported("bad perm");
    index[static_cast<size_t>(perm[d])] = ctx.resultIndex()[d];
  }
  INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(0, index));
  ctx.setResult(v);
  return Status::ok();
}

Status expand(LoweringContext& ctx) {
  INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandBroadcast(0));
  ctx.setResult(v);
  return Status::ok();
}

Status tile(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const Shape& in = ctx.op().operandType(0).shape;
  std::vector<ExprId> index(in.size());
  for (size_t d = 0; d < in.size(); ++d)
    index[d] = in[d] == 1 ? b.constInt(0) : b.binary(BinaryOp::Rem, ctx.resultIndex()[d], b.constInt(in[d]));
  INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(0, index));
  ctx.setResult(v);
  return Status::ok();
}

Status slice(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  INGOT_ASSIGN_OR_RETURN(ops::SlicePlan plan, ops::planSlice(ctx.op(), ctx.op().operandType(0).shape));
  std::vector<ExprId> index(plan.start.size());
  for (size_t d = 0; d < index.size(); ++d)
    index[d] = b.binary(BinaryOp::Add, b.constInt(plan.start[d]),
                        b.binary(BinaryOp::Mul, ctx.resultIndex()[d], b.constInt(plan.step[d])));
  INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(0, index));
  ctx.setResult(v);
  return Status::ok();
}

// Concat: the operand whose range along the axis holds the result index.
// Every operand is read at a clamped index, so a backend that evaluates both
// sides of a select never reads out of bounds.
Status concat(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const size_t rank = ctx.resultType().shape.size();
  int64_t axis = ctx.op().getInt("axis");
  if (axis < 0) axis += static_cast<int64_t>(rank);
  if (axis < 0 || static_cast<size_t>(axis) >= rank) return ctx.unsupported("bad axis");
  const auto ax = static_cast<size_t>(axis);
  const ExprId at = ctx.resultIndex()[ax];
  ExprId result = kir::kNoExpr;
  int64_t offset = 0;
  std::vector<std::pair<ExprId, ExprId>> parts;  // (condition: at < end, value)
  for (size_t i = 0; i < ctx.op().numOperands(); ++i) {
    const int64_t dim = ctx.op().operandType(i).shape[ax];
    if (dim == 0) continue;
    std::vector<ExprId> index = ctx.resultIndex();
    ExprId local = b.binary(BinaryOp::Sub, at, b.constInt(offset));
    index[ax] = b.binary(BinaryOp::Min, b.binary(BinaryOp::Max, local, b.constInt(0)), b.constInt(dim - 1));
    INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(i, index));
    offset += dim;
    parts.emplace_back(b.binary(BinaryOp::Lt, at, b.constInt(offset)), v);
  }
  if (parts.empty()) return ctx.unsupported("every operand is empty");
  result = parts.back().second;
  for (size_t i = parts.size() - 1; i-- > 0;) result = b.select(parts[i].first, parts[i].second, result);
  ctx.setResult(result);
  return Status::ok();
}

// Gather: the index is data; negative values count from the end, and the
// result is clamped into range (the reference reports out-of-range indices
// as errors; a kernel cannot, so it must at least not read out of bounds).
Status gather(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const Shape& data = ctx.op().operandType(0).shape;
  const Shape& indices = ctx.op().operandType(1).shape;
  int64_t axis = ctx.op().getInt("axis");
  if (axis < 0) axis += static_cast<int64_t>(data.size());
  if (axis < 0 || static_cast<size_t>(axis) >= data.size()) return ctx.unsupported("bad axis");
  const auto ax = static_cast<size_t>(axis);
  const std::vector<ExprId>& out = ctx.resultIndex();
  std::vector<ExprId> indexIndex(out.begin() + axis, out.begin() + axis + static_cast<int64_t>(indices.size()));
  INGOT_ASSIGN_OR_RETURN(ExprId raw, ctx.operandAt(1, indexIndex));
  ExprId i = b.cast(raw, DType::I64);
  const int64_t dim = data[ax];
  i = b.select(b.binary(BinaryOp::Lt, i, b.constInt(0)), b.binary(BinaryOp::Add, i, b.constInt(dim)), i);
  i = b.binary(BinaryOp::Min, b.binary(BinaryOp::Max, i, b.constInt(0)), b.constInt(std::max<int64_t>(dim - 1, 0)));
  std::vector<ExprId> index(out.begin(), out.begin() + axis);
  index.push_back(i);
  index.insert(index.end(), out.begin() + axis + static_cast<int64_t>(indices.size()), out.end());
  INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(0, index));
  ctx.setResult(v);
  return Status::ok();
}

}  // namespace

// OneHot with integer indices: values[1] where the (wrapped) index equals
// the position along the new axis, values[0] elsewhere; an index outside
// [-depth, depth) is hot nowhere, as in the reference kernel. Float indices
// (truncated, NaN/inf checks) stay with the reference kernel.
Status oneHot(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const TensorType& indices = ctx.op().operandType(0);
  if (!isInteger(indices.dtype) || indices.dtype == DType::U64) return ctx.unsupported("index dtype");
  const int64_t depth = ctx.op().getInt("depth");
  const auto rank = static_cast<int64_t>(indices.shape.size()) + 1;
  int64_t axis = ctx.op().getInt("axis");
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return ctx.unsupported("bad axis");
  std::vector<ExprId> at = ctx.resultIndex();
  const ExprId position = at[static_cast<size_t>(axis)];
  at.erase(at.begin() + axis);
  INGOT_ASSIGN_OR_RETURN(ExprId raw, ctx.operandAt(0, at));
  ExprId index = b.cast(raw, DType::I64);
  index = b.select(b.binary(BinaryOp::Lt, index, b.constInt(0)), b.binary(BinaryOp::Add, index, b.constInt(depth)), index);
  INGOT_ASSIGN_OR_RETURN(ExprId off, ctx.operandFlat(1, b.constInt(0)));
  INGOT_ASSIGN_OR_RETURN(ExprId on, ctx.operandFlat(1, b.constInt(1)));
  ctx.setResult(b.select(b.binary(BinaryOp::Eq, index, position), on, off));
  return Status::ok();
}

void registerShapeLowerings(OpRegistry& r) {
  for (const char* name : {"Reshape", "Flatten", "Squeeze", "Unsqueeze"}) attach(r, name, view);
  attach(r, "Transpose", transpose);
  attach(r, "Expand", expand);
  attach(r, "Tile", tile);
  attach(r, "Slice", slice);
  attach(r, "Concat", concat);
  attach(r, "Gather", gather);
  attach(r, "OneHot", oneHot);
}

}  // namespace ingot::ir::lowering
