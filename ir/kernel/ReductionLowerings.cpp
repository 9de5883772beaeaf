// Loop-level forms of the reductions. These are root rules: the grid runs
// over the kept dims, serial loops over the reduced ones accumulate, and the
// rule stores each result element. Accumulators have the data's dtype (the
// reference accumulates f32 in double; sums of many f32 values therefore
// differ by a few ulp per element added).
#include <cmath>

#include "ir/kernel/LoweringRules.h"
#include "ir/ops/OpUtil.h"

namespace ingot::ir::lowering {

namespace {

using kir::BinaryOp;
using kir::ExprId;
using kir::UnaryOp;
using kir::VarId;

struct Reducer {
  bool floatOnly;
  double init;  // start value (converted to the dtype; ±inf -> its limits for ints)
  // Combines the accumulator with one element.
  std::function<ExprId(kir::KernelBuilder&, ExprId acc, ExprId x)> add;
  // The result from the accumulator and the element count.
  std::function<ExprId(kir::KernelBuilder&, ExprId acc, int64_t count, DType t)> finish;
};

ExprId identityFinish(kir::KernelBuilder&, ExprId acc, int64_t, DType) { return acc; }

ExprId initValue(kir::KernelBuilder& b, DType t, double v) {
  if (isFloat(t)) return b.constFloat(v, t);
  int64_t i = 0;
  visitDType(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      if (v == INFINITY) i = static_cast<int64_t>(std::numeric_limits<T>::max());
      else if (v == -INFINITY) i = static_cast<int64_t>(std::numeric_limits<T>::lowest());
      else i = static_cast<int64_t>(v);
    }
  });
  return b.constInt(i, t);
}

// One serial loop per reduced dim (dims of extent 1 are index 0); `body`
// receives the full operand index.
void forEachReduced(kir::KernelBuilder& b, const Shape& shape, const std::vector<bool>& reduced,
                    std::vector<ExprId> index, size_t d, const std::function<Status(const std::vector<ExprId>&)>& body,
                    Status& status) {
  if (!status.isOk()) return;
  if (d == shape.size()) {
    status = body(index);
    return;
  }
  if (!reduced[d] || shape[d] == 1) {
    if (reduced[d]) index[d] = b.constInt(0);
    forEachReduced(b, shape, reduced, std::move(index), d + 1, body, status);
    return;
  }
  VarId v = b.beginFor("r", shape[d]);
  index[d] = b.var(v);
  forEachReduced(b, shape, reduced, std::move(index), d + 1, body, status);
  b.endFor();
}

LoweringRule reduceRule(Reducer red) {
  return [red = std::move(red)](LoweringContext& ctx) -> Status {
    kir::KernelBuilder& b = ctx.builder();
    const TensorType& x = ctx.op().operandType(0);
    const DType t = x.dtype;
    if (t == DType::Bool || (red.floatOnly && !isFloat(t))) return ctx.unsupported("dtype");
    INGOT_ASSIGN_OR_RETURN(ops::ReducePlan plan, ops::planReduce(ctx.op(), x.shape));
    if (plan.identity) return ctx.unsupported("noop reduction");
    Shape kept;
    int64_t count = 1;
    for (size_t d = 0; d < x.shape.size(); ++d) {
      if (!plan.reduced[d]) kept.push_back(x.shape[d]);
      else count *= x.shape[d];
    }
    std::vector<ExprId> grid = ctx.setGrid(kept);
    std::vector<ExprId> index(x.shape.size(), kir::kNoExpr), resultIndex;
    const bool keepDims = plan.result.size() == x.shape.size();
    for (size_t d = 0, k = 0; d < x.shape.size(); ++d) {
      if (!plan.reduced[d]) {
        index[d] = grid[k++];
        resultIndex.push_back(index[d]);
      } else if (keepDims) {
        resultIndex.push_back(b.constInt(0));
      }
    }
    VarId acc = b.acc("acc", initValue(b, t, red.init));
    Status status;
    forEachReduced(b, x.shape, plan.reduced, index, 0, [&](const std::vector<ExprId>& at) -> Status {
      INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(0, at));
      b.assign(acc, red.add(b, b.var(acc), v));
      return Status::ok();
    }, status);
    INGOT_RETURN_IF_ERROR(status);
    return ctx.storeResult(0, resultIndex, red.finish(b, b.var(acc), count, t));
  };
}

ExprId sum(kir::KernelBuilder& b, ExprId acc, ExprId x) { return b.binary(BinaryOp::Add, acc, x); }

// log(sum(e^x)), stable: the maximum first, then the shifted sum.
Status logSumExp(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const TensorType& x = ctx.op().operandType(0);
  if (!isFloat(x.dtype)) return ctx.unsupported("dtype");
  INGOT_ASSIGN_OR_RETURN(ops::ReducePlan plan, ops::planReduce(ctx.op(), x.shape));
  if (plan.identity) return ctx.unsupported("noop reduction");
  Shape kept;
  for (size_t d = 0; d < x.shape.size(); ++d)
    if (!plan.reduced[d]) kept.push_back(x.shape[d]);
  std::vector<ExprId> grid = ctx.setGrid(kept);
  std::vector<ExprId> index(x.shape.size(), kir::kNoExpr), resultIndex;
  const bool keepDims = plan.result.size() == x.shape.size();
  for (size_t d = 0, k = 0; d < x.shape.size(); ++d) {
    if (!plan.reduced[d]) resultIndex.push_back(index[d] = grid[k++]);
    else if (keepDims) resultIndex.push_back(b.constInt(0));
  }
  const DType t = x.dtype;
  VarId m = b.acc("max", b.constFloat(-INFINITY, t));
  Status status;
  forEachReduced(b, x.shape, plan.reduced, index, 0, [&](const std::vector<ExprId>& at) -> Status {
    INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(0, at));
    b.assign(m, b.binary(BinaryOp::Max, b.var(m), v));
    return Status::ok();
  }, status);
  INGOT_RETURN_IF_ERROR(status);
  // An all -inf (or empty) slice sums e^-inf = 0 around a shift of 0.
  ExprId shift = b.select(b.binary(BinaryOp::Eq, b.var(m), b.constFloat(-INFINITY, t)), b.constFloat(0, t), b.var(m));
  VarId shiftVar = b.let("shift", shift);
  VarId s = b.acc("sum", b.constFloat(0, t));
  forEachReduced(b, x.shape, plan.reduced, index, 0, [&](const std::vector<ExprId>& at) -> Status {
    INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(0, at));
    ExprId e = b.unary(UnaryOp::Exp, b.binary(BinaryOp::Sub, v, b.var(shiftVar)));
    b.assign(s, b.binary(BinaryOp::Add, b.var(s), e));
    return Status::ok();
  }, status);
  INGOT_RETURN_IF_ERROR(status);
  return ctx.storeResult(0, resultIndex, b.binary(BinaryOp::Add, b.unary(UnaryOp::Log, b.var(s)), b.var(shiftVar)));
}

// Softmax / LogSoftmax along one axis: max, then the sum of shifted
// exponentials, then every element of the slice.
template <bool Log>
Status softmax(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const TensorType& x = ctx.op().operandType(0);
  const DType t = x.dtype;
  const auto rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = ctx.op().getInt("axis");
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return ctx.unsupported("bad axis");
  const auto ax = static_cast<size_t>(axis);
  Shape kept = x.shape;
  kept.erase(kept.begin() + axis);
  std::vector<ExprId> grid = ctx.setGrid(kept);
  std::vector<ExprId> index = grid;
  index.insert(index.begin() + axis, kir::kNoExpr);
  auto at = [&](ExprId j) {
    std::vector<ExprId> i = index;
    i[ax] = j;
    return i;
  };
  const int64_t n = x.shape[ax];
  VarId m = b.acc("max", b.constFloat(-INFINITY, t));
  VarId j = b.beginFor("j", n);
  INGOT_ASSIGN_OR_RETURN(ExprId v0, ctx.operandAt(0, at(b.var(j))));
  b.assign(m, b.binary(BinaryOp::Max, b.var(m), v0));
  b.endFor();
  VarId s = b.acc("sum", b.constFloat(0, t));
  j = b.beginFor("j", n);
  INGOT_ASSIGN_OR_RETURN(ExprId v1, ctx.operandAt(0, at(b.var(j))));
  b.assign(s, b.binary(BinaryOp::Add, b.var(s), b.unary(UnaryOp::Exp, b.binary(BinaryOp::Sub, v1, b.var(m)))));
  b.endFor();
  VarId norm = b.let("norm", Log ? b.unary(UnaryOp::Log, b.var(s)) : b.binary(BinaryOp::Div, b.constFloat(1, t), b.var(s)));
  j = b.beginFor("j", n);
  INGOT_ASSIGN_OR_RETURN(ExprId v2, ctx.operandAt(0, at(b.var(j))));
  ExprId shifted = b.binary(BinaryOp::Sub, v2, b.var(m));
  ExprId y = Log ? b.binary(BinaryOp::Sub, shifted, b.var(norm))
                 : b.binary(BinaryOp::Mul, b.unary(UnaryOp::Exp, shifted), b.var(norm));
  INGOT_RETURN_IF_ERROR(ctx.storeResult(0, at(b.var(j)), y));
  b.endFor();
  return Status::ok();
}

// ArgMax / ArgMin along one axis, exactly as the reference kernel: the first
// extreme element (the last with select_last_index), and a NaN counts as the
// extreme (the first NaN, or the last with select_last_index).
template <bool IsMax>
Status argExtreme(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const TensorType& x = ctx.op().operandType(0);
  const DType t = x.dtype;
  if (t == DType::Bool) return ctx.unsupported("dtype");
  const auto rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = ctx.op().getInt("axis");
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank || x.shape[static_cast<size_t>(axis)] < 1) return ctx.unsupported("bad axis");
  const auto ax = static_cast<size_t>(axis);
  const bool takeLast = ctx.op().getInt("select_last_index") != 0;
  const bool keepDims = ctx.op().getInt("keepdims") != 0;
  Shape kept = x.shape;
  kept.erase(kept.begin() + axis);
  std::vector<ExprId> grid = ctx.setGrid(kept);
  std::vector<ExprId> index = grid;
  index.insert(index.begin() + axis, b.constInt(0));
  INGOT_ASSIGN_OR_RETURN(ExprId first, ctx.operandAt(0, index));
  VarId best = b.acc("best", first);
  VarId bestAt = b.acc("best_at", b.constInt(0));
  VarId j = b.beginFor("j", x.shape[ax] - 1);
  ExprId at = b.binary(BinaryOp::Add, b.var(j), b.constInt(1));
  index[ax] = at;
  INGOT_ASSIGN_OR_RETURN(ExprId c, ctx.operandAt(0, index));
  ExprId cur = b.var(best);
  ExprId better = b.select(b.binary(BinaryOp::Eq, c, cur), b.constBool(takeLast),
                           b.binary(IsMax ? BinaryOp::Gt : BinaryOp::Lt, c, cur));
  if (isFloat(t)) {
    ExprId curNan = b.unary(UnaryOp::IsNaN, cur), cNan = b.unary(UnaryOp::IsNaN, c);
    better = b.select(curNan, takeLast ? cNan : b.constBool(false), b.select(cNan, b.constBool(true), better));
  }
  // Both updates read the comparison with the old best.
  const ExprId isBetter = b.var(b.let("better", better));
  b.assign(bestAt, b.select(isBetter, at, b.var(bestAt)));
  b.assign(best, b.select(isBetter, c, cur));
  b.endFor();
  std::vector<ExprId> out = grid;
  if (keepDims) out.insert(out.begin() + axis, b.constInt(0));
  return ctx.storeResult(0, out, b.var(bestAt));
}

// NegativeLogLikelihoodLoss on input [N, C] (rank 2; higher ranks keep the
// reference kernel): -weight[t] * input[n, t] per sample, 0 where t is
// ignore_index; sums and the weight total in f64 as the reference does. A
// target outside [0, C) that is not ignore_index makes the value NaN (the
// reference kernel reports an error; a kernel cannot), and the load stays in
// bounds.
Status negativeLogLikelihood(LoweringContext& ctx) {
  kir::KernelBuilder& b = ctx.builder();
  const TensorType& x = ctx.op().operandType(0);
  if (x.shape.size() != 2) return ctx.unsupported("input of rank other than 2");
  const int64_t n = x.shape[0], classes = x.shape[1];
  const DType t = x.dtype;
  const std::string reduction = ctx.op().getString("reduction");
  const int64_t ignoreIndex = ctx.op().getInt("ignore_index");
  const bool weighted = ctx.op().hasOperand(2);
  // Per sample i: (value, weight) in f64.
  auto sample = [&](ExprId i) -> Expected<std::pair<ExprId, ExprId>> {
    INGOT_ASSIGN_OR_RETURN(ExprId rawTarget, ctx.operandAt(1, {i}));
    ExprId target = b.cast(rawTarget, DType::I64);
    ExprId ignored = b.binary(BinaryOp::Eq, target, b.constInt(ignoreIndex));
    ExprId inRange = b.binary(BinaryOp::And, b.binary(BinaryOp::Ge, target, b.constInt(0)),
                              b.binary(BinaryOp::Lt, target, b.constInt(classes)));
    ExprId safe = b.select(inRange, target, b.constInt(0));
    INGOT_ASSIGN_OR_RETURN(ExprId logp, ctx.operandAt(0, {i, safe}));
    ExprId w = b.constFloat(1, DType::F64);
    if (weighted) {
      INGOT_ASSIGN_OR_RETURN(ExprId wv, ctx.operandAt(2, {safe}));
      w = b.cast(wv, DType::F64);
    }
    ExprId value = b.binary(BinaryOp::Mul, b.unary(UnaryOp::Neg, w), b.cast(logp, DType::F64));
    value = b.select(inRange, value, b.constFloat(NAN, DType::F64));
    ExprId zero = b.constFloat(0, DType::F64);
    return std::make_pair(b.select(ignored, zero, value), b.select(ignored, zero, w));
  };
  if (reduction == "none") {
    std::vector<ExprId> grid = ctx.setGrid({n});
    INGOT_ASSIGN_OR_RETURN(auto vw, sample(grid[0]));
    return ctx.storeResult(0, grid, b.cast(vw.first, t));
  }
  ctx.setGrid({});
  VarId sum = b.acc("sum", b.constFloat(0, DType::F64));
  VarId weights = b.acc("weights", b.constFloat(0, DType::F64));
  VarId i = b.beginFor("n", n);
  INGOT_ASSIGN_OR_RETURN(auto vw, sample(b.var(i)));
  b.assign(sum, b.binary(BinaryOp::Add, b.var(sum), vw.first));
  b.assign(weights, b.binary(BinaryOp::Add, b.var(weights), vw.second));
  b.endFor();
  ExprId result = reduction == "sum" ? b.var(sum) : b.binary(BinaryOp::Div, b.var(sum), b.var(weights));
  return ctx.storeResult(0, {}, b.cast(result, t));
}

}  // namespace

void registerReductionLowerings(OpRegistry& r) {
  auto absOf = [](kir::KernelBuilder& b, ExprId x) { return b.unary(UnaryOp::Abs, x); };
  attach(r, "ReduceSum", reduceRule({false, 0, sum, identityFinish}));
  attach(r, "ReduceProd", reduceRule({false, 1, [](kir::KernelBuilder& b, ExprId a, ExprId x) {
                                        return b.binary(BinaryOp::Mul, a, x);
                                      }, identityFinish}));
  attach(r, "ReduceMax", reduceRule({false, -INFINITY, [](kir::KernelBuilder& b, ExprId a, ExprId x) {
                                       return b.binary(BinaryOp::Max, a, x);
                                     }, identityFinish}));
  attach(r, "ReduceMin", reduceRule({false, INFINITY, [](kir::KernelBuilder& b, ExprId a, ExprId x) {
                                       return b.binary(BinaryOp::Min, a, x);
                                     }, identityFinish}));
  attach(r, "ReduceMean", reduceRule({true, 0, sum, [](kir::KernelBuilder& b, ExprId acc, int64_t count, DType t) {
                                        return b.binary(BinaryOp::Div, acc, b.constFloat(static_cast<double>(count), t));
                                      }}));
  attach(r, "ReduceL1", reduceRule({false, 0, [absOf](kir::KernelBuilder& b, ExprId a, ExprId x) {
                                      return b.binary(BinaryOp::Add, a, absOf(b, x));
                                    }, identityFinish}));
  auto square = [](kir::KernelBuilder& b, ExprId a, ExprId x) { return b.binary(BinaryOp::Add, a, b.binary(BinaryOp::Mul, x, x)); };
  attach(r, "ReduceSumSquare", reduceRule({false, 0, square, identityFinish}));
  attach(r, "ReduceL2", reduceRule({true, 0, square, [](kir::KernelBuilder& b, ExprId acc, int64_t, DType) {
                                      return b.unary(UnaryOp::Sqrt, acc);
                                    }}));
  attach(r, "ReduceLogSum", reduceRule({true, 0, sum, [](kir::KernelBuilder& b, ExprId acc, int64_t, DType) {
                                          return b.unary(UnaryOp::Log, acc);
                                        }}));
  attach(r, "ReduceLogSumExp", logSumExp);
  attach(r, "Softmax", softmax<false>);
  attach(r, "LogSoftmax", softmax<true>);
  attach(r, "ArgMax", argExtreme<true>);
  attach(r, "ArgMin", argExtreme<false>);
  attach(r, "NegativeLogLikelihoodLoss", negativeLogLikelihood);
}

}  // namespace ingot::ir::lowering
