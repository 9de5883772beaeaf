// Gradients of MatMul and Gemm (ir/ops/ContractionOps.cpp). The backward
// products are again MatMul / Gemm nodes, so they lower and fuse like the
// forward ones.
#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

// MatMul with numpy semantics. A 1-D operand is promoted ([K] -> [1,K] for
// A, [K,1] for B) and dy is reshaped to the promoted result; each operand's
// gradient is a batched product summed over the batch dims it was broadcast
// along, then reshaped back to the operand.
Status matmulGrad(GradientContext& c) {
  Value* a = c.operand(0);
  Value* b = c.operand(1);
  Value* dy = c.resultGrad();
  const Shape& as = a->shape();
  const Shape& bs = b->shape();
  if (as.empty() || bs.empty()) return c.error("MatMul operands must have rank >= 1");
  const Shape a2 = as.size() == 1 ? Shape{1, as[0]} : as;
  const Shape b2 = bs.size() == 1 ? Shape{bs[0], 1} : bs;
  INGOT_ASSIGN_OR_RETURN(Value * a1, c.reshape(a, a2));
  INGOT_ASSIGN_OR_RETURN(Value * b1, c.reshape(b, b2));
  // Result with both matrix dims: batch + [M, N].
  Shape full(dy->shape().begin(), dy->shape().end() - (as.size() > 1 ? 1 : 0) - (bs.size() > 1 ? 1 : 0));
  full.push_back(a2[a2.size() - 2]);
  full.push_back(b2[b2.size() - 1]);
  INGOT_ASSIGN_OR_RETURN(Value * dy1, c.reshape(dy, full));
  if (c.needsGradient(0)) {
    INGOT_ASSIGN_OR_RETURN(Value * bt, c.emit("Transpose", {b1}, {{"perm", ints(swapLastTwo(b2.size()))}}));
    INGOT_ASSIGN_OR_RETURN(Value * g, c.emit("MatMul", {dy1, bt}));
    INGOT_ASSIGN_OR_RETURN(Value * reduced, c.reduceToShape(g, a2));
    INGOT_ASSIGN_OR_RETURN(Value * da, c.reshape(reduced, as));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, da));
  }
  if (c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * at, c.emit("Transpose", {a1}, {{"perm", ints(swapLastTwo(a2.size()))}}));
    INGOT_ASSIGN_OR_RETURN(Value * g, c.emit("MatMul", {at, dy1}));
    INGOT_ASSIGN_OR_RETURN(Value * reduced, c.reduceToShape(g, b2));
    INGOT_ASSIGN_OR_RETURN(Value * db, c.reshape(reduced, bs));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(1, db));
  }
  return Status::ok();
}

// Y = alpha A' B' + beta C with A' = transA ? A^T : A, B' likewise.
//   dA' = alpha dY B'^T, dB' = alpha A'^T dY, dC = beta dY (summed to C's shape),
// and each case is one Gemm with the right transpose flags:
//   dA = transA ? alpha B' dY^T : alpha dY B'^T  -> Gemm(B, dY, transA=tB, transB=1) / Gemm(dY, B, transB=1-tB)
//   dB = transB ? alpha dY^T A' : alpha A'^T dY  -> Gemm(dY, A, transA=1, transB=tA) / Gemm(A, dY, transA=1-tA)
Status gemmGrad(GradientContext& c) {
  Value* a = c.operand(0);
  Value* b = c.operand(1);
  Value* dy = c.resultGrad();
  const int64_t tA = c.node().getInt("transA"), tB = c.node().getInt("transB");
  const Attribute alpha(c.node().getFloat("alpha", 1.f));
  auto gemm = [&](Value* x, Value* y, int64_t transX, int64_t transY) {
    return c.emit("Gemm", {x, y}, {{"alpha", alpha}, {"transA", one(transX)}, {"transB", one(transY)}});
  };
  if (c.needsGradient(0)) {
    INGOT_ASSIGN_OR_RETURN(Value * da, tA ? gemm(b, dy, tB, 1) : gemm(dy, b, 0, 1 - tB));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, da));
  }
  if (c.needsGradient(1)) {
    INGOT_ASSIGN_OR_RETURN(Value * db, tB ? gemm(dy, a, 1, tA) : gemm(a, dy, 1 - tA, 0));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(1, db));
  }
  if (c.operand(2) && c.needsGradient(2)) {
    INGOT_ASSIGN_OR_RETURN(Value * scaled, c.scale(dy, c.node().getFloat("beta", 1.f)));
    INGOT_ASSIGN_OR_RETURN(Value * dc, c.reduceToShape(scaled, c.operand(2)->shape()));
    INGOT_RETURN_IF_ERROR(c.setOperandGradient(2, dc));
  }
  return Status::ok();
}

}  // namespace

void registerContractionGradients(OpRegistry& r) {
  attachAll(r, {{"MatMul", matmulGrad}, {"Gemm", gemmGrad}});
}

}  // namespace ingot::ir
