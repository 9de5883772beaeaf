// Contractions: MatMul (numpy matmul semantics) and Gemm. Both are plain
// triple loops; float sums accumulate in double (the oracle should be the
// most accurate answer), integer sums wrap in the element type.
#include "ir/ops/OpUtil.h"

namespace ingot::ir {
namespace {

using namespace ops;

// Multiply-accumulate in the accumulator type: double for floats, wrapping
// integer arithmetic otherwise.
template <class T>
void multiplyAdd(AccumulatorOf<T>& acc, T a, T b) {
  if constexpr (Floating<T>) acc += static_cast<double>(a) * static_cast<double>(b);
  else acc = wrapAdd(acc, wrapMul(a, b));
}

// ---------------------------------------------------------------------------
// MatMul: operands of rank >= 1. A 1-D A is a row [1,K] and a 1-D B a column
// [K,1]; the added dim is dropped from the result. Dims before the last two
// are batch dims and broadcast (numpy).

struct MatMulShapes {
  Shape batchA, batchB, batch;  // batch dims of A, B and the result
  int64_t m = 1, k = 1, n = 1;
  Shape result;
};

Expected<MatMulShapes> matmulShapes(const OpContext& ctx, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty())
    return ctx.error("operands must have rank >= 1, got A {} and B {}", shapeToString(a), shapeToString(b));
  MatMulShapes s;
  const Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  const Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  s.m = a2[a2.size() - 2];
  s.k = a2[a2.size() - 1];
  s.n = b2[b2.size() - 1];
  if (b2[b2.size() - 2] != s.k)
    return ctx.error("inner dims do not match: A {} has {} columns but B {} has {} rows", shapeToString(a),
                     s.k, shapeToString(b), b2[b2.size() - 2]);
  s.batchA.assign(a2.begin(), a2.end() - 2);
  s.batchB.assign(b2.begin(), b2.end() - 2);
  auto batch = broadcastShapes(s.batchA, s.batchB);
  if (!batch.ok()) return batch.status().withContext(fmt::format("{}: batch dims", ctx.label()));
  s.batch = *batch;
  s.result = s.batch;
  if (a.size() > 1) s.result.push_back(s.m);
  if (b.size() > 1) s.result.push_back(s.n);
  return s;
}

Expected<std::vector<TensorType>> matmulTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kNumericTypes));
  INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 0, 1));
  INGOT_ASSIGN_OR_RETURN(MatMulShapes s, matmulShapes(ctx, ctx.operandType(0).shape, ctx.operandType(1).shape));
  return std::vector<TensorType>{{ctx.operandType(0).dtype, s.result}};
}

KernelResult matmulKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  const Tensor& a = *in[0];
  const Tensor& b = *in[1];
  INGOT_ASSIGN_OR_RETURN(MatMulShapes s, matmulShapes(ctx, a.shape(), b.shape()));
  Tensor out = emptyResult(rt[0]);
  // Nothing to compute, and the batch dims alone may be huge ([2^32, 0, 3]).
  if (out.numElements() == 0) return single(std::move(out));
  // Which A and B matrix each result matrix reads (batch broadcasting).
  const std::vector<int64_t> batchOfA = broadcastSourceIndices(s.batchA, s.batch);
  const std::vector<int64_t> batchOfB = broadcastSourceIndices(s.batchB, s.batch);
  Status inner;
  INGOT_RETURN_IF_ERROR(dispatchDType(ctx, a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (Number<T>) {
      for (size_t batch = 0; batch < batchOfA.size(); ++batch) {
        const T* pa = a.data<T>() + batchOfA[batch] * s.m * s.k;
        const T* pb = b.data<T>() + batchOfB[batch] * s.k * s.n;
        T* pc = out.data<T>() + static_cast<int64_t>(batch) * s.m * s.n;
        for (int64_t i = 0; i < s.m; ++i)
          for (int64_t j = 0; j < s.n; ++j) {
            AccumulatorOf<T> acc{0};
            for (int64_t p = 0; p < s.k; ++p) multiplyAdd<T>(acc, pa[i * s.k + p], pb[p * s.n + j]);
            pc[i * s.n + j] = static_cast<T>(acc);
          }
      }
    } else {
      inner = kernelDTypeBug(ctx, a.dtype());
    }
  }));
  INGOT_RETURN_IF_ERROR(inner);
  return single(std::move(out));
}

// ---------------------------------------------------------------------------
// Gemm: Y = alpha * A' * B' + beta * C, where A' = transA ? A^T : A (rank 2,
// [M,K]) and B' likewise ([K,N]); C is optional and broadcasts
// (unidirectionally) to [M,N].

struct GemmDims {
  int64_t m, k, n;
};

Expected<GemmDims> gemmDims(const OpContext& ctx) {
  const Shape& a = ctx.operandType(0).shape;
  const Shape& b = ctx.operandType(1).shape;
  if (a.size() != 2 || b.size() != 2)
    return ctx.error("A and B must have rank 2, got A {} and B {}", shapeToString(a), shapeToString(b));
  const bool transA = ctx.getInt("transA") != 0, transB = ctx.getInt("transB") != 0;
  GemmDims d{transA ? a[1] : a[0], transA ? a[0] : a[1], transB ? b[0] : b[1]};
  const int64_t kOfB = transB ? b[1] : b[0];
  if (kOfB != d.k)
    return ctx.error("inner dims do not match: A{} {} gives K={} but B{} {} gives K={}", transA ? "^T" : "",
                     shapeToString(a), d.k, transB ? "^T" : "", shapeToString(b), kOfB);
  return d;
}

Expected<std::vector<TensorType>> gemmTypes(const OpContext& ctx) {
  INGOT_RETURN_IF_ERROR(checkOperandDType(ctx, 0, kNumericTypes));
  INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 0, 1));
  for (const char* flag : {"transA", "transB"})
    if (ctx.getInt(flag) != 0 && ctx.getInt(flag) != 1)
      return ctx.error("attribute '{}' must be 0 or 1, got {}", flag, ctx.getInt(flag));
  INGOT_ASSIGN_OR_RETURN(GemmDims d, gemmDims(ctx));
  const Shape result{d.m, d.n};
  if (ctx.hasOperand(2)) {
    INGOT_RETURN_IF_ERROR(checkSameDType(ctx, 0, 2));
    if (!broadcastsTo(ctx.operandType(2).shape, result))
      return ctx.error("C {} does not broadcast to the result shape {}",
                       shapeToString(ctx.operandType(2).shape), shapeToString(result));
  }
  return std::vector<TensorType>{{ctx.operandType(0).dtype, result}};
}

KernelResult gemmKernel(const OpContext& ctx, KernelInputs in, ResultTypes rt) {
  INGOT_ASSIGN_OR_RETURN(GemmDims d, gemmDims(ctx));
  const Tensor& a = *in[0];
  const Tensor& b = *in[1];
  const Tensor* c = in.size() > 2 ? in[2] : nullptr;
  const bool transA = ctx.getInt("transA") != 0, transB = ctx.getInt("transB") != 0;
  const double alpha = ctx.getFloat("alpha"), beta = ctx.getFloat("beta");
  Tensor out = emptyResult(rt[0]);
  const std::vector<int64_t> cIndex = c ? broadcastSourceIndices(c->shape(), out.shape()) : std::vector<int64_t>{};
  Status inner;
  INGOT_RETURN_IF_ERROR(dispatchDType(ctx, a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (Number<T>) {
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      T* py = out.data<T>();
      for (int64_t i = 0; i < d.m; ++i)
        for (int64_t j = 0; j < d.n; ++j) {
          AccumulatorOf<T> acc{0};
          for (int64_t p = 0; p < d.k; ++p)
            multiplyAdd<T>(acc, transA ? pa[p * d.m + i] : pa[i * d.k + p], transB ? pb[j * d.k + p] : pb[p * d.n + j]);
          // alpha and beta are floats, so integer Gemm goes through double
          // (exact while values stay below 2^53).
          double y = alpha * static_cast<double>(acc);
          if (c) y += beta * static_cast<double>(c->data<T>()[cIndex[i * d.n + j]]);
          if constexpr (Integer<T>) py[i * d.n + j] = floatToInt<T>(y);
          else py[i * d.n + j] = static_cast<T>(y);
        }
    } else {
      inner = kernelDTypeBug(ctx, a.dtype());
    }
  }));
  INGOT_RETURN_IF_ERROR(inner);
  return single(std::move(out));
}

}  // namespace

void registerContractionOps(OpRegistry& r) {
  OpDef matmul;
  matmul.name = "MatMul";
  matmul.summary = "matrix product with numpy matmul semantics (batched, broadcast, 1-D promoted)";
  matmul.operands = {{"A"}, {"B"}};
  matmul.fusion = FusionClass::Contraction;
  matmul.inferTypes = matmulTypes;
  matmul.reference = matmulKernel;
  registerOp(r, std::move(matmul));

  OpDef gemm;
  gemm.name = "Gemm";
  gemm.summary = "alpha * A' * B' + beta * C (A, B rank 2, optionally transposed)";
  gemm.operands = {{"A"}, {"B"}, {"C", true}};
  gemm.attrs = {{"alpha", AttrKind::Float, Attribute(1.0f)},
                {"beta", AttrKind::Float, Attribute(1.0f)},
                {"transA", AttrKind::Int, Attribute(int64_t{0})},
                {"transB", AttrKind::Int, Attribute(int64_t{0})}};
  gemm.fusion = FusionClass::Contraction;
  gemm.inferTypes = gemmTypes;
  gemm.reference = gemmKernel;
  registerOp(r, std::move(gemm));
}

}  // namespace ingot::ir
