// Reductions over a set of axes (ReduceSum, ReduceMean, ReduceMax, ...) and
// the index reductions ArgMax / ArgMin along one axis.
//
// Every Reduce* op is one table row holding a reducer: an accumulator type,
// its start value, how an element is added, and how the accumulator becomes
// the result given the number of elements reduced. Attributes (opset 18,
// with ONNX's `axes` input made an attribute): axes (empty = all, unless
// noop_with_empty_axes=1, which makes the op an identity), keepdims.
#include <cmath>
#include <limits>

#include "ir/ops/OpUtil.h"

namespace ingot::ir {
namespace {

using namespace ops;

constexpr double kInf = std::numeric_limits<double>::infinity();

struct SumReducer {
  template <class T> static constexpr bool accepts = Number<T>;
  template <class T> using Acc = AccumulatorOf<T>;
  template <class T> static Acc<T> init() { return 0; }
  template <class T> static void add(Acc<T>& acc, T x) { acc = wrapAdd(acc, static_cast<Acc<T>>(x)); }
  template <class T> static T finish(Acc<T> acc, int64_t) { return static_cast<T>(acc); }
};
// Integer means divide the (wrapped) sum with truncation; the mean of no
// elements is NaN for floats (0/0) and 0 for integers.
struct MeanReducer : SumReducer {
  template <class T> static T finish(Acc<T> acc, int64_t count) {
    if constexpr (Integer<T>) return count == 0 ? T{0} : static_cast<T>(acc / static_cast<Acc<T>>(count));
    else return static_cast<T>(acc / static_cast<double>(count));
  }
};
struct ProdReducer {
  template <class T> static constexpr bool accepts = Number<T>;
  template <class T> using Acc = AccumulatorOf<T>;
  template <class T> static Acc<T> init() { return 1; }
  template <class T> static void add(Acc<T>& acc, T x) { acc = wrapMul(acc, static_cast<Acc<T>>(x)); }
  template <class T> static T finish(Acc<T> acc, int64_t) { return static_cast<T>(acc); }
};
// Max / Min propagate NaN (numpy's maximum.reduce); on bool they are any / all.
struct MaxReducer {
  template <class T> static constexpr bool accepts = Number<T> || std::same_as<T, bool>;
  template <class T> using Acc = T;
  template <class T> static T init() {
    if constexpr (Floating<T>) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
  }
  template <class T> static void add(T& acc, T x) {
    if constexpr (Floating<T>)
      if (std::isnan(acc)) return;
    if (!(acc >= x)) acc = x;  // also takes a NaN x
  }
  template <class T> static T finish(T acc, int64_t) { return acc; }
};
struct MinReducer {
  template <class T> static constexpr bool accepts = Number<T> || std::same_as<T, bool>;
  template <class T> using Acc = T;
  template <class T> static T init() {
    if constexpr (Floating<T>) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  template <class T> static void add(T& acc, T x) {
    if constexpr (Floating<T>)
      if (std::isnan(acc)) return;
    if (!(acc <= x)) acc = x;
  }
  template <class T> static T finish(T acc, int64_t) { return acc; }
};
struct L1Reducer : SumReducer {
  template <class T> static void add(Acc<T>& acc, T x) {
    if constexpr (Floating<T>) acc += std::fabs(static_cast<double>(x));
    else if constexpr (std::is_signed_v<T>) acc = wrapAdd(acc, x < 0 ? wrapNeg(x) : x);
    else acc = wrapAdd(acc, x);
  }
};
struct SumSquareReducer : SumReducer {
  template <class T> static void add(Acc<T>& acc, T x) {
    const Acc<T> v = static_cast<Acc<T>>(x);
    acc = wrapAdd(acc, wrapMul(v, v));
  }
};
struct L2Reducer : SumSquareReducer {
  template <class T> static constexpr bool accepts = Floating<T>;
  template <class T> static T finish(double acc, int64_t) { return static_cast<T>(std::sqrt(acc)); }
};
struct LogSumReducer : SumReducer {
  template <class T> static constexpr bool accepts = Floating<T>;
  template <class T> static T finish(double acc, int64_t) { return static_cast<T>(std::log(acc)); }
};
// log(sum(e^x)) kept stable online: `sum` is sum(e^(x - max)) over the
// elements so far, rescaled whenever the maximum grows.
struct LogSumExpReducer {
  struct State {
    double max = -kInf, sum = 0;
  };
  template <class T> static constexpr bool accepts = Floating<T>;
  template <class T> using Acc = State;
  template <class T> static State init() { return {}; }
  template <class T> static void add(State& s, T x) {
    const double v = static_cast<double>(x);
    if (v == -kInf) return;  // contributes e^-inf = 0 (and -inf - -inf would be NaN)
    if (v > s.max) {
      s.sum = s.sum * std::exp(s.max - v) + 1;
      s.max = v;
    } else {
      s.sum += std::exp(v - s.max);  // NaN v lands here and makes the sum NaN
    }
  }
  template <class T> static T finish(const State& s, int64_t) { return static_cast<T>(s.max + std::log(s.sum)); }
};

}  // namespace

namespace ops {
Expected<ReducePlan> planReduce(const OpContext& ctx, const Shape& shape) {
  const std::vector<int64_t> given = ctx.getInts("axes");
  const int64_t rank = static_cast<int64_t>(shape.size());
  ReducePlan plan;
  if (given.empty() && ctx.getInt("noop_with_empty_axes") != 0) {
    plan.identity = true;
    plan.reduced.assign(shape.size(), false);
    plan.result = shape;
    return plan;
  }
  auto axes = normalizeAxes(given, rank);
  if (!axes.ok()) return attrError(ctx, "axes", axes.status());
  plan.reduced.assign(shape.size(), given.empty());
  for (int64_t a : *axes) plan.reduced[a] = true;
  const bool keepDims = ctx.getInt("keepdims") != 0;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!plan.reduced[d]) plan.result.push_back(shape[d]);
    else if (keepDims) plan.result.push_back(1);
  return plan;
}
}  // namespace ops

namespace {
using ops::ReducePlan;
using ops::planReduce;

// A reduction along the plan: every input element is added to the
// accumulator of the result element it maps to.
template <class R>
RuleAndKernel reduceOp(bool emptyIsError) {
  TypeRule rule = [emptyIsError](const OpContext& ctx) -> Expected<std::vector<TensorType>> {
    const DTypeSet accepted = dtypesWhere([](auto tag) { return R::template accepts<decltype(tag)>; });
    INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, accepted));
    const TensorType& x = ctx.operandType(0);
    INGOT_ASSIGN_OR_RETURN(ReducePlan plan, planReduce(ctx, x.shape));
    if (emptyIsError && !plan.identity) {
      for (size_t d = 0; d < x.shape.size(); ++d)
        if (plan.reduced[d] && x.shape[d] == 0)
          return ctx.error("reduces axis {} of {}, which is empty: no {} exists", d, x.toString(), ctx.op().name);
    }
    return std::vector<TensorType>{{x.dtype, plan.result}};
  };
  ReferenceKernel kernel = [](const OpContext& ctx, KernelInputs in, ResultTypes rt) -> KernelResult {
    const Tensor& x = *in[0];
    INGOT_ASSIGN_OR_RETURN(ReducePlan plan, planReduce(ctx, x.shape()));
    if (plan.identity) return single(*in[0]);  // ONNX: "equivalent to the input"
    // Result element of each input element: the input index with reduced
    // dims dropped, linearized (kept size-1 dims do not change it).
    Shape kept = x.shape();
    for (size_t d = 0; d < kept.size(); ++d)
      if (plan.reduced[d]) kept[d] = 1;
    std::vector<int64_t> strides = stridesOf(kept);
    for (size_t d = 0; d < kept.size(); ++d)
      if (plan.reduced[d]) strides[d] = 0;
    const int64_t resultCount = numElements(kept);
    const int64_t perResult = resultCount == 0 ? 0 : x.numElements() / resultCount;

    Tensor out = emptyResult(rt[0]);
    Status inner;
    INGOT_RETURN_IF_ERROR(dispatchDType(ctx, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (R::template accepts<T>) {
        using Acc = typename R::template Acc<T>;
        struct Cell {  // not std::vector<bool>, whose elements are not addressable
          Acc value;
        };
        std::vector<Cell> acc(static_cast<size_t>(resultCount), Cell{R::template init<T>()});
        const T* src = x.data<T>();
        std::vector<int64_t> index(x.shape().size(), 0);
        for (int64_t i = 0; i < x.numElements(); ++i, nextIndex(index, x.shape())) {
          int64_t target = 0;
          for (size_t d = 0; d < index.size(); ++d) target += index[d] * strides[d];
          R::template add<T>(acc[target].value, src[i]);
        }
        T* dst = out.data<T>();
        for (int64_t j = 0; j < resultCount; ++j) dst[j] = R::template finish<T>(acc[j].value, perResult);
      } else {
        inner = kernelDTypeBug(ctx, x.dtype());
      }
    }));
    INGOT_RETURN_IF_ERROR(inner);
    return single(std::move(out));
  };
  return {std::move(rule), std::move(kernel)};
}

// ---------------------------------------------------------------------------
// ArgMax / ArgMin along `axis`: i64 indices of the first extreme element (the
// last with select_last_index=1). NaN counts as the extreme, like numpy.

Expected<std::vector<TensorType>> argTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kNumericTypes));
  const TensorType& x = ctx.operandType(0);
  auto axis = normalizeAxis(ctx.getInt("axis"), static_cast<int64_t>(x.shape.size()));
  if (!axis.ok()) return attrError(ctx, "axis", axis.status());
  if (x.shape[*axis] == 0) return ctx.error("axis {} of {} is empty: there is no {}", *axis, x.toString(), ctx.op().name);
  Shape out = x.shape;
  if (ctx.getInt("keepdims") != 0) out[*axis] = 1;
  else out.erase(out.begin() + *axis);
  return std::vector<TensorType>{{DType::I64, out}};
}

template <bool IsMax>
KernelResult argKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& x = *in[0];
  const int64_t axis = *normalizeAxis(ctx.getInt("axis"), x.rank());  // checked by the type rule
  const bool takeLast = ctx.getInt("select_last_index") != 0;
  const AxisSplit split = splitAtAxis(x.shape(), axis);
  Tensor out = emptyResult(rt[0]);
  int64_t* dst = out.data<int64_t>();
  Status inner;
  INGOT_RETURN_IF_ERROR(dispatchDType(ctx, x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (Number<T>) {
      // Whether x replaces the best so far; ties replace only with takeLast.
      auto better = [&](T candidate, T best) {
        if constexpr (Floating<T>) {
          if (std::isnan(best)) return takeLast && std::isnan(candidate);
          if (std::isnan(candidate)) return true;
        }
        if (candidate == best) return takeLast;
        return IsMax ? candidate > best : candidate < best;
      };
      const T* src = x.data<T>();
      for (int64_t o = 0; o < split.outer; ++o)
        for (int64_t i = 0; i < split.inner; ++i) {
          int64_t bestAt = 0;
          for (int64_t a = 1; a < split.dim; ++a)
            if (better(src[(o * split.dim + a) * split.inner + i], src[(o * split.dim + bestAt) * split.inner + i]))
              bestAt = a;
          dst[o * split.inner + i] = bestAt;
        }
    } else {
      inner = kernelDTypeBug(ctx, x.dtype());
    }
  }));
  INGOT_RETURN_IF_ERROR(inner);
  return single(std::move(out));
}

struct ReduceRow {
  std::string name, summary;
  RuleAndKernel impl;
};

}  // namespace

void registerReductionOps(OpRegistry& r) {
  const std::vector<AttrSpec> reduceAttrs = {
      {"axes", AttrKind::Ints, Attribute(std::vector<int64_t>{})},
      {"keepdims", AttrKind::Int, Attribute(int64_t{1})},
      {"noop_with_empty_axes", AttrKind::Int, Attribute(int64_t{0})}};
  // Max and Min of an empty set do not exist: the type rule rejects them.
  std::vector<ReduceRow> rows = {
      {"ReduceSum", "sum", reduceOp<SumReducer>(false)},
      {"ReduceMean", "arithmetic mean (integers: truncated)", reduceOp<MeanReducer>(false)},
      {"ReduceProd", "product", reduceOp<ProdReducer>(false)},
      // ONNX 18+: an empty reduction gives the identity (-inf / lowest value).
      {"ReduceMax", "maximum (bool: any)", reduceOp<MaxReducer>(false)},
      {"ReduceMin", "minimum (bool: all)", reduceOp<MinReducer>(false)},
      {"ReduceL1", "sum of |x|", reduceOp<L1Reducer>(false)},
      {"ReduceL2", "sqrt(sum of x^2)", reduceOp<L2Reducer>(false)},
      {"ReduceSumSquare", "sum of x^2", reduceOp<SumSquareReducer>(false)},
      {"ReduceLogSum", "log(sum)", reduceOp<LogSumReducer>(false)},
      {"ReduceLogSumExp", "log(sum(e^x)), computed stably", reduceOp<LogSumExpReducer>(false)},
  };
  for (ReduceRow& row : rows) {
    OpDef def;
    def.name = std::move(row.name);
    def.summary = std::move(row.summary) + " over axes";
    def.operands = {{"data"}};
    def.attrs = reduceAttrs;
    def.fusion = FusionClass::Reduction;
    def.inferTypes = std::move(row.impl.rule);
    def.reference = std::move(row.impl.kernel);
    registerOp(r, std::move(def));
  }

  const std::vector<AttrSpec> argAttrs = {{"axis", AttrKind::Int, Attribute(int64_t{0})},
                                          {"keepdims", AttrKind::Int, Attribute(int64_t{1})},
                                          {"select_last_index", AttrKind::Int, Attribute(int64_t{0})}};
  for (auto [name, kernel] : {std::pair<const char*, ReferenceKernel>{"ArgMax", argKernel<true>},
                              std::pair<const char*, ReferenceKernel>{"ArgMin", argKernel<false>}}) {
    OpDef def;
    def.name = name;
    def.summary = "index of the extreme element along axis (i64)";
    def.operands = {{"data"}};
    def.attrs = argAttrs;
    def.fusion = FusionClass::Reduction;
    def.inferTypes = argTypes;
    def.reference = std::move(kernel);
    registerOp(r, std::move(def));
  }
}

}  // namespace ingot::ir
