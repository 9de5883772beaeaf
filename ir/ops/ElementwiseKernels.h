// Turns a scalar functor into an op's type rule and reference kernel, for
// the elementwise and activation families. A functor is a struct whose call
// operator is a constrained template, e.g.
//
//   struct Exp { template <Floating T> T operator()(T x) const { ... } };
//
// The constraint is the single statement of which dtypes the op accepts: the
// type rule accepts exactly the dtypes the functor can be called with, and
// the result dtype is the call's return type (bool for comparisons). A
// functor that reads attributes has a constructor taking `const OpContext&`;
// one that must check attribute values has
// `static Status validate(const OpContext&)`.
#pragma once

#include <type_traits>

#include "ir/ops/OpUtil.h"

namespace ingot::ir::ops {

template <class Fn>
Fn makeFunctor(const OpContext& ctx) {
  if constexpr (std::is_constructible_v<Fn, const OpContext&>) return Fn(ctx);
  else return Fn{};
}

template <class Fn>
Status validateFunctor(const OpContext& ctx) {
  if constexpr (requires { Fn::validate(ctx); }) return Fn::validate(ctx);
  else return Status::ok();
}

// Dtypes T for which Fn can be called with `Arity` arguments of type T.
template <class Fn, int Arity>
DTypeSet functorDTypes() {
  return dtypesWhere([](auto tag) {
    using T = decltype(tag);
    if constexpr (Arity == 1) return std::is_invocable_v<const Fn&, T>;
    else return std::is_invocable_v<const Fn&, T, T>;
  });
}

// The dtype Fn returns for arguments of dtype `t` (which Fn must accept).
template <class Fn, int Arity>
DType functorResultDType(DType t) {
  DType result = t;
  visitDType(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (Arity == 1 && std::is_invocable_v<const Fn&, T>)
      result = DTypeOf<std::invoke_result_t<const Fn&, T>>::value;
    else if constexpr (Arity == 2 && std::is_invocable_v<const Fn&, T, T>)
      result = DTypeOf<std::invoke_result_t<const Fn&, T, T>>::value;
  });
  return result;
}

// out[i] = fn(x[i]); same shape.
template <class Fn>
RuleAndKernel unaryOp() {
  TypeRule rule = [](const OpContext& ctx) -> Expected<std::vector<TensorType>> {
    INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, functorDTypes<Fn, 1>()));
    INGOT_RETURN_IF_ERROR(validateFunctor<Fn>(ctx));
    const TensorType& x = ctx.operandType(0);
    return std::vector<TensorType>{{functorResultDType<Fn, 1>(x.dtype), x.shape}};
  };
  ReferenceKernel kernel = [](const OpContext& ctx, KernelInputs in, ResultTypes rt) -> KernelResult {
    const Tensor& x = *in[0];
    Tensor out = emptyResult(rt[0]);
    const Fn fn = makeFunctor<Fn>(ctx);
    Status inner;
    INGOT_RETURN_IF_ERROR(dispatchDType(ctx, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_invocable_v<const Fn&, T>) {
        using R = std::invoke_result_t<const Fn&, T>;
        const T* src = x.data<T>();
        R* dst = out.data<R>();
        for (int64_t i = 0; i < x.numElements(); ++i) dst[i] = fn(src[i]);
      } else {
        inner = kernelDTypeBug(ctx, x.dtype());
      }
    }));
    INGOT_RETURN_IF_ERROR(inner);
    return single(std::move(out));
  };
  return {std::move(rule), std::move(kernel)};
}

// out[i] = fn(a[i], b[i]) with numpy broadcasting; a and b share a dtype.
template <class Fn>
RuleAndKernel binaryOp() {
  TypeRule rule = [](const OpContext& ctx) -> Expected<std::vector<TensorType>> {
    INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, functorDTypes<Fn, 2>()));
    INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 0, 1));
    INGOT_RETURN_IF_ERROR(validateFunctor<Fn>(ctx));
    auto shape = broadcastShapes(ctx.operandType(0).shape, ctx.operandType(1).shape);
    if (!shape.ok()) return shape.status().withContext(ctx.label());
    return std::vector<TensorType>{{functorResultDType<Fn, 2>(ctx.operandType(0).dtype), *shape}};
  };
  ReferenceKernel kernel = [](const OpContext& ctx, KernelInputs in, ResultTypes rt) -> KernelResult {
    const Tensor& a = *in[0];
    const Tensor& b = *in[1];
    Tensor out = emptyResult(rt[0]);
    const std::vector<int64_t> ia = broadcastSourceIndices(a.shape(), out.shape());
    const std::vector<int64_t> ib = broadcastSourceIndices(b.shape(), out.shape());
    const Fn fn = makeFunctor<Fn>(ctx);
    Status inner;
    INGOT_RETURN_IF_ERROR(dispatchDType(ctx, a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_invocable_v<const Fn&, T, T>) {
        using R = std::invoke_result_t<const Fn&, T, T>;
        const T* pa = a.data<T>();
        const T* pb = b.data<T>();
        R* dst = out.data<R>();
        for (size_t i = 0; i < ia.size(); ++i) dst[i] = fn(pa[ia[i]], pb[ib[i]]);
      } else {
        inner = kernelDTypeBug(ctx, a.dtype());
      }
    }));
    INGOT_RETURN_IF_ERROR(inner);
    return single(std::move(out));
  };
  return {std::move(rule), std::move(kernel)};
}

// Variadic fold with broadcasting (Max, Min, Sum, Mean): every operand has
// the same dtype, out[i] = fn(...fn(fn(x0[i], x1[i]), x2[i])...), then
// Fn::finish(acc, operandCount) when the functor has one (Mean divides).
template <class Fn>
RuleAndKernel variadicFoldOp() {
  TypeRule rule = [](const OpContext& ctx) -> Expected<std::vector<TensorType>> {
    std::vector<Shape> shapes;
    for (size_t i = 0; i < ctx.numOperands(); ++i) {
      if (i == 0) INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, functorDTypes<Fn, 2>()));
      else INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 0, i));
      shapes.push_back(ctx.operandType(i).shape);
    }
    auto shape = broadcastShapes(shapes);
    if (!shape.ok()) return shape.status().withContext(ctx.label());
    return std::vector<TensorType>{{ctx.operandType(0).dtype, *shape}};
  };
  ReferenceKernel kernel = [](const OpContext& ctx, KernelInputs in, ResultTypes rt) -> KernelResult {
    Tensor out = emptyResult(rt[0]);
    const Fn fn = makeFunctor<Fn>(ctx);
    Status inner;
    INGOT_RETURN_IF_ERROR(dispatchDType(ctx, out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_invocable_r_v<T, const Fn&, T, T>) {
        T* dst = out.data<T>();
        for (size_t k = 0; k < in.size(); ++k) {
          const std::vector<int64_t> idx = broadcastSourceIndices(in[k]->shape(), out.shape());
          const T* src = in[k]->data<T>();
          for (size_t i = 0; i < idx.size(); ++i) dst[i] = k == 0 ? src[idx[i]] : fn(dst[i], src[idx[i]]);
        }
        if constexpr (requires { Fn::finish(T{}, int64_t{}); })
          for (int64_t i = 0; i < out.numElements(); ++i)
            dst[i] = Fn::finish(dst[i], static_cast<int64_t>(in.size()));
      } else {
        inner = kernelDTypeBug(ctx, out.dtype());
      }
    }));
    INGOT_RETURN_IF_ERROR(inner);
    return single(std::move(out));
  };
  return {std::move(rule), std::move(kernel)};
}

}  // namespace ingot::ir::ops

namespace ingot::ir::ops {

// One row of an op table: an op defined by a scalar functor.
struct FunctorOpRow {
  std::string name;
  std::string summary;
  RuleAndKernel impl;
  std::vector<AttrSpec> attrs = {};
};

// Registers every row as an op with the given operands and fusion class.
inline void registerFunctorOps(OpRegistry& registry, std::vector<FunctorOpRow> rows,
                               const std::vector<OperandSpec>& operands, FusionClass fusion) {
  for (FunctorOpRow& row : rows) {
    OpDef def;
    def.name = std::move(row.name);
    def.summary = std::move(row.summary);
    def.operands = operands;
    def.attrs = std::move(row.attrs);
    def.fusion = fusion;
    def.inferTypes = std::move(row.impl.rule);
    def.reference = std::move(row.impl.kernel);
    registerOp(registry, std::move(def));
  }
}

// A float function computed in double whatever the element type, then
// rounded once: the oracle's f32 results are correctly rounded values of
// the exact function (as far as libm's double is).
template <auto F>
struct FloatFn {
  template <Floating T>
  T operator()(T x) const {
    return static_cast<T>(F(static_cast<double>(x)));
  }
};

}  // namespace ingot::ir::ops
