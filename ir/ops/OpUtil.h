// Helpers shared by the op families in ir/ops/: dtype sets and checks for
// type rules, dtype dispatch for kernels, numpy-broadcast index maps and
// overflow-safe integer arithmetic. Internal to ir/ops/.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "ir/OpRegistry.h"
#include "ir/ShapeUtil.h"
#include "support/DType.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::ir::ops {

// ---------------------------------------------------------------------------
// Dtype sets for type rules.

class DTypeSet {
 public:
  constexpr DTypeSet() = default;
  constexpr DTypeSet(std::initializer_list<DType> types) {
    for (DType t : types) add(t);
  }
  constexpr void add(DType t) { bits_ |= bit(t); }
  constexpr bool contains(DType t) const { return (bits_ & bit(t)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr DTypeSet operator|(DTypeSet o) const {
    DTypeSet s;
    s.bits_ = bits_ | o.bits_;
    return s;
  }
  std::string toString() const;  // "f32, f64"

 private:
  static constexpr uint32_t bit(DType t) { return uint32_t{1} << static_cast<unsigned>(t); }
  uint32_t bits_ = 0;
};

inline constexpr DTypeSet kFloatTypes{DType::F32, DType::F64};
inline constexpr DTypeSet kSignedIntTypes{DType::I8, DType::I16, DType::I32, DType::I64};
inline constexpr DTypeSet kUnsignedIntTypes{DType::U8, DType::U16, DType::U32, DType::U64};
inline constexpr DTypeSet kIntTypes = kSignedIntTypes | kUnsignedIntTypes;
inline constexpr DTypeSet kNumericTypes = kFloatTypes | kIntTypes;
inline constexpr DTypeSet kBoolType{DType::Bool};
// Everything the reference interpreter computes (all but f16/bf16).
inline constexpr DTypeSet kComputableTypes = kNumericTypes | kBoolType;

// ---------------------------------------------------------------------------
// C++ element-type categories; kernels constrain their scalar functions with
// these, and the op's accepted dtypes follow from those constraints.

template <class T>
concept Number = std::is_arithmetic_v<T> && !std::same_as<T, bool>;
template <class T>
concept SignedNumber = Number<T> && std::is_signed_v<T>;
template <class T>
concept Integer = std::integral<T> && !std::same_as<T, bool>;
template <class T>
concept Floating = std::floating_point<T>;
// Functor parameters must be constrained templates, never plain `bool`
// parameters: those would accept every arithmetic type by conversion.
template <class T>
concept Boolean = std::same_as<T, bool>;

// The dtypes for whose C++ element type T `pred(T{})` is true.
template <class Pred>
DTypeSet dtypesWhere(Pred pred) {
  DTypeSet s;
  for (DType t : kAllDTypes)
    visitDType(t, [&](auto tag) {
      if (pred(tag)) s.add(t);
    });
  return s;
}

// ---------------------------------------------------------------------------
// Type-rule checks. Each returns an error naming the node, the operand and
// the expected vs the actual dtype; f16/bf16 get an Unsupported error (a
// valid model ingot cannot compute yet), other mismatches InvalidInput.

// The operand's name from the op's spec ("A"), with an index for variadic
// operands ("inputs[2]").
std::string operandName(const OpContext& ctx, size_t i);
Status checkDType(const OpContext& ctx, std::string_view what, DType t, DTypeSet allowed);
Status checkOperandDType(const OpContext& ctx, size_t i, DTypeSet allowed);
// Operands i and j (both present) have the same dtype.
Status checkSameDType(const OpContext& ctx, size_t i, size_t j);
// Prefixes a ShapeUtil error with the node label and the attribute name.
Status attrError(const OpContext& ctx, std::string_view attr, const Status& s);
// Shape from an attribute (Expand, Tile, ConstantOfShape, ...): dims >= 0,
// element count fits int64.
Status checkAttrShape(const OpContext& ctx, std::string_view attr, const Shape& shape);

// ---------------------------------------------------------------------------
// Kernel plumbing.

// Adds `def` to the registry with its kernel guarded: before the kernel runs,
// the type rule is re-run on the actual operands and must accept them and
// yield exactly the result types the caller asked for. Kernels may therefore
// rely on everything their type rule checked (dtypes, shapes, attributes),
// and an inconsistent node is an error value instead of a bad memory access.
void registerOp(OpRegistry& registry, OpDef def);

// An OpDef from its parts, for the op tables.
OpDef makeOp(std::string name, std::string summary, std::vector<OperandSpec> operands, std::vector<AttrSpec> attrs,
             FusionClass fusion, TypeRule rule, ReferenceKernel kernel, int numResults = 1);

// Copies element `from` of `src` to element `to` of `dst` (same dtype).
void copyElement(Tensor& dst, int64_t to, const Tensor& src, int64_t from);

using KernelInputs = std::span<const Tensor* const>;
using ResultTypes = std::span<const TensorType>;
using KernelResult = Expected<std::vector<Tensor>>;

// An op's two functions, as table rows hold them.
struct RuleAndKernel {
  TypeRule rule;
  ReferenceKernel kernel;
};

inline Tensor emptyResult(const TensorType& t) { return Tensor(t.dtype, t.shape); }
inline KernelResult single(Tensor t) {
  std::vector<Tensor> out;
  out.push_back(std::move(t));
  return out;
}

// Calls f(T{}) for the element type of `t`; f16/bf16 -> Unsupported.
template <class F>
Status dispatchDType(const OpContext& ctx, DType t, F&& f) {
  if (!visitDType(t, std::forward<F>(f)))
    return ctx.unsupportedError("the reference interpreter does not compute dtype {}", dtypeName(t));
  return Status::ok();
}

// Kernels reach this when a type rule let through a dtype the kernel's
// scalar function does not take: a bug in ingot, not in the model.
inline Status kernelDTypeBug(const OpContext& ctx, DType t) {
  return internalError("{}: kernel has no instance for dtype {} (type rule and kernel disagree)",
                       ctx.label(), dtypeName(t));
}

// For every element of `outShape` in row-major order, the linear index of the
// element of a tensor of shape `inShape` that numpy broadcasting reads.
// `inShape` must broadcast to `outShape`.
std::vector<int64_t> broadcastSourceIndices(const Shape& inShape, const Shape& outShape);

// Steps a row-major multi-index to the next element of `shape`; returns false
// after the last one (the index is then all zeros again).
bool nextIndex(std::vector<int64_t>& index, const Shape& shape);

// Splits `shape` around `axis` into (outer, axis dim, inner) counts so that
// element (o, a, i) sits at linear index (o * dim + a) * inner + i.
struct AxisSplit {
  int64_t outer = 1, dim = 1, inner = 1;
};
AxisSplit splitAtAxis(const Shape& shape, int64_t axis);

// ---------------------------------------------------------------------------
// Integer arithmetic that wraps modulo 2^bits instead of overflowing (signed
// overflow is undefined behaviour in C++; ONNX runtimes wrap). Floats use the
// plain operators.

template <class T>
T wrapAdd(T a, T b) {
  if constexpr (Integer<T>) return static_cast<T>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  else return a + b;
}
template <class T>
T wrapSub(T a, T b) {
  if constexpr (Integer<T>) return static_cast<T>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  else return a - b;
}
template <class T>
T wrapMul(T a, T b) {
  if constexpr (Integer<T>) return static_cast<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  else return a * b;
}
template <class T>
T wrapNeg(T a) {
  return wrapSub(T{0}, a);
}

// Float -> integer conversion truncating toward zero (ONNX Cast). C++ leaves
// NaN and out-of-range conversions undefined; ingot defines them: NaN -> 0,
// values beyond the type's range saturate to its min / max.
template <Integer I>
I floatToInt(double v) {
  if (std::isnan(v)) return 0;
  constexpr int bits = std::numeric_limits<I>::digits;  // value bits, without the sign
  const double limit = std::ldexp(1.0, bits);           // max + 1, exactly representable
  if (v >= limit) return std::numeric_limits<I>::max();
  if (v <= static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  return static_cast<I>(v);  // in range: the conversion truncates toward zero
}

// Accumulator for sums and products: double for floats (the oracle keeps
// f32 sums exact enough), the element type itself for integers (wrapping).
template <class T>
using AccumulatorOf = std::conditional_t<std::is_floating_point_v<T>, double, T>;

// Round half to even (ONNX Round, numpy.round): written out rather than
// relying on the process's floating-point rounding mode. Shared by the
// reference kernel and the dispatch-form interpreter.
inline double roundHalfToEven(double x) {
  const double lower = std::floor(x);
  const double fraction = x - lower;
  if (fraction < 0.5) return lower;
  if (fraction > 0.5) return lower + 1;
  return std::fmod(lower, 2.0) == 0 ? lower : lower + 1;  // exactly .5: pick the even neighbour
}

// Slice's start and step per input dim after ONNX's clamping rules, and the
// result shape (ShapeOps.cpp; the lowering rule reads it too).
struct SlicePlan {
  std::vector<int64_t> start, step;  // per input dim
  Shape result;
};
Expected<SlicePlan> planSlice(const OpContext& ctx, const Shape& shape);

// Which input dims a Reduce* node reduces, with its attributes applied
// (ReductionOps.cpp; the lowering rules read it too).
struct ReducePlan {
  std::vector<bool> reduced;  // per input dim
  Shape result;
  bool identity = false;  // empty axes with noop_with_empty_axes=1
};
Expected<ReducePlan> planReduce(const OpContext& ctx, const Shape& shape);

}  // namespace ingot::ir::ops
